"""confidential and anonymous reports: each complaint's confidentiality (normal, rahasia, anonim)

Revision ID: 0023
Revises: 0022

Complaints already stored are normal reports: the column's server default fills them.
"""
from alembic import op
import sqlalchemy as sa

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default (no batch copy of complaints on SQLite, no table
    # rewrite on PostgreSQL >= 11).
    op.add_column("complaints", sa.Column("confidentiality", sa.String(10), nullable=False, server_default="normal"))
    # The nightly erasure finds anonymous complaints still linked to a reporter without a scan.
    op.create_index("ix_complaints_confidentiality", "complaints", ["confidentiality", "reporter_id"])


def downgrade() -> None:
    op.drop_index("ix_complaints_confidentiality", table_name="complaints")
    op.execute("ALTER TABLE complaints DROP COLUMN confidentiality")
