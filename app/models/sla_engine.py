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
    # Channels in order of preference, space-separated ("whatsapp sms telegram"); empty: `channel`, then the rest.
    channels: Mapped[str | None] = mapped_column(String(60))
    # The accountable post this contact speaks for (a posts.id; no constraint: added without rebuilding the table).
    post_id: Mapped[int | None]

    user: Mapped["User | None"] = relationship()  # noqa: F821
    shifts: Mapped[list["DutyShift"]] = relationship(back_populates="contact", order_by="DutyShift.id",
                                                     cascade="all, delete-orphan", passive_deletes=True)

    def channel_order(self) -> tuple[str, ...]:
        """The channels to try, best first."""
        if self.channels:
            return tuple(self.channels.split())
        first = (self.channel,) if self.channel in ("whatsapp", "sms", "telegram") else ()
        return first + tuple(c for c in ("telegram", "sms") if c not in first)


class DutyShift(Base):
    """One recurring duty window of a contact (a duty desk's roster line): local start time and
    length, weekdays of the start day, holiday rule, valid over [valid_from, valid_until). A contact
    with shifts is reachable only while one covers the moment (app/domain/duty.py); a handover ends
    the current lines at a moment and starts new ones then."""

    __tablename__ = "duty_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("escalation_contacts.id", ondelete="CASCADE"), index=True)
    days: Mapped[str] = mapped_column(String(20))  # weekday digits 0 (Monday) .. 6, e.g. "01234"
    start_local: Mapped[str] = mapped_column(String(5))  # "20:00"
    minutes: Mapped[int]
    holidays: Mapped[str] = mapped_column(String(10), default="include")  # include | exclude | only
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    created_at: Mapped[datetime]

    contact: Mapped[EscalationContact] = relationship(back_populates="shifts")


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
