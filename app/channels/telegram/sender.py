"""Delivers outbox messages through python-telegram-bot's `Bot`: the process's long-lived one (see
`bots`), so consecutive messages share a connection to the Bot API. A group that became a
supergroup (ChatMigrated) has its new chat id stored and gets the message there.

Inline buttons come from `extra["buttons"]`, or are added here: "Sudah ditangani?" Yes/No under a
"handled" message to a citizen, "Acknowledge" under an alert to staff (see `buttons_for`)."""
from __future__ import annotations

import logging
import warnings
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import object_session
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from app.i18n import t
from app.models import Complaint, OutboxMessage
from app.services.messaging import telegram_chats
from app.services.messaging.outbox import SendResult

from . import bots

log = logging.getLogger("sigap.telegram")

# Staff alerts about a complaint not yet acknowledged carry an "Acknowledge" button.
ACK_TEMPLATES = ("core.staff.new", "core.staff.assigned", "core.staff.reopened")
MAX_TEXT = 4096  # Bot API limit for one message
MAX_MOVES = 2  # a chat that keeps moving is not followed further


def buttons_for(message: OutboxMessage) -> list[list[dict]] | None:
    """The inline keyboard for a message: explicit buttons, or the ones its purpose calls for."""
    extra = message.extra or {}
    if extra.get("buttons"):
        return extra["buttons"]
    lang = message.language
    confirm = message.recipient_kind == "reporter" and extra.get("ask") == "confirm_handled"
    ack = message.recipient_kind == "staff" and (
        message.template in ACK_TEMPLATES or str(extra.get("step", "")).startswith("a."))
    # The ticket, never the row id: callback data is the chat's to forge, and the handler checks the
    # chat may see the ticket's complaint.
    ref = _ticket(message) if confirm or ack else None
    if ref and confirm:
        return [[{"text": t("telegram.button_yes", lang), "callback_data": f"confirm:yes:{ref}"},
                 {"text": t("telegram.button_no", lang), "callback_data": f"confirm:no:{ref}"}]]
    if ref and ack:
        return [[{"text": t("telegram.button_acknowledge", lang), "callback_data": f"ack:{ref}"}]]
    return None


def _ticket(message: OutboxMessage) -> str | None:
    session = object_session(message)
    if message.complaint_id is None or session is None:
        return None
    return session.scalar(select(Complaint.ticket).where(Complaint.id == message.complaint_id))


def reply_markup_for(message: OutboxMessage):
    extra = message.extra or {}
    buttons = buttons_for(message)
    if buttons:
        return InlineKeyboardMarkup([[InlineKeyboardButton(b["text"], callback_data=b["callback_data"])
                                      for b in row] for row in buttons])
    if extra.get("request_location"):
        return ReplyKeyboardMarkup([[KeyboardButton(extra["request_location"], request_location=True)]],
                                   one_time_keyboard=True, resize_keyboard=True)
    if extra.get("remove_keyboard"):
        return ReplyKeyboardRemove()
    return None


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    channel = "telegram"

    def __init__(self, settings):
        self.settings = settings

    def send(self, message: OutboxMessage) -> SendResult:
        try:
            chat_id = int(message.recipient)
        except (TypeError, ValueError):
            return SendResult(ok=False, error=f"not a Telegram chat id: {message.recipient!r}", permanent=True)
        text = message.body if len(message.body) <= MAX_TEXT else message.body[: MAX_TEXT - 1] + "…"
        markup = reply_markup_for(message)
        with warnings.catch_warnings():
            # PTB 22 warns while building RetryAfter that retry_after will become a timedelta.
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            for _ in range(MAX_MOVES + 1):
                try:
                    sent = bots.call(self.settings, lambda bot, chat_id=chat_id: bot.send_message(
                        chat_id=chat_id, text=text, reply_markup=markup))
                except ChatMigrated as exc:
                    # The group became a supergroup: the old id answers nothing any more.
                    _moved(message, chat_id, int(exc.new_chat_id))
                    chat_id = int(exc.new_chat_id)
                    continue
                except TelegramError as exc:
                    return _failure(exc)
                return SendResult(ok=True, provider_id=str(sent.message_id))
        return SendResult(ok=False, error=f"chat moved more than {MAX_MOVES} times", permanent=True)


def _moved(message: OutboxMessage, old_chat_id: int, new_chat_id: int) -> None:
    """Store the new chat id wherever the old one is kept; the message is sent on either way."""
    session = object_session(message)
    if session is None:
        log.warning("telegram chat %s moved to %s; message %s not in a session, ids not updated",
                    old_chat_id, new_chat_id, message.id)
        return
    try:
        telegram_chats.move_chat(session, old_chat_id, new_chat_id)
    except SQLAlchemyError:
        session.rollback()  # the outbox settles this message in the same session next
        log.exception("telegram chat %s moved to %s; storing the new id failed", old_chat_id, new_chat_id)


def _failure(exc: TelegramError) -> SendResult:
    """What a Bot API error means for the outbox: retry (when), or give up."""
    if isinstance(exc, RetryAfter):
        wait = _seconds(exc.retry_after)
        return SendResult(ok=False, error=f"Telegram flood control: retry after {wait:g} s", retry_after=wait)
    if isinstance(exc, Forbidden):
        # The user blocked the bot (or never started it): retrying cannot help.
        return SendResult(ok=False, error=f"Forbidden: {exc.message}", permanent=True)
    if isinstance(exc, BadRequest):
        # "chat not found", "message is too long", a bad button: the same request would fail again.
        return SendResult(ok=False, error=f"BadRequest: {exc.message}", permanent=True)
    if isinstance(exc, InvalidToken):
        return SendResult(ok=False, error="the Bot API refused the bot token")
    if isinstance(exc, NetworkError):
        return SendResult(ok=False, error=f"network error: {exc.message}")
    return SendResult(ok=False, error=f"{type(exc).__name__}: {exc.message}")
