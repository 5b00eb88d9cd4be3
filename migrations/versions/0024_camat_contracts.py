"""camats hold contracts too: a performance contract names either an agency (its head's post) or a
kecamatan (its camat's post)

Revision ID: 0024
Revises: 0018

Existing contracts all name an agency and keep it. A camat's contract has no agency: its actuals
are the per-kecamatan figures (complaints located in the kecamatan, whichever agency held them)
whose handle deadline fell within the camat's tenure.
"""
from alembic import op
import sqlalchemy as sa

revision = "0024"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("performance_contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch_op.alter_column("agency_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f("fk_performance_contracts_district_id_districts"), "districts",
                                    ["district_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(batch_op.f("ix_performance_contracts_district_id"), ["district_id"], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM performance_contracts WHERE agency_id IS NULL")
    with op.batch_alter_table("performance_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_contracts_district_id"))
        batch_op.drop_constraint(batch_op.f("fk_performance_contracts_district_id_districts"), type_="foreignkey")
        batch_op.drop_column("district_id")
        batch_op.alter_column("agency_id", existing_type=sa.Integer(), nullable=False)
