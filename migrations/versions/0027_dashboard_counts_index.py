"""dashboard counts: a covering partial index of open complaints (PostgreSQL), so the dashboard's counts per
SLA state are read from the index alone instead of one heap page per open complaint

Revision ID: 0027
Revises: 0024

At 1M complaints with 10,000 open the counts query read 9,487 heap pages (one per open complaint, wherever it
was stored) and was most of the dashboard data call; from this index it reads about 120 (docs/benchmarks.md).
SQLite has no INCLUDE; its open_by_due partial index keeps serving there. Building it reads the open
complaints only.
"""
from alembic import op
import sqlalchemy as sa

revision = "0027"
down_revision = "0024"
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('received', 'triage', 'assigned', 'acknowledged')")
INCLUDED = ["status", "received_at", "ack_due_at", "acknowledged_at", "agency_id", "category_id", "district_id",
            "sla_fired"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_complaints_open_counts", "complaints", ["jurisdiction_id", "handle_due_at"],
                        postgresql_include=INCLUDED, postgresql_where=OPEN)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_complaints_open_counts", table_name="complaints")
