"""Tables of the SLA engine: who is told at each escalation level, and scheduler heartbeats."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

# Levels named in policy ladders; any other name works too (matched by jurisdiction alone).
CONTACT_LEVELS = ("agency_duty", "village_head", "camat", "agency_head", "regional_secretary", "regent_office")


class EscalationContact(Base):
    """A person to alert at one ladder level, for a village, a district, an agency or a whole
    jurisdiction (the narrower columns left empty match everything)."""

    __tablename__ = "escalation_contacts"
    __table_args__ = (Index("ix_escalation_contacts_level", "jurisdiction_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(40))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id", ondelete="CASCADE"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[str | None] = mapped_column(String(20))  # preferred: telegram | whatsapp | sms
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(5), default="id")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    user: Mapped["User | None"] = relationship()  # noqa: F821


class SchedulerHeartbeat(Base):
    """One row per scheduler process, touched by its heartbeat job; /healthz reports the newest."""

    __tablename__ = "scheduler_heartbeats"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime] = mapped_column(index=True)


class LadderSummary(Base):
    """The regent's office's daily summary of what is still open past its deadline: one row per
    jurisdiction and local day, written with the messages (its unique key makes it go once)."""

    __tablename__ = "ladder_summaries"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in the jurisdiction's zone
    sent_at: Mapped[datetime]
    open_count: Mapped[int] = mapped_column(Integer)
