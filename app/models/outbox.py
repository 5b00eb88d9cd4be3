"""Every message to a citizen or staff member, written in the transaction that causes it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JsonType

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "dead")
WAITING_STATUSES = ("pending", "failed", "sending")  # not yet delivered: the queue


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # telegram | sms | whatsapp | console
    recipient: Mapped[str] = mapped_column(String(64))  # chat id or E.164 (whatsapp:+62...)
    recipient_kind: Mapped[str] = mapped_column(String(20))  # reporter | staff
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporters.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    template: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(5), default="id")
    body: Mapped[str] = mapped_column(Text)
    extra: Mapped[dict] = mapped_column(JsonType, default=dict)  # buttons, breach id, ...
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)  # Twilio SID, Telegram message id
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime]
    # SLA engine: the breach whose alert this is (its staff_notified follows delivery)
    breach_id: Mapped[int | None] = mapped_column(ForeignKey("breaches.id", ondelete="SET NULL"), index=True)
    sent_at: Mapped[datetime | None]
    # Honest delivery: set when the recipient's device has it (Twilio delivered/read callback; Telegram
    # and the console at send). A breach is "notified" only by these.
    delivered_at: Mapped[datetime | None]
    # Sent, awaiting a delivery report until then; past it the message goes by the recipient's next channel.
    report_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # The message that carried this one's text by the next channel after a refusal or a silent timeout.
    fallback_id: Mapped[int | None]  # an outbox_messages.id (no constraint: added without rebuilding the table)
