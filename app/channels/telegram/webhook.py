"""`POST /webhooks/telegram`: check the secret token, parse the update, hand it to the dialogue, answer 200.

Replies leave through the outbox. The one thing answered inline (Telegram runs a method returned as
the webhook's response body) is `answerCallbackQuery`, which only stops a pressed button's spinner."""
from __future__ import annotations

import hmac
import logging
from datetime import datetime

from flask import current_app, jsonify, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from telegram import Update

from app import metrics
from app.db import is_outage
from app.errors import error_response
from app.extensions import db_session, now, state
from app.services.conversations import telegram_dialogue
from app.services.conversations.telegram_dialogue import Inbound, Outcome

from . import bp
from .updates import from_json, other, to_inbound

log = logging.getLogger("sigap.telegram")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def default_jurisdiction(settings) -> str:
    return (getattr(settings, "extra", None) or {}).get("telegram_default_jurisdiction") \
        or telegram_dialogue.DEFAULT_JURISDICTION


def process_update(session: Session, at: datetime, update: Update, jurisdiction: str) -> Outcome:
    """Shared by the webhook and `telegram poll`."""
    return process_inbound(session, at, to_inbound(update), jurisdiction)


def process_inbound(session: Session, at: datetime, inbound: Inbound, jurisdiction: str) -> Outcome:
    """A failing update is logged, recorded and apologised for, so it cannot jam the chat nor vanish
    unanswered; an unreachable database is raised (503), so Telegram delivers the update again later."""
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
        log.exception("telegram update %s (%s) failed", inbound.update_id, inbound.kind)
        session.rollback()
        return telegram_dialogue.record_failure(session, at, inbound)


@bp.post("", strict_slashes=False)
@bp.post("/", strict_slashes=False)
def webhook():
    settings = state().settings
    expected = settings.telegram_webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    # With no secret configured nothing is accepted: an open webhook would let anyone file reports.
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return error_response(401, "unauthorized", f"missing or wrong {SECRET_HEADER} header")
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:  # nested thousands deep: no Telegram Update looks like that
        data = None
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not -2 ** 63 <= update_id < 2 ** 63:
        return error_response(400, "bad_request", "body must be a Telegram Update (JSON object with update_id)")
    try:
        inbound = from_json(data) or to_inbound(Update.de_json(data, None))
    except Exception:  # noqa: BLE001 - PTB raises TypeError/KeyError/ValueError on shapes it does not know
        # It has an update_id, so it came as an Update: answer 200 (or Telegram sends it again and
        # again), record it once, do nothing else.
        log.warning("telegram update %s is not a readable Update; ignored", update_id)
        inbound = other(update_id)
    outcome = process_inbound(db_session(), now(), inbound, default_jurisdiction(settings))
    metrics.webhook_update("telegram", "duplicate" if outcome.duplicate else "handled")
    if outcome.callback_answer:
        return jsonify({"method": "answerCallbackQuery", **outcome.callback_answer})
    return current_app.response_class(_OK, mimetype="application/json")


_OK = b'{"ok":true}\n'  # what jsonify({"ok": True}) writes, without encoding it every time
