"""The citizens' side in numbers: the satisfaction answer (SKM, Permenpan RB 14/2017), one question
per complaint asked once after the citizen confirms handling or the complaint closes on its own; and
the public figures' stored snapshots."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class SatisfactionSurvey(Base):
    """One row per complaint asked (unique: never asked twice); `score` stays empty when ignored."""

    __tablename__ = "satisfaction_surveys"
    __table_args__ = (CheckConstraint("score IS NULL OR (score >= 1 AND score <= 4)", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), unique=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporters.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # where it was asked: telegram, sms, whatsapp
    asked_because: Mapped[str] = mapped_column(String(20))  # confirmed | closed
    asked_at: Mapped[datetime]
    score: Mapped[int | None] = mapped_column(Integer)  # 1 tidak puas .. 4 sangat puas
    answered_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    # waiting: the citizen's next free text is taken as the comment (SMS); done: nothing more is taken
    state: Mapped[str] = mapped_column(String(20), default="asked")  # asked | comment | done


class PublicFiguresSnapshot(Base):
    """A regency's public figures for a year, as last computed (app/services/reporting/public_figures.py):
    the scheduler refreshes it, the public pages only read it."""

    __tablename__ = "public_figures_snapshots"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    computed_at: Mapped[datetime]
    payload: Mapped[str] = mapped_column(Text)  # the JSON document as served
