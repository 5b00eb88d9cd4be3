"""sms channel: inbound message log (unique MessageSid), per-phone dialogues, number -> jurisdiction

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import app.models.base
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "sms_inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("to_number", sa.String(length=40), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("replies", JSON, nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"],
                                name=op.f("fk_sms_inbound_messages_complaint_id_complaints"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reporter_id"], ["reporters.id"],
                                name=op.f("fk_sms_inbound_messages_reporter_id_reporters"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_inbound_messages")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_sms_inbound_messages_message_sid")),
    )
    with op.batch_alter_table("sms_inbound_messages", schema=None) as batch_op:
        batch_op.create_index("ix_sms_inbound_messages_phone_received", ["phone", "received_at"], unique=False)
    op.create_table(
        "sms_dialogues",
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("draft", JSON, nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("updated_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"],
                                name=op.f("fk_sms_dialogues_jurisdiction_id_jurisdictions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_sms_dialogues")),
    )
    op.create_table(
        "sms_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"],
                                name=op.f("fk_sms_numbers_jurisdiction_id_jurisdictions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_numbers")),
        sa.UniqueConstraint("number", name=op.f("uq_sms_numbers_number")),
    )


def downgrade() -> None:
    op.drop_table("sms_numbers")
    op.drop_table("sms_dialogues")
    with op.batch_alter_table("sms_inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_sms_inbound_messages_phone_received")
    op.drop_table("sms_inbound_messages")
