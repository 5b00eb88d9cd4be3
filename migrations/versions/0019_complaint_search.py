"""complaint search: a full-text index over descriptions (PostgreSQL, GIN on to_tsvector('simple', ...)),
and indexes for a village searched by name and an agency's complaints newest first
(app/services/reporting/search.py)

Revision ID: 0019
Revises: 0013

No extension is needed (full-text search is built in). The index builds read every complaint once
and hold writes to complaints until the commit: at 1M complaints, tens of seconds on PostgreSQL
(bench/search.py prints the search's own figures).
"""
from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_complaints_description_words", "complaints",
                        [sa.text("to_tsvector('simple', description)")], postgresql_using="gin")
    op.create_index("ix_complaints_village_id", "complaints", ["village_id"])
    op.create_index("ix_complaints_agency_received", "complaints", ["agency_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_complaints_agency_received", table_name="complaints")
    op.drop_index("ix_complaints_village_id", table_name="complaints")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_complaints_description_words", table_name="complaints")
