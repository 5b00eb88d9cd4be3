"""GET /healthz: database reachable, scheduler heartbeat age (503 when either is down)."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.extensions import db_session, now
from app.services import heartbeat

bp = Blueprint("health", __name__)

# Schedulers beat every 10 s; three missed beats and more means no one is enforcing deadlines.
STALE_AFTER_SECONDS = 60


@bp.get("/healthz")
def healthz():
    session = db_session()
    try:
        session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means "unreachable" here
        session.rollback()
        return jsonify({"status": "unhealthy", "database": "unreachable", "scheduler": None}), 503
    age = heartbeat.age_seconds(session, now())
    if age is None:
        scheduler, status, code = "never_seen", "degraded", 200
    elif age > STALE_AFTER_SECONDS:
        scheduler, status, code = "stale", "unhealthy", 503
    else:
        scheduler, status, code = "ok", "ok", 200
    body = {"status": status, "database": database,
            "scheduler": {"status": scheduler, "heartbeat_age_seconds": None if age is None else round(age, 1),
                          "stale_after_seconds": STALE_AFTER_SECONDS}}
    return jsonify(body), code
