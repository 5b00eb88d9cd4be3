"""every complaint newest first, whatever its regency: an index on (received_at, id)

Revision ID: 0031
Revises: 0030

Search reads the newest complaints in the reader's scope first (app/services/reporting/search.py,
`_windowed`): a regency's or an agency's through (jurisdiction_id | agency_id, received_at). A
province-wide reader has neither, so at 10M complaints a common word went back to counting every
match through the text index (seconds). This index lets the same window walk all complaints
newest first.

On PostgreSQL with more than INLINE_ROWS complaints it is built with CREATE INDEX CONCURRENTLY on
a connection of its own, outside the migration's transaction, so Sigap keeps taking complaints
while it builds (15 s at 10M complaints on the 2-core bench machine); a build that was interrupted
leaves an invalid index, which the next upgrade drops and builds again. Smaller tables and SQLite: a plain index, in the transaction.
"""
from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

NAME = "ix_complaints_received_newest"
LOCK_TIMEOUT = "5min"
INLINE_ROWS = 200_000  # as 0029: a smaller table is indexed inside the migration's transaction


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql" or _rows() <= INLINE_ROWS:
        op.create_index(NAME, "complaints", ["received_at", "id"])  # seconds at most: within the migration
        return
    # `db upgrade` runs every migration in one transaction, and CREATE INDEX CONCURRENTLY cannot run
    # inside one: it runs on a connection of its own. It waits for transactions writing complaints to
    # end; if one of them is this upgrade's own (an earlier migration in the same run altered
    # complaints), it would wait for ever: lock_timeout turns that into an error saying what to do.
    with op.get_bind().engine.connect().execution_options(isolation_level="AUTOCOMMIT") as side:
        side.exec_driver_sql(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        invalid = side.exec_driver_sql(
            "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass(%s) AND NOT indisvalid", (NAME,)).scalar()
        if invalid:  # an interrupted build
            side.exec_driver_sql(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
        try:
            side.exec_driver_sql(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {NAME} ON complaints (received_at, id)")
        except DBAPIError as exc:
            raise RuntimeError(
                f"building {NAME} concurrently waited more than {LOCK_TIMEOUT} for a transaction writing complaints "
                "(this upgrade's own, if an earlier migration in it changed complaints): run "
                "`flask --app wsgi db upgrade 0030` first, then `flask --app wsgi db upgrade` again") from exc


def _rows() -> int:
    return op.get_bind().exec_driver_sql(
        f"SELECT count(*) FROM (SELECT 1 FROM complaints LIMIT {INLINE_ROWS + 1}) AS t").scalar()


def downgrade() -> None:
    op.drop_index(NAME, table_name="complaints")  # dropping is quick: no concurrent form needed
