"""`POST /webhooks/telegram`: check the secret token, parse the update, hand it to the dialogue, answer 200.

Replies leave through the outbox. The one thing answered inline (Telegram runs a method returned as
the webhook's response body) is `answerCallbackQuery`, which only stops a pressed button's spinner."""
from __future__ import annotations

import hmac
import logging
from datetime import datetime

from flask import jsonify, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from telegram import Update

from app.db import is_outage
from app.errors import error_response
from app.extensions import db_session, now, state
from app.services import telegram_dialogue
from app.services.telegram_dialogue import Outcome

from . import bp
from .updates import to_inbound

log = logging.getLogger("sigap.telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def default_jurisdiction(settings) -> str:
    return (getattr(settings, "extra", None) or {}).get("telegram_default_jurisdiction") \
        or telegram_dialogue.DEFAULT_JURISDICTION


def process_update(session: Session, at: datetime, update: Update, jurisdiction: str) -> Outcome:
    """Shared by the webhook and `telegram poll`. A bad update is logged and dropped, so it cannot jam
    the chat; an unreachable database is raised (503), so Telegram delivers the update again later."""
    inbound = to_inbound(update)
    try:
        return telegram_dialogue.handle(session, at, inbound, default_jurisdiction=jurisdiction)
    except IntegrityError:
        # The same update_id delivered twice at once: the other request handled it.
        session.rollback()
        return Outcome(duplicate=True)
    except Exception as exc:
        if is_outage(exc):  # 503: Telegram delivers the update again later
            session.rollback()
            raise
        log.exception("telegram update %s (%s) failed; dropped", inbound.update_id, inbound.kind)
        session.rollback()
        return Outcome()


@bp.post("", strict_slashes=False)
@bp.post("/", strict_slashes=False)
def webhook():
    settings = state().settings
    expected = settings.telegram_webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    # With no secret configured nothing is accepted: an open webhook would let anyone file reports.
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return error_response(401, "unauthorized", f"missing or wrong {SECRET_HEADER} header")
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int) or isinstance(data.get("update_id"), bool):
        return error_response(400, "bad_request", "body must be a Telegram Update (JSON object with update_id)")
    try:
        update = Update.de_json(data, None)
    except Exception:  # PTB raises TypeError/KeyError/ValueError on shapes it does not know
        return error_response(400, "bad_request", "body is not a valid Telegram Update")
    outcome = process_update(db_session(), now(), update, default_jurisdiction(settings))
    if outcome.callback_answer:
        return jsonify({"method": "answerCallbackQuery", **outcome.callback_answer})
    return jsonify({"ok": True})
