"""Models of the staff web: an index for the dashboard's "open complaints by time left" reads."""
from __future__ import annotations

from sqlalchemy import Index

from .base import Base  # noqa: F401
from .complaint import OPEN_STATUSES, Complaint

# Only open complaints (a small share of all stored ones), in deadline order per jurisdiction: the
# dashboard's first page is read straight from this index, and its counts never touch closed rows.
OPEN_BY_DUE = Index(
    "ix_complaints_open_by_due", Complaint.jurisdiction_id, Complaint.handle_due_at,
    postgresql_where=Complaint.status.in_(OPEN_STATUSES), sqlite_where=Complaint.status.in_(OPEN_STATUSES),
)
