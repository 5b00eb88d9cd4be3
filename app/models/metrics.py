"""What /metrics reads instead of counting history at every scrape (app/metrics.py says why):
running totals of the schedulers' work, one row per series, and partial indexes over the rows
that are still open (complaints, undelivered messages, unmet breaches), so the gauges never touch
the rest."""
from __future__ import annotations

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .breach import Breach
from .complaint import OPEN_STATUSES, Complaint
from .outbox import WAITING_STATUSES, OutboxMessage


class MetricTotal(Base):
    """A counter's value for one label set, added to in the transaction that does the counted work."""

    __tablename__ = "metric_totals"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)  # a sample name: sigap_..._total
    labels: Mapped[str] = mapped_column(String(200), primary_key=True)  # "channel=sms", "kind=breached,le=60"
    value: Mapped[int] = mapped_column(BigInteger)


# Open complaints with what their SLA state on the staff board is computed from, so that counting
# them by status and state is read from this index alone (PostgreSQL; SQLite keeps the key only).
OPEN_SLA = Index(
    "ix_complaints_open_sla", Complaint.status,
    postgresql_include=["received_at", "triage_due_at", "ack_due_at", "handle_due_at", "acknowledged_at",
                        "ack_breached", "handle_breached", "sla_fired"],
    postgresql_where=Complaint.status.in_(OPEN_STATUSES), sqlite_where=Complaint.status.in_(OPEN_STATUSES),
)
# Messages not yet delivered, by status and channel with their age: the backlog gauges read only this.
OUTBOX_WAITING = Index(
    "ix_outbox_messages_waiting", OutboxMessage.status, OutboxMessage.channel, OutboxMessage.created_at,
    postgresql_where=OutboxMessage.status.in_(WAITING_STATUSES),
    sqlite_where=OutboxMessage.status.in_(WAITING_STATUSES),
)
# Breaches whose deadline is still not met.
BREACHES_UNMET = Index(
    "ix_breaches_unmet", Breach.kind,
    postgresql_where=Breach.met_at.is_(None), sqlite_where=Breach.met_at.is_(None),
)
