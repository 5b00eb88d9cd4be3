"""Long polling for development (`flask --app wsgi telegram poll`): getUpdates feeds the webhook's handler.

Each round is synchronous: getUpdates, the handler, answers to buttons and the outbox's sender all
go through the process's one Bot (see `bots`), one call at a time."""
from __future__ import annotations

import logging

from telegram import Update

from app.services.messaging import outbox

from . import bots
from .files import download_pending
from .sender import TelegramSender
from .webhook import default_jurisdiction, process_update

log = logging.getLogger("sigap.telegram")
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def _fetch(settings, offset: int | None, timeout: int) -> list[Update]:
    return list(bots.call(settings, lambda bot: bot.get_updates(
        offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES), timeout=timeout + bots.CALL_TIMEOUT))


def _answer_callbacks(settings, answers: list[dict]) -> None:
    for answer in answers:
        try:
            bots.call(settings, lambda bot, answer=answer: bot.answer_callback_query(**answer))
        except Exception as exc:  # noqa: BLE001 - an expired query is harmless: the button just stops spinning
            log.info("answerCallbackQuery failed: %s", exc)


def delete_webhook(settings) -> None:
    """getUpdates is refused (409) while a webhook is set."""
    bots.call(settings, lambda bot: bot.delete_webhook(drop_pending_updates=False))


def poll_once(sigap, offset: int | None = None, timeout: int = 30, deliver: bool = True,
              instance_dir=None) -> int | None:
    """Fetch one batch of updates, handle each like the webhook, answer buttons, deliver the outbox
    (and fetch new photos into `instance_dir` when given). Returns the next offset."""
    settings = sigap.settings
    updates = _fetch(settings, offset, timeout)
    answers = []
    for update in updates:
        with sigap.sessionmaker() as session:
            outcome = process_update(session, sigap.clock.now(), update, default_jurisdiction(settings))
        if outcome.callback_answer:
            answers.append(outcome.callback_answer)
        offset = update.update_id + 1
    if answers:
        _answer_callbacks(settings, answers)
    if deliver:
        with sigap.sessionmaker() as session:
            senders = {**sigap.build_senders(settings), "telegram": TelegramSender(settings)}
            outbox.deliver_due(session, sigap.clock.now(), senders)
    if instance_dir is not None:
        with sigap.sessionmaker() as session:
            download_pending(session, sigap.clock.now(), settings, instance_dir)
    return offset
