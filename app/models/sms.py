"""SMS/WhatsApp channel state: every inbound message (unique MessageSid), per-phone dialogues, numbers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, JsonType


class SmsInboundMessage(Base):
    """One message Twilio or Kannel delivered (or the demo page typed); a retried webhook finds it and its replies.

    Rate limits count these rows, so they hold across workers."""

    __tablename__ = "sms_inbound_messages"
    __table_args__ = (Index("ix_sms_inbound_messages_phone_received", "phone", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(20))  # sms | whatsapp
    phone: Mapped[str] = mapped_column(String(40))  # E.164 when valid, else the raw From
    to_number: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    # reply | complaint | dialogue | rate_limited | dropped | opt_out | opt_in | pending
    outcome: Mapped[str] = mapped_column(String(30))
    replies: Mapped[list] = mapped_column(JsonType, default=list)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="SET NULL"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporters.id", ondelete="SET NULL"))


class SmsDialogue(Base):
    """Where one phone is in the menu dialogue (category, village, description) and its draft."""

    __tablename__ = "sms_dialogues"

    phone: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(20))  # category | village | description
    draft: Mapped[dict] = mapped_column(JsonType, default=dict)
    language: Mapped[str] = mapped_column(String(5), default="id")
    updated_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SmsNumber(Base):
    """Which jurisdiction a number (a message's `To`: E.164, or a short code such as 1708) serves, and
    which gateway carries it (twilio | kannel); unmapped numbers serve the first jurisdiction via Twilio."""

    __tablename__ = "sms_numbers"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # E.164, or the short code's digits
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    note: Mapped[str | None] = mapped_column(Text)
    gateway: Mapped[str] = mapped_column(String(10), default="twilio", server_default="twilio")
