"""sla engine: escalation contacts, scheduler heartbeats, the complaint's ladder state and
the breach an outbox alert belongs to.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import app.models.base
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "escalation_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("village_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("telegram_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_escalation_contacts_agency_id_agencies"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["district_id"], ["districts.id"], name=op.f("fk_escalation_contacts_district_id_districts"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_escalation_contacts_jurisdiction_id_jurisdictions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_escalation_contacts_user_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], name=op.f("fk_escalation_contacts_village_id_villages"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_contacts")),
    )
    with op.batch_alter_table("escalation_contacts", schema=None) as batch_op:
        batch_op.create_index("ix_escalation_contacts_level", ["jurisdiction_id", "level"], unique=False)

    op.create_table(
        "scheduler_heartbeats",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("started_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_heartbeats")),
    )
    with op.batch_alter_table("scheduler_heartbeats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduler_heartbeats_beat_at"), ["beat_at"], unique=False)

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_level", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("sla_fired", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=True))
        batch_op.add_column(sa.Column("sla_last_step", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("sla_last_step_at", app.models.base.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("sla_reopened_seen", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("breach_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_messages_breach_id"), ["breach_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_outbox_messages_breach_id_breaches"), "breaches", ["breach_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_messages_breach_id_breaches"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_messages_breach_id"))
        batch_op.drop_column("breach_id")

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("sla_reopened_seen")
        batch_op.drop_column("sla_last_step_at")
        batch_op.drop_column("sla_last_step")
        batch_op.drop_column("sla_fired")
        batch_op.drop_column("sla_level")

    with op.batch_alter_table("scheduler_heartbeats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduler_heartbeats_beat_at"))
    op.drop_table("scheduler_heartbeats")

    with op.batch_alter_table("escalation_contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_contacts_level")
    op.drop_table("escalation_contacts")
