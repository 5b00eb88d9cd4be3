"""citizen trust: the public status page's code on each complaint (stored hashed) and the
satisfaction survey (one row per complaint asked), and the public figures' snapshots

Revision ID: 0020
Revises: 0013

Complaints received before this revision have no code: their public status page does not open
(there is no receipt to print it on); they are followed as before by STATUS/`/status`.
"""
from alembic import op
import sqlalchemy as sa

from app.models.base import UtcDateTime

revision = "0020"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("complaints", sa.Column("status_code_hash", sa.String(64), nullable=True))
    op.create_table(
        "satisfaction_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), sa.ForeignKey("complaints.id", ondelete="CASCADE",
                                                              name="fk_satisfaction_surveys_complaint_id_complaints"),
                  nullable=False),
        sa.Column("reporter_id", sa.Integer(), sa.ForeignKey("reporters.id", ondelete="SET NULL",
                                                             name="fk_satisfaction_surveys_reporter_id_reporters"),
                  nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("asked_because", sa.String(20), nullable=False),
        sa.Column("asked_at", UtcDateTime(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.CheckConstraint("score IS NULL OR (score >= 1 AND score <= 4)", name="ck_satisfaction_surveys_score_range"),
        sa.PrimaryKeyConstraint("id", name="pk_satisfaction_surveys"),
        sa.UniqueConstraint("complaint_id", name="uq_satisfaction_surveys_complaint_id"),
    )
    op.create_index("ix_satisfaction_surveys_reporter_id", "satisfaction_surveys", ["reporter_id"])
    op.create_table(
        "public_figures_snapshots",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("computed_at", UtcDateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"], ondelete="CASCADE",
                                name="fk_public_figures_snapshots_jurisdiction_id_jurisdictions"),
        sa.PrimaryKeyConstraint("jurisdiction_id", "year", name="pk_public_figures_snapshots"),
    )


def downgrade() -> None:
    op.drop_table("public_figures_snapshots")
    op.drop_index("ix_satisfaction_surveys_reporter_id", table_name="satisfaction_surveys")
    op.drop_table("satisfaction_surveys")
    # A plain ALTER TABLE DROP COLUMN (SQLite >= 3.35): a batch copy of complaints would rebuild
    # its partial indexes from reflection.
    op.execute("ALTER TABLE complaints DROP COLUMN status_code_hash")
