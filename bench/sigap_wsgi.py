"""Sigap as gunicorn serves it (`wsgi:app`), with the per-token and per-address rate limits lifted so
that the benchmark measures intake, not the limiter. Used only by bench/intake_load.py."""
from app import create_app
from config import load_settings

app = create_app(load_settings(webhook_rate_limit="10000000 per minute"))
app.config["SIGAP_API_RATE_LIMIT"] = "10000000/minute"
