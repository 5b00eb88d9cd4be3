"""A missed deadline, recorded against the agency and the official accountable at the time."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base


class Breach(Base):
    __tablename__ = "breaches"
    __table_args__ = (UniqueConstraint("complaint_id", "kind", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # acknowledge | handle | triage
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    official_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    official_name: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime]
    detected_at: Mapped[datetime]
    met_at: Mapped[datetime | None]
    minutes_late: Mapped[int | None] = mapped_column(Integer)  # set when finally met
    staff_notified: Mapped[bool | None] = mapped_column(Boolean)  # None: not yet known
    notify_failed: Mapped[bool] = mapped_column(Boolean, default=False)

    complaint: Mapped["Complaint"] = relationship(back_populates="breaches")  # noqa: F821
    agency: Mapped["Agency | None"] = relationship()  # noqa: F821
