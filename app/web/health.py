"""GET /healthz for load balancers and alerting: the database, the scheduler heartbeat and the
rate-limit store, each named under "dependencies".

503 ("unhealthy") when the database is down or no scheduler enforces deadlines: a stale
heartbeat, or in production (settings.production) none ever seen, once the start-up grace
(settings.health_startup_grace_seconds, on the app clock) has passed; until then "starting", 200.
Outside production a scheduler never seen stays 200 "degraded" (a laptop without `python -m jobs`).
A rate-limit store that is away is "degraded", 200: requests are served, limits count per process."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.extensions import db_session, now, state
from app.ratelimit_store import app_store
from app.services.sla import heartbeat

bp = Blueprint("health", __name__)

# Schedulers beat every 10 s; three missed beats and more means no one is enforcing deadlines.
STALE_AFTER_SECONDS = 60
STARTED_KEY = "sigap_started_at"
DETAILS = {
    "never_seen": "no scheduler has ever beaten: no reminder, breach or escalation fires (start `python -m jobs`)",
    "stale": "the newest scheduler heartbeat is too old: deadlines are not being enforced",
}


WHATSAPP_DETAIL = ("these WhatsApp templates have no approved content SID: outside the 24-hour window their "
                   "messages go by SMS or Telegram (`flask --app wsgi whatsapp set-sid`, or Settings > WhatsApp)")


@bp.record_once
def _remember_start(setup_state) -> None:
    app = setup_state.app
    app.extensions[STARTED_KEY] = app.extensions["sigap"].clock.now()


def _rate_limit_store() -> str:
    store = app_store(current_app)
    return "ok" if store is None or store.check() else "unreachable"


@bp.get("/healthz")
def healthz():
    rate_limit_store = _rate_limit_store()
    session = db_session()
    try:
        session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "unreachable" here
        session.rollback()
        return jsonify({"status": "unhealthy", "database": "unreachable", "scheduler": None,
                        "dependencies": {"database": "unreachable", "scheduler": None,
                                         "rate_limit_store": rate_limit_store}}), 503
    at = now()
    age = heartbeat.age_seconds(session, at)
    if age is None:
        scheduler = "never_seen"
    elif age > STALE_AFTER_SECONDS:
        scheduler = "stale"
    else:
        scheduler = "ok"
    settings = state().settings
    grace = timedelta(seconds=settings.health_startup_grace_seconds)
    started = current_app.extensions.get(STARTED_KEY, at)
    if scheduler == "ok":
        status, code = "ok", 200
    elif settings.production:
        status, code = ("starting", 200) if at - started < grace else ("unhealthy", 503)
    else:
        status, code = ("unhealthy", 503) if scheduler == "stale" else ("degraded", 200)
    if status == "ok" and rate_limit_store != "ok":
        status = "degraded"
    body = {"status": status, "database": "ok",
            "scheduler": {"status": scheduler, "heartbeat_age_seconds": None if age is None else round(age, 1),
                          "stale_after_seconds": STALE_AFTER_SECONDS},
            "dependencies": {"database": "ok", "scheduler": scheduler, "rate_limit_store": rate_limit_store}}
    if scheduler in DETAILS:
        body["scheduler"]["detail"] = DETAILS[scheduler]
    if settings.twilio_account_sid:
        from app.services.messaging import whatsapp

        missing = whatsapp.missing(session)
        body["whatsapp"] = {"templates_missing": missing, **({"detail": WHATSAPP_DETAIL} if missing else {})}
    if settings.production and status == "starting":
        body["scheduler"]["startup_grace_seconds"] = settings.health_startup_grace_seconds
    return jsonify(body), code
