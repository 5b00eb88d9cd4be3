"""Performance contracts: an official's targets for a period; and the indexes the reports read."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .agency import Agency
from .base import Base
from .breach import Breach
from .complaint import Complaint
from .event import Event
from .post import PostHolder  # noqa: F401  (the contract's tenure)
from .user import User


class PerformanceContract(Base):
    """What an agency head or a camat (one tenure of the post) promised the regent for a month, quarter
    or year; None: no target. An agency head's contract names the agency, a camat's the kecamatan."""

    __tablename__ = "performance_contracts"
    __table_args__ = (UniqueConstraint("official_id", "agency_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id", ondelete="CASCADE"), index=True)
    # The tenure it belongs to: a new holder of the post starts with a new contract.
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("post_holders.id", ondelete="SET NULL"), index=True)
    period: Mapped[str] = mapped_column(String(10))  # 2026, 2026-Q4, 2026-11
    period_kind: Mapped[str] = mapped_column(String(10))  # year | quarter | month
    period_start: Mapped[date] = mapped_column(Date)  # local days, end exclusive
    period_end: Mapped[date] = mapped_column(Date)
    on_time_rate: Mapped[float | None] = mapped_column(Float)  # at least, 0..1
    median_handle_minutes: Mapped[int | None] = mapped_column(Integer)
    p90_handle_minutes: Mapped[int | None] = mapped_column(Integer)
    max_breaches: Mapped[int | None] = mapped_column(Integer)
    max_reopened_share: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    official: Mapped[User] = relationship(foreign_keys=[official_id])
    agency: Mapped[Agency | None] = relationship()
    district: Mapped["District | None"] = relationship()  # noqa: F821
    holder: Mapped["PostHolder | None"] = relationship()  # noqa: F821


# The reports pick complaints by handle deadline and agency changes out of the trail.
Index("ix_complaints_handle_due_at", Complaint.handle_due_at)
Index("ix_events_kind_complaint", Event.kind, Event.complaint_id)
# The live part of a report (complaints still open, read afresh each time; migration 0024): their
# rows without touching the table, their agency changes from a small index of transfers only, and
# their breaches from the index alone.
_LIVE = ("received", "triage", "assigned", "acknowledged", "handled", "resolved")  # rollup.LIVE_STATUSES
_CHANGES = ("transferred", "assigned")
# Migration 0030: the open complaints' rows from the index alone (every column a report reads).
Index("ix_complaints_live_rows", Complaint.jurisdiction_id, Complaint.handle_due_at,
      postgresql_include=["id", "status", "category_id", "district_id", "agency_id", "reopened_count", "received_at",
                          "ack_due_at", "acknowledged_at", "handled_at", "repeat_of_id"],
      postgresql_where=Complaint.status.in_(_LIVE), sqlite_where=Complaint.status.in_(_LIVE))
Index("ix_events_agency_changes", Event.complaint_id,
      postgresql_where=Event.kind.in_(_CHANGES), sqlite_where=Event.kind.in_(_CHANGES))
Index("ix_breaches_complaint_facts", Breach.complaint_id,
      postgresql_include=["kind", "agency_id", "official_id", "notify_failed"])

from . import performance_rollup  # noqa: E402,F401  (its tables join the metadata)
