"""Models of the staff web: an index for the dashboard's "open complaints by time left" reads."""
from __future__ import annotations

from sqlalchemy import Index, func, literal_column

from .base import Base  # noqa: F401
from .complaint import OPEN_STATUSES, Complaint

# Only open complaints (a small share of all stored ones), in deadline order per jurisdiction: the
# dashboard's first page is read straight from this index, and its counts never touch closed rows.
OPEN_BY_DUE = Index(
    "ix_complaints_open_by_due", Complaint.jurisdiction_id, Complaint.handle_due_at,
    postgresql_where=Complaint.status.in_(OPEN_STATUSES), sqlite_where=Complaint.status.in_(OPEN_STATUSES),
)

# The dashboard's counts per SLA state read every open complaint of a jurisdiction: on PostgreSQL this
# index carries every column they need (INCLUDE), so they are read from the index alone (migration 0027).
OPEN_COUNTS = Index(
    "ix_complaints_open_counts", Complaint.jurisdiction_id, Complaint.handle_due_at,
    postgresql_include=["status", "received_at", "ack_due_at", "acknowledged_at", "agency_id", "category_id",
                        "district_id", "sla_fired"],
    postgresql_where=Complaint.status.in_(OPEN_STATUSES),
).ddl_if(dialect="postgresql")

# Search over all complaints (app/services/reporting/search.py). Words of the description: a GIN
# full-text index on PostgreSQL ('simple' configuration: Indonesian has no stemmer there, and
# names and village words must match as typed); SQLite scans. A village named in the search, and
# an agency's list newest first, each from an index of its own.
DESCRIPTION_WORDS = Index(
    "ix_complaints_description_words", func.to_tsvector(literal_column("'simple'"), Complaint.description),
    postgresql_using="gin",
).ddl_if(dialect="postgresql")
BY_VILLAGE = Index("ix_complaints_village_id", Complaint.village_id)
AGENCY_NEWEST = Index("ix_complaints_agency_received", Complaint.agency_id, Complaint.received_at)
# Every complaint newest first, for a province-wide reader's search window (migration 0031).
NEWEST = Index("ix_complaints_received_newest", Complaint.received_at, Complaint.id)
