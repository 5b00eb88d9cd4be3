"""Sigap as gunicorn serves it (`wsgi:app`), for bench/intake_load.py only, with the rate limits out of the way
so that the benchmark measures intake, not the limiter:
- per API token: SIGAP_API_RATE_LIMIT "off", the switch app/channels/api/ratelimit.py offers (no counter is
  kept at all; the production default stays "120/minute");
- per source address on the webhooks: a limit nobody reaches (Flask-Limiter cannot be switched off per
  route, so it still counts each webhook request as it would in production)."""
from app import create_app
from config import load_settings

app = create_app(load_settings(webhook_rate_limit="10000000 per minute"))
app.config["SIGAP_API_RATE_LIMIT"] = "off"
