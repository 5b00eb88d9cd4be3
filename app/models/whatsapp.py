"""WhatsApp state Twilio does not keep for us: each address's last inbound message (the 24-hour
window), the content SID each approved template got, the opt-in/opt-out record of every
address on every channel, and the codes that verify a staff contact's number (their opt-in)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class WhatsAppWindow(Base):
    """When a WhatsApp number last wrote to us: free text may go to it for 24 hours after."""

    __tablename__ = "whatsapp_windows"

    phone: Mapped[str] = mapped_column(String(40), primary_key=True)  # E.164, no whatsapp: prefix
    last_inbound_at: Mapped[datetime]


class WhatsAppTemplate(Base):
    """An approved template's content SID (HX...), entered by an operator once Meta approved it."""

    __tablename__ = "whatsapp_templates"
    __table_args__ = (UniqueConstraint("name", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))  # sigap_core_staff_breach
    language: Mapped[str] = mapped_column(String(5))
    content_sid: Mapped[str] = mapped_column(String(34))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(80))


class OptRecord(Base):
    """One opt-in or opt-out, with its time and channel: who agreed to hear from Sigap, and who said STOP."""

    __tablename__ = "opt_records"
    __table_args__ = (Index("ix_opt_records_address", "channel", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))  # whatsapp | sms | telegram
    address: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(10))  # opt_in | opt_out
    reason: Mapped[str] = mapped_column(String(40))  # wrote_first | verified | stop | start
    at: Mapped[datetime]
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporters.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="SET NULL"))


class ContactVerification(Base):
    """A code sent to an escalation contact's number; typing it back (or replying with it) verifies
    the number, which is the contact's opt-in on that channel."""

    __tablename__ = "contact_verifications"
    __table_args__ = (Index("ix_contact_verifications_address", "channel", "address", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("escalation_contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))  # whatsapp | sms
    address: Mapped[str] = mapped_column(String(64))  # E.164, no whatsapp: prefix
    code_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the code
    sent_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    verified_at: Mapped[datetime | None]
