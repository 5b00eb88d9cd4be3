"""Versioned SLA policies: data, never code. A complaint keeps the version in force at receipt."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, JsonType
from .agency import Category
from .place import Jurisdiction


class SlaPolicy(Base):
    __tablename__ = "sla_policies"
    __table_args__ = (Index("ix_sla_policies_lookup", "jurisdiction_id", "category_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))  # None: default
    effective_from: Mapped[datetime]
    acknowledge_minutes: Mapped[int] = mapped_column(Integer)
    handle_minutes: Mapped[int] = mapped_column(Integer)
    triage_minutes: Mapped[int] = mapped_column(Integer, default=30)
    reminder_fractions: Mapped[list] = mapped_column(JsonType, default=lambda: [0.5, 0.75])
    # [{"level": "village_head"}, {"level": "camat"}, ...], climbed one step per repeat interval after a breach
    escalation_ladder: Mapped[list] = mapped_column(JsonType, default=list)
    repeat_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # Past the top of the ladder the top levels are re-alerted every repeat_minutes, at most this many a day.
    repeat_daily_cap: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    evidence_photo: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence_location: Mapped[bool] = mapped_column(Boolean, default=False)
    calendar: Mapped[str] = mapped_column(String(20), default="24x7")  # "24x7" | "business_hours"
    # {"days": [0..4], "start": "08:00", "end": "16:00"} in the jurisdiction's local time
    business_hours: Mapped[dict | None] = mapped_column(JsonType)
    may_pause: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    jurisdiction: Mapped[Jurisdiction] = relationship()
    category: Mapped[Category | None] = relationship()
