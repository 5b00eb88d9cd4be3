"""whatsapp as it really works: each WhatsApp address's last inbound time (the 24-hour window), the
registry of approved template content SIDs, opt-in/opt-out records, and honest delivery on the
outbox (delivered_at, report_due_at, fallback_id)

Revision ID: 0018
Revises: 0013

Messages sent before this release counted as delivered when Twilio accepted them: they keep that
(delivered_at = sent_at, unless a callback said undelivered/failed), so no breach changes its
"notified". Citizens who said STOP before get an opt-out record at the time it was noted.
Columns are added in place (no SQLite table rebuild, which would drop 0008's triggers).
"""
from alembic import op
import sqlalchemy as sa
import app.models.base

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_windows",
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("last_inbound_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_whatsapp_windows")),
    )
    op.create_table(
        "whatsapp_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("content_sid", sa.String(length=34), nullable=False),
        sa.Column("updated_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_templates")),
        sa.UniqueConstraint("name", "language", name=op.f("uq_whatsapp_templates_name_language")),
    )
    op.create_table(
        "opt_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["reporter_id"], ["reporters.id"], name=op.f("fk_opt_records_reporter_id_reporters"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_opt_records_user_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaints.id"],
                                name=op.f("fk_opt_records_complaint_id_complaints"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opt_records")),
    )
    op.create_index("ix_opt_records_address", "opt_records", ["channel", "address", "at"], unique=False)
    op.add_column("outbox_messages", sa.Column("delivered_at", app.models.base.UtcDateTime(timezone=True), nullable=True))
    op.add_column("outbox_messages", sa.Column("report_due_at", app.models.base.UtcDateTime(timezone=True), nullable=True))
    op.add_column("outbox_messages", sa.Column("fallback_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_outbox_messages_report_due_at"), "outbox_messages", ["report_due_at"], unique=False)
    op.execute("UPDATE outbox_messages SET delivered_at = sent_at WHERE status = 'sent' "
               "AND (delivery_status IS NULL OR delivery_status NOT IN ('undelivered', 'failed'))")
    op.execute("INSERT INTO opt_records (channel, address, kind, reason, at, reporter_id) "
               "SELECT CASE WHEN phone IS NOT NULL THEN 'sms' ELSE 'telegram' END, "
               "COALESCE(phone, CAST(telegram_chat_id AS VARCHAR(64)), ''), 'opt_out', 'stop', opted_out_at, id "
               "FROM reporters WHERE opted_out AND opted_out_at IS NOT NULL")


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_messages_report_due_at"), table_name="outbox_messages")
    op.drop_column("outbox_messages", "fallback_id")
    op.drop_column("outbox_messages", "report_due_at")
    op.drop_column("outbox_messages", "delivered_at")
    op.drop_index("ix_opt_records_address", table_name="opt_records")
    op.drop_table("opt_records")
    op.drop_table("whatsapp_templates")
    op.drop_table("whatsapp_windows")
