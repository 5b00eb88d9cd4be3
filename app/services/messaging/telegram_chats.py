"""A Telegram group that becomes a supergroup gets a new chat id, and the Bot API answers every
message to the old one with the new id (`migrate_to_chat_id`). Chat ids are unique across
Telegram, so every stored copy of the old id means that chat: all of them move at once."""
from __future__ import annotations

import logging

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from app.models import OutboxMessage, Reporter, User
from app.models.sla_engine import EscalationContact

log = logging.getLogger("sigap.outbox")
UNDELIVERED = ("pending", "failed", "sending")


def move_chat(session: Session, old_chat_id: int, new_chat_id: int) -> dict[str, int]:
    """Point reporters, staff users, escalation contacts and the Telegram messages not yet
    delivered at the new chat id; commits. Returns how many rows of each moved."""
    moved = {}
    # A reporter is unique by chat id: if the new chat is already someone's, the old row keeps
    # the old id (its messages are still redirected by the Bot API's answer).
    taken = session.scalar(select(exists().where(Reporter.telegram_chat_id == new_chat_id)))
    moved["reporters"] = 0 if taken else session.execute(
        update(Reporter).where(Reporter.telegram_chat_id == old_chat_id).values(telegram_chat_id=new_chat_id)
    ).rowcount
    for name, model in (("users", User), ("escalation_contacts", EscalationContact)):
        moved[name] = session.execute(
            update(model).where(model.telegram_chat_id == old_chat_id).values(telegram_chat_id=new_chat_id)
        ).rowcount
    moved["outbox_messages"] = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == "telegram", OutboxMessage.recipient == str(old_chat_id),
               OutboxMessage.status.in_(UNDELIVERED))
        .values(recipient=str(new_chat_id))
    ).rowcount
    session.commit()
    log.info("telegram chat %s moved to %s: %s", old_chat_id, new_chat_id, moved)
    return moved
