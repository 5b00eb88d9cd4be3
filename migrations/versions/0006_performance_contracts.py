"""performance contracts

Performance contracts per official and period, and the indexes the reports read.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa
import app.models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "performance_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("official_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("on_time_rate", sa.Float(), nullable=True),
        sa.Column("median_handle_minutes", sa.Integer(), nullable=True),
        sa.Column("p90_handle_minutes", sa.Integer(), nullable=True),
        sa.Column("max_breaches", sa.Integer(), nullable=True),
        sa.Column("max_reopened_share", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_performance_contracts_agency_id_agencies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["official_id"], ["users.id"], name=op.f("fk_performance_contracts_official_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_contracts")),
        sa.UniqueConstraint("official_id", "agency_id", "period",
                            name=op.f("uq_performance_contracts_official_id_agency_id_period")),
    )
    with op.batch_alter_table("performance_contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_performance_contracts_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_performance_contracts_official_id"), ["official_id"], unique=False)
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_handle_due_at", ["handle_due_at"], unique=False)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_kind_complaint", ["kind", "complaint_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_kind_complaint")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_handle_due_at")
    with op.batch_alter_table("performance_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_contracts_official_id"))
        batch_op.drop_index(batch_op.f("ix_performance_contracts_agency_id"))
    op.drop_table("performance_contracts")
