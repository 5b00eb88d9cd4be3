"""events and outbox_messages partitioned by month (PostgreSQL's native range partitioning)

Revision ID: 0029
Revises: 0028

The existing table becomes the first partition (everything before the start of next month) without
copying a row: its rows are proven in range by a CHECK constraint and the parent's keys by unique
indexes built beforehand, so ATTACH reads nothing and the swap holds its locks for milliseconds.
On a table of more than PREPARE_INLINE_ROWS rows those builds would hold writes for minutes, so the
migration asks for `flask --app wsgi db prepare-partitions` first (CREATE INDEX CONCURRENTLY and a
CHECK validated while Sigap runs) and uses what it built. Then: a partition per month up to three
months ahead and a DEFAULT partition as a safety net; the `partitions` job keeps months ahead and
drops the outbox's expired months (app/services/storage/partitions.py).

The parent's primary key is (id, month column) and events' unique key (complaint_id, seq, at):
PostgreSQL requires the partition key in every unique key. A complaint's events are still
appended one at a time under the complaint's row lock (app/services/audit/trail.py), so seq stays
unique per complaint. SQLite: nothing changes.
"""
import re
from datetime import datetime, timezone

from alembic import op
from sqlalchemy import text

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

TABLES = {"events": "at", "outbox_messages": "created_at"}
EXTRA_UNIQUE = {"events": ("uq_events_complaint_id_seq", "complaint_id, seq")}
PREPARE_INLINE_ROWS = 200_000
MONTHS_AHEAD = 3
_BOUND = re.compile(r"<\s*'([^']+)'")
_ON = re.compile(r" ON (\S+\.)?\S+ ")  # the table in a trigger's definition


def _month(year: int, month: int) -> datetime:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=timezone.utc)


def _scalar(sql: str, **params):
    return op.get_bind().execute(text(sql), params).scalar()


def _rows(sql: str, **params):
    return op.get_bind().execute(text(sql), params).all()


def prepared_bound(table: str) -> datetime | None:
    """The bound of a validated `<table>_part_bound` CHECK (from prepare-partitions), if any."""
    definition = _scalar(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(:t) "
        "AND conname = :c AND convalidated", t=table, c=f"{table}_part_bound")
    if not definition:
        return None
    return datetime.fromisoformat(_BOUND.search(definition).group(1).replace(" ", "T")).astimezone(timezone.utc)


def _prepare_inline(table: str, key: str) -> datetime:
    rows = _scalar(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT {PREPARE_INLINE_ROWS + 1}) AS t")
    if rows > PREPARE_INLINE_ROWS:
        raise RuntimeError(
            f"{table} holds more than {PREPARE_INLINE_ROWS:,} rows: run `flask --app wsgi db prepare-partitions` "
            "first (it builds the indexes concurrently while Sigap keeps running), then `db upgrade` again")
    latest = _scalar(f"SELECT max({key}) FROM {table}")
    now = datetime.now(timezone.utc)  # a migration runs outside the app: the wall clock is the only one
    top = max(now, latest) if latest else now
    bound = _month(top.year, top.month + 1)
    op.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_part_id ON {table} (id, {key})")
    if table in EXTRA_UNIQUE:
        op.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_part_unique ON {table} "
                   f"({EXTRA_UNIQUE[table][1]}, {key})")
    op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_part_bound")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_part_bound "
               f"CHECK ({key} IS NOT NULL AND {key} < '{bound.isoformat()}')")
    return bound


def _partition(table: str, key: str, bound: datetime) -> None:
    legacy = f"{table}_legacy"
    indexes = _rows(
        "SELECT i.relname, pg_get_indexdef(i.oid), x.indisunique, c.conname, c.contype "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
        "WHERE x.indrelid = to_regclass(:t)", t=table)
    foreign = _rows("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = to_regclass(:t) AND contype = 'f'", t=table)
    sequence = _scalar("SELECT pg_get_serial_sequence(:t, 'id')", t=table)
    # Row triggers (the performance queue's on events) belong on the parent, which clones them onto
    # every partition, the legacy one at ATTACH.
    triggers = _rows("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                     "WHERE tgrelid = to_regclass(:t) AND NOT tgisinternal", t=table)
    op.execute("SET LOCAL lock_timeout = '10s'")  # queue behind a long transaction no longer than this
    op.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    # Index names are the schema's: the legacy partition's step aside for the parent's.
    for name, _definition, _unique, conname, contype in indexes:
        if name.startswith(f"{table}_part_"):
            continue
        if contype == "p":  # the parent's key (id, month column) takes its place
            continue
        if conname:
            op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT "{conname}" TO "{conname}_legacy"')
        else:
            op.execute(f'ALTER INDEX "{name}" RENAME TO "{name}_legacy"')
    # ATTACH adopts an index for the parent's key only if it already backs a constraint: made
    # from the prepared unique indexes, instantly (no build, no scan).
    pkey = next(conname for _n, _d, _u, conname, contype in indexes if contype == "p")
    op.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{pkey}", '
               f"ADD CONSTRAINT {table}_part_id PRIMARY KEY USING INDEX {table}_part_id")
    if table in EXTRA_UNIQUE:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_part_unique UNIQUE USING INDEX {table}_part_unique")
    for name, _definition in triggers:
        op.execute(f'DROP TRIGGER "{name}" ON {table}')
    op.execute(f"ALTER TABLE {table} RENAME TO {legacy}")
    op.execute(f"CREATE TABLE {table} (LIKE {legacy} INCLUDING DEFAULTS INCLUDING STORAGE) PARTITION BY RANGE ({key})")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id, {key})")
    if table in EXTRA_UNIQUE:
        name, columns = EXTRA_UNIQUE[table]
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({columns}, {key})")
    for name, definition, unique, conname, _contype in indexes:
        if unique or conname or name.startswith(f"{table}_part_"):
            continue
        columns = definition[definition.index(" USING "):]
        op.execute(f'CREATE INDEX "{name}" ON {table}{columns}')
    for conname, definition in foreign:
        op.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{conname}" {definition}')
    if sequence:
        op.execute(f"ALTER SEQUENCE {sequence} OWNED BY {table}.id")
    for _name, definition in triggers:
        op.execute(_ON.sub(f" ON {table} ", definition, count=1))
    op.execute(f"ALTER TABLE {table} ATTACH PARTITION {legacy} FOR VALUES FROM (MINVALUE) TO ('{bound.isoformat()}')")
    op.execute(f"ALTER TABLE {legacy} DROP CONSTRAINT {table}_part_bound")
    month = bound
    now = datetime.now(timezone.utc)
    last = _month(now.year, now.month + MONTHS_AHEAD)
    while month <= last:
        upper = _month(month.year, month.month + 1)
        op.execute(f"CREATE TABLE {table}_y{month.year:04d}m{month.month:02d} PARTITION OF {table} "
                   f"FOR VALUES FROM ('{month.isoformat()}') TO ('{upper.isoformat()}')")
        month = upper
    op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, key in TABLES.items():
        if _scalar("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)", t=table) == "p":
            continue
        bound = prepared_bound(table) or _prepare_inline(table, key)
        _partition(table, key, bound)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        legacy = f"{table}_legacy"
        sequence = _scalar("SELECT pg_get_serial_sequence(:t, 'id')", t=table)
        triggers = _rows("SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                         "WHERE tgrelid = to_regclass(:t) AND NOT tgisinternal", t=table)
        op.execute(f"ALTER TABLE {table} DETACH PARTITION {legacy}")
        for name, _definition in triggers:  # detached, the clone is the legacy table's own
            op.execute(f'DROP TRIGGER IF EXISTS "{name}" ON {legacy}')
        op.execute(f"INSERT INTO {legacy} SELECT * FROM {table}")
        if sequence:
            op.execute(f"ALTER SEQUENCE {sequence} OWNED BY {legacy}.id")
        op.execute(f"DROP TABLE {table} CASCADE")
        op.execute(f"ALTER TABLE {legacy} RENAME TO {table}")
        indexes = _rows("SELECT i.relname, c.conname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                        "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
                        "WHERE x.indrelid = to_regclass(:t)", t=table)
        for name, conname in indexes:
            if name.startswith(f"{table}_part_"):
                op.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{conname}"' if conname else f'DROP INDEX "{name}"')
            elif conname and conname.endswith("_legacy"):
                op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT "{conname}" TO "{conname[:-7]}"')
            elif name.endswith("_legacy"):
                op.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:-7]}"')
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id)")
        for _name, definition in triggers:
            op.execute(_ON.sub(f" ON {table} ", definition, count=1))
