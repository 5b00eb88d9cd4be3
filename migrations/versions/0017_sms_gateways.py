"""sms gateways: each SMS number says which gateway carries it (twilio, or kannel for a regency's own
SMPP short code); every number mapped before this release stays on Twilio.

Revision ID: 0017
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sms_numbers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gateway", sa.String(length=10), nullable=False, server_default="twilio"))


def downgrade() -> None:
    # Kannel numbers lose their gateway and would be answered as Twilio's: remove them first, then downgrade.
    with op.batch_alter_table("sms_numbers", schema=None) as batch_op:
        batch_op.drop_column("gateway")
