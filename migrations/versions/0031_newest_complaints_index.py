"""every complaint newest first, whatever its regency: an index on (received_at, id)

Revision ID: 0031
Revises: 0030

Search reads the newest complaints in the reader's scope first (app/services/reporting/search.py,
`_windowed`): a regency's or an agency's through (jurisdiction_id | agency_id, received_at). A
province-wide reader has neither, so at 10M complaints a common word went back to counting every
match through the text index (seconds). This index lets the same window walk all complaints
newest first.

On PostgreSQL with more than INLINE_ROWS complaints it is built with CREATE INDEX CONCURRENTLY
outside the migration's transaction (Alembic's autocommit block: what ran before it in the same
upgrade is committed first), so Sigap keeps taking complaints while it builds (about a minute at
10M complaints, docs/scaling.md); a build that was interrupted leaves an invalid index, which the
next upgrade drops and builds again. Smaller tables and SQLite: a plain index, in the transaction.
"""
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

NAME = "ix_complaints_received_newest"
INLINE_ROWS = 200_000  # as 0029: a smaller table is indexed inside the migration's transaction


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql" or _rows() <= INLINE_ROWS:
        op.create_index(NAME, "complaints", ["received_at", "id"])  # seconds at most: within the migration
        return
    with op.get_context().autocommit_block():
        invalid = op.get_bind().exec_driver_sql(
            "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass(%s) AND NOT indisvalid", (NAME,)).scalar()
        if invalid:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
        op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON complaints (received_at, id)")


def _rows() -> int:
    return op.get_bind().exec_driver_sql(
        f"SELECT count(*) FROM (SELECT 1 FROM complaints LIMIT {INLINE_ROWS + 1}) AS t").scalar()


def downgrade() -> None:
    op.drop_index(NAME, table_name="complaints")  # dropping is quick: no concurrent form needed
