"""What the performance report reads instead of scanning every complaint: one frozen row of facts
per closed complaint (closed is terminal), per-month rollups of those facts, and the queue of
complaints whose facts must be (re)computed. Database triggers (migration 0008) queue a complaint
whenever anything a closed complaint's figures depend on changes; docs/performance.md explains."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class PerformancePending(Base):
    """A closed complaint whose facts are missing or stale: the report computes it live."""

    __tablename__ = "performance_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a deleted complaint is queued too, so its old facts leave the rollup.
    complaint_id: Mapped[int] = mapped_column(Integer, index=True)


class PerformanceFact(Base):
    """A closed, counted complaint as the report sees it, attributed at its handle deadline."""

    __tablename__ = "performance_facts"
    __table_args__ = (
        Index("ix_performance_facts_due", "jurisdiction_id", "handle_due_at"),
        Index("ix_performance_facts_ack_bucket", "ack_bucket"),
        Index("ix_performance_facts_handle_bucket", "handle_bucket"),
    )

    complaint_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    jurisdiction_id: Mapped[int] = mapped_column(Integer)
    handle_due_at: Mapped[datetime]
    agency_id: Mapped[int | None] = mapped_column(Integer)  # accountable when the deadline fell
    official_id: Mapped[int | None] = mapped_column(Integer)  # the post holder charged at the deadline
    official_from_head: Mapped[bool] = mapped_column(Boolean)  # always false since 0014 (tenures)
    category_id: Mapped[int] = mapped_column(Integer)
    district_id: Mapped[int | None] = mapped_column(Integer)
    ack_s: Mapped[int | None] = mapped_column(Integer)  # whole seconds from receipt
    handle_s: Mapped[int | None] = mapped_column(Integer)
    ack_bucket: Mapped[int | None] = mapped_column(Integer)  # performance_rollup.bucket_of(ack_s, "ack")
    handle_bucket: Mapped[int | None] = mapped_column(Integer)
    handled: Mapped[bool] = mapped_column(Boolean)
    handled_on_time: Mapped[bool] = mapped_column(Boolean)
    handled_late: Mapped[bool] = mapped_column(Boolean)
    ack_on_time: Mapped[bool] = mapped_column(Boolean)
    ack_late: Mapped[bool] = mapped_column(Boolean)
    reopened: Mapped[bool] = mapped_column(Boolean)


class PerformanceBreachFact(Base):
    """A breach of a closed, counted complaint, with the keys the report groups it by."""

    __tablename__ = "performance_breach_facts"
    __table_args__ = (Index("ix_performance_breach_facts_due", "jurisdiction_id", "handle_due_at"),)

    breach_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    complaint_id: Mapped[int] = mapped_column(Integer, index=True)
    jurisdiction_id: Mapped[int] = mapped_column(Integer)
    handle_due_at: Mapped[datetime]  # the complaint's: it decides the period
    kind: Mapped[str] = mapped_column(String(20))  # acknowledge | handle
    notify_failed: Mapped[bool] = mapped_column(Boolean)
    agency_id: Mapped[int | None] = mapped_column(Integer)  # the breach's own
    official_id: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(Integer)  # the complaint's
    district_id: Mapped[int | None] = mapped_column(Integer)


class PerformanceRollup(Base):
    """Sums of the facts of one local month per report grouping (`dim`): `kind` count rows hold
    the counts, ack/handle rows a histogram (`bucket`: performance_rollup.bucket_of), breach_* rows the breaches
    (`bucket` 1: the alert failed). Keys: agency, category, district, jurisdiction in key_a;
    official as (agency key_a, the holder charged key_b; key_c false since migration 0014)."""

    __tablename__ = "performance_rollups"
    __table_args__ = (Index("ix_performance_rollups_month", "jurisdiction_id", "month", "dim", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(Integer)
    month: Mapped[date] = mapped_column(Date)  # first local day
    dim: Mapped[str] = mapped_column(String(12))
    key_a: Mapped[int | None] = mapped_column(Integer)
    key_b: Mapped[int | None] = mapped_column(Integer)
    key_c: Mapped[bool | None] = mapped_column(Boolean)
    kind: Mapped[str] = mapped_column(String(20))
    bucket: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)
    handled: Mapped[int] = mapped_column(Integer, default=0)
    handled_on_time: Mapped[int] = mapped_column(Integer, default=0)
    handled_late: Mapped[int] = mapped_column(Integer, default=0)
    ack_on_time: Mapped[int] = mapped_column(Integer, default=0)
    ack_late: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
