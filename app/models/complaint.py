"""A citizen's report (named complaint), its reporter and the per-year ticket counter."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .agency import Agency, Category
from .base import Base, JsonType
from .place import District, Jurisdiction, Village
from .sla import SlaPolicy


class Reporter(Base):
    """A citizen known by channel address; never a login account."""

    __tablename__ = "reporters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)  # E.164
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)  # ids exceed 2^31
    language: Mapped[str] = mapped_column(String(5), default="id")
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None]
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class TicketCounter(Base):
    __tablename__ = "ticket_counters"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


OPEN_STATUSES = ("received", "triage", "assigned", "acknowledged")


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "year", "seq"),
        Index("ix_complaints_next_step_at", "next_step_at"),
        Index("ix_complaints_agency_status", "agency_id", "status"),
        Index("ix_complaints_status_handle_due", "status", "handle_due_at"),
        Index("ix_complaints_received_at", "jurisdiction_id", "received_at"),
        Index("ix_complaints_confidentiality", "confidentiality", "reporter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str] = mapped_column(String(32), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    description: Mapped[str] = mapped_column(Text)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    address: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(String(20))
    external_ref: Mapped[str | None] = mapped_column(String(100))
    submitted_by: Mapped[str | None] = mapped_column(String(60), index=True)  # actor label, e.g. "token:7"
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporters.id"), index=True)
    # normal | rahasia (reporter hidden from the agency) | anonim (hidden from all staff, link erased
    # after closing): app.domain.privacy says who sees what.
    confidentiality: Mapped[str] = mapped_column(String(10), default="normal", server_default="normal")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), index=True)
    sla_policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id"))
    received_at: Mapped[datetime]
    triage_due_at: Mapped[datetime | None]
    ack_due_at: Mapped[datetime]
    handle_due_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    handled_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(String(20))  # spam | duplicate | out_of_scope
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    ack_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    handle_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    # The public status page's code, as app.domain.status_code stores it (the code itself is on the receipt only).
    status_code_hash: Mapped[str | None] = mapped_column(String(64))
    status_code = None  # not stored: the code itself, set by intake for the receipt it writes
    # Not stored as such (the received event's data keeps it): set by intake when it makes the complaint,
    # (the time of receipt its submitter claimed and intake did not use, or None), for the answer it gives.
    claimed_at_intake = None
    # The SLA engine's cursor: what it does next and when (claimed by conditional update).
    next_step: Mapped[str | None] = mapped_column(String(40))
    next_step_at: Mapped[datetime | None]
    handle_evidence: Mapped[dict | None] = mapped_column(JsonType)
    # SLA engine
    sla_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # ladder levels climbed
    sla_fired: Mapped[list | None] = mapped_column(JsonType)  # keys of the steps already fired
    sla_last_step: Mapped[str | None] = mapped_column(String(40))
    sla_last_step_at: Mapped[datetime | None]  # when the last step fired
    # A staff member or contact answered an alert (reply OK/1, Telegram button): repeats at the top stop.
    alert_acknowledged_at: Mapped[datetime | None]
    sla_reopened_seen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The audit chain's head, written with each event: how many events, and the keyed seal of the
    # last one (NULL: a chain written before keys, until `audit rekey`). A deleted tail shows.
    audit_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    audit_seal: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    jurisdiction: Mapped[Jurisdiction] = relationship()
    category: Mapped[Category] = relationship()
    district: Mapped[District | None] = relationship()
    village: Mapped[Village | None] = relationship()
    reporter: Mapped[Reporter | None] = relationship()
    agency: Mapped[Agency | None] = relationship()
    assignee: Mapped["User | None"] = relationship(foreign_keys=[assignee_id])  # noqa: F821
    sla_policy: Mapped[SlaPolicy] = relationship()
    repeat_of: Mapped["Complaint | None"] = relationship(remote_side=[id], foreign_keys=[repeat_of_id])
    duplicate_of: Mapped["Complaint | None"] = relationship(remote_side=[id], foreign_keys=[duplicate_of_id])
    breaches: Mapped[list["Breach"]] = relationship(back_populates="complaint", order_by="Breach.id")  # noqa: F821

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
