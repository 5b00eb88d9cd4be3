"""staff opt-in by verification: the codes sent to an escalation contact's WhatsApp or SMS number, and
when each was confirmed (the opt-in itself is an opt_records row, reason "verified")

Revision ID: 0028
Revises: 0027

A new table only: contacts already stored stay as they are, and a WhatsApp contact not yet verified
is alerted by SMS (then Telegram) until their number is verified.
"""
from alembic import op
import sqlalchemy as sa
import app.models.base

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("verified_at", app.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["escalation_contacts.id"],
                                name=op.f("fk_contact_verifications_contact_id_escalation_contacts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_verifications")),
    )
    op.create_index("ix_contact_verifications_address", "contact_verifications", ["channel", "address", "sent_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_contact_verifications_address", table_name="contact_verifications")
    op.drop_table("contact_verifications")
