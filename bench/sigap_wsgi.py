"""Sigap as gunicorn serves it (`wsgi:app`), with the per-token and per-address rate limits lifted so
that the benchmark measures intake, not the limiter. Used only by bench/intake_load.py.

With BENCH_TICKET_OWN_TRANSACTION=1 (`--experiment ticket`) intake takes its ticket number in a
short transaction of its own instead of holding the counter row until the complaint commits: an
experiment that measures what that change to app/services/intake.py would give, not shipped code."""
import os

from app import create_app
from config import load_settings

app = create_app(load_settings(webhook_rate_limit="10000000 per minute"))
app.config["SIGAP_API_RATE_LIMIT"] = "10000000/minute"

if os.environ.get("BENCH_TICKET_OWN_TRANSACTION") == "1":
    from sqlalchemy.orm import Session

    from app.services import intake

    engine = app.extensions["sigap"].engine
    take_in_caller = intake.next_ticket

    def next_ticket_own_transaction(session, jurisdiction, year):
        with Session(engine) as own:
            seq, ticket = take_in_caller(own, jurisdiction, year)
            own.commit()
        return seq, ticket

    intake.next_ticket = next_ticket_own_transaction
