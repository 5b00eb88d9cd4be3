"""Long polling for development (`flask --app wsgi telegram poll`): getUpdates feeds the webhook's handler.

Each round is synchronous around short asyncio.run calls, so the outbox's sender (itself asyncio.run)
can deliver the replies between rounds."""
from __future__ import annotations

import logging

from telegram import Update

from app.channels.telegram.aio import run_sync
from app.services.messaging import outbox

from .files import download_pending
from .sender import TelegramSender, open_bot
from .webhook import default_jurisdiction, process_update

log = logging.getLogger("sigap.telegram")
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


async def _fetch(settings, offset: int | None, timeout: int) -> list[Update]:
    async with open_bot(settings) as bot:
        return list(await bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES))


async def _answer_callbacks(settings, answers: list[dict]) -> None:
    async with open_bot(settings) as bot:
        for answer in answers:
            try:
                await bot.answer_callback_query(**answer)
            except Exception as exc:  # an expired query is harmless: the button just stops spinning
                log.info("answerCallbackQuery failed: %s", exc)


async def _delete_webhook(settings) -> None:
    async with open_bot(settings) as bot:
        await bot.delete_webhook(drop_pending_updates=False)


def delete_webhook(settings) -> None:
    """getUpdates is refused (409) while a webhook is set."""
    run_sync(_delete_webhook(settings))


def poll_once(sigap, offset: int | None = None, timeout: int = 30, deliver: bool = True,
              instance_dir=None) -> int | None:
    """Fetch one batch of updates, handle each like the webhook, answer buttons, deliver the outbox
    (and fetch new photos into `instance_dir` when given). Returns the next offset."""
    settings = sigap.settings
    updates = run_sync(_fetch(settings, offset, timeout))
    answers = []
    for update in updates:
        with sigap.sessionmaker() as session:
            outcome = process_update(session, sigap.clock.now(), update, default_jurisdiction(settings))
        if outcome.callback_answer:
            answers.append(outcome.callback_answer)
        offset = update.update_id + 1
    if answers:
        run_sync(_answer_callbacks(settings, answers))
    if deliver:
        with sigap.sessionmaker() as session:
            senders = {**sigap.build_senders(settings), "telegram": TelegramSender(settings)}
            outbox.deliver_due(session, sigap.clock.now(), senders)
    if instance_dir is not None:
        with sigap.sessionmaker() as session:
            download_pending(session, sigap.clock.now(), settings, instance_dir)
    return offset
