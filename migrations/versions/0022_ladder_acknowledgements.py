"""the ladder run by real people: acknowledging an alert by reply stops the repeats at the top
(complaints.alert_acknowledged_at), the policy's cap on repeat alerts per day
(sla_policies.repeat_daily_cap), and the regent's office's daily summary sent once a day per
jurisdiction (ladder_summaries, whose unique key is the claim)

Revision ID: 0022
Revises: 0021

Columns are added in place (no SQLite table rebuild, which would drop 0008's triggers); existing
policies get the default cap of 6 repeat alerts a day.
"""
from alembic import op
import sqlalchemy as sa
import app.models.base

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sla_policies", sa.Column("repeat_daily_cap", sa.Integer(), nullable=False, server_default="6"))
    op.add_column("complaints", sa.Column("alert_acknowledged_at", app.models.base.UtcDateTime(timezone=True),
                                          nullable=True))
    op.create_table(
        "ladder_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("sent_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("open_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"],
                                name=op.f("fk_ladder_summaries_jurisdiction_id_jurisdictions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ladder_summaries")),
        sa.UniqueConstraint("jurisdiction_id", "day", name=op.f("uq_ladder_summaries_jurisdiction_id_day")),
    )


def downgrade() -> None:
    op.drop_table("ladder_summaries")
    op.drop_column("complaints", "alert_acknowledged_at")
    op.drop_column("sla_policies", "repeat_daily_cap")
