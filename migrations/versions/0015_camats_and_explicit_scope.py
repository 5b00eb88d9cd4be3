"""camats and explicit scope: a user or token may be bound to a kecamatan (district_id, for the
camat role), and a province-wide supervisor or official says so (all_jurisdictions)

Revision ID: 0015
Revises: 0013

Before this release a supervisor or official with no jurisdiction saw every regency; from now on
such an account sees nothing unless all_jurisdictions is set. The accounts and tokens that exist
unbound are marked all_jurisdictions here, so none of them silently changes what it sees
(`flask --app wsgi users list` shows them; `users set-role --jurisdiction` binds one).

Plain ADD/DROP COLUMN on both databases: on SQLite a table copy of `users` would be refused once
complaints point at it (foreign keys on) and would lose 0012's triggers; hence also no foreign key
on district_id (a kecamatan is reference data, never deleted while staff are bound to it).
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLES = ("users", "api_tokens")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("district_id", sa.Integer(), nullable=True))
        # A plain '0' (false on both databases): SQLite adds the column in place for it.
        op.add_column(table, sa.Column("all_jurisdictions", sa.Boolean(), server_default="0", nullable=False))
        op.execute(sa.text(f"UPDATE {table} SET all_jurisdictions = :yes WHERE jurisdiction_id IS NULL "
                           "AND agency_id IS NULL AND role IN ('supervisor', 'official')")
                   .bindparams(yes=True))


def downgrade() -> None:
    for table in TABLES:
        for column in ("all_jurisdictions", "district_id"):
            if op.get_bind().dialect.name == "sqlite":  # native since SQLite 3.35: no table copy
                op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
            else:
                op.drop_column(table, column)
