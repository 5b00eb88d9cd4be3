"""camats and explicit scope: a user or token may be bound to a kecamatan (district_id, for the
camat role), and a province-wide supervisor or official says so (all_jurisdictions)

Revision ID: 0015
Revises: 0013

Before this release a supervisor or official with no jurisdiction saw every regency; from now on
such an account sees nothing unless all_jurisdictions is set. The accounts and tokens that exist
unbound are marked all_jurisdictions here, so none of them silently changes what it sees
(`flask --app wsgi users list` shows them; unmark by giving them a jurisdiction).
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("users", "api_tokens")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("all_jurisdictions", sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
            batch_op.create_foreign_key(f"fk_{table}_district_id_districts", "districts", ["district_id"], ["id"])
        op.execute(sa.text(f"UPDATE {table} SET all_jurisdictions = :yes WHERE jurisdiction_id IS NULL "
                           "AND agency_id IS NULL AND role IN ('supervisor', 'official')")
                   .bindparams(yes=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_district_id_districts", type_="foreignkey")
            batch_op.drop_column("all_jurisdictions")
            batch_op.drop_column("district_id")
