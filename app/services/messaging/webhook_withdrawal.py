"""When a partner's queued webhook messages must not go out any more: its API token was revoked or it
removed its webhook. Withdrawn at once when that happens, and checked again by the outbox just
before each POST (so a revocation that lands while a batch is being sent stops the rest)."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import metrics
from app.models import ApiToken, OutboxMessage
from app.models.partner import PartnerWebhook

CHANNEL = "webhook"

REVOKED = "not sent: the partner's API token was revoked"
REMOVED = "not sent: the partner removed its webhook"
# Waiting to be sent. A message being sent ("sending") is left to its worker, which checks
# undeliverable() before its POST, so one already on the wire is still recorded as sent.
_WAITING = ("pending", "failed")


def _hook_id(recipient: str) -> int | None:
    """The webhook a message goes to, from its recipient ("webhook:<hook id>:<event id>")."""
    parts = (recipient or "").split(":")
    return int(parts[1]) if len(parts) == 3 and parts[0] == CHANNEL and parts[1].isdigit() else None


def withdraw_queued(session: Session, token_id: int, reason: str) -> int:
    """In the caller's transaction: give up every message waiting for the token's webhook (dead,
    with `reason`). Returns how many were withdrawn."""
    hook_id = session.scalar(select(PartnerWebhook.id).where(PartnerWebhook.token_id == token_id))
    if hook_id is None:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.channel == CHANNEL, OutboxMessage.recipient.startswith(f"{CHANNEL}:{hook_id}:"),
               OutboxMessage.status.in_(_WAITING))
        .values(status="dead", next_attempt_at=None, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    metrics.messages_given_up(session, CHANNEL, result.rowcount or 0)
    return result.rowcount or 0


def undeliverable(session: Session, message: OutboxMessage) -> str | None:
    """Why a queued webhook message must not be sent now (its token was revoked, its webhook
    removed), or None: checked by the delivery job just before each POST."""
    hook_id = _hook_id(message.recipient)
    row = session.execute(select(ApiToken.revoked_at).join(PartnerWebhook, PartnerWebhook.token_id == ApiToken.id)
                          .where(PartnerWebhook.id == hook_id)).first() if hook_id is not None else None
    if row is None:
        return REMOVED
    return REVOKED if row.revoked_at is not None else None
