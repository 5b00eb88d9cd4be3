"""Monthly partitions of events and outbox messages on PostgreSQL (migration 0029): months made
ahead of time, the outbox's months past retention dropped whole, and the concurrent preparation a
large live table needs before the migration. On SQLite there are no partitions: the outbox's
expired delivered rows are deleted instead."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.domain import partitions as months
from app.models.outbox import WAITING_STATUSES, OutboxMessage

log = logging.getLogger("sigap.partitions")
_FROM_TO = re.compile(r"FROM \((?P<lower>[^)]*)\) TO \((?P<upper>[^)]*)\)")


@dataclass(frozen=True)
class PartitionInfo:
    table: str
    name: str
    lower: date | None  # None: from MINVALUE (the table as it was before partitioning)
    upper: date | None  # None: the DEFAULT partition
    rows: int  # PostgreSQL's estimate (pg_class.reltuples; -1 before the first ANALYZE reads as 0)


def _bound(value: str) -> date | None:
    value = value.strip()
    if value.upper() == "MINVALUE":
        return None
    return datetime.fromisoformat(value.strip("'").replace(" ", "T")).date()


def partitioned(session: Session | Connection, table: str) -> bool:
    dialect = session.get_bind().dialect if isinstance(session, Session) else session.dialect
    if dialect.name != "postgresql":
        return False
    kind = session.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table}).scalar()
    return kind == "p"


def list_partitions(session: Session, table: str) -> list[PartitionInfo]:
    if not partitioned(session, table):
        return []
    rows = session.execute(text(
        "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), greatest(c.reltuples, 0)::bigint "
        "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass(:t) "
        "ORDER BY c.relname"), {"t": table}).all()
    out = []
    for name, bound, estimate in rows:
        match = _FROM_TO.search(bound or "")
        if match is None:  # DEFAULT
            out.append(PartitionInfo(table, name, None, None, int(estimate)))
        else:
            out.append(PartitionInfo(table, name, _bound(match["lower"]), _bound(match["upper"]), int(estimate)))
    return sorted(out, key=lambda p: (p.upper is None, p.upper or date.max))


def ensure_months(session: Session, now: datetime) -> list[str]:
    """Create each table's partitions through MONTHS_AHEAD months past now's month; rows that fell
    into the DEFAULT partition for such a month move into it. Returns the partitions created."""
    created = []
    for table, column in months.PARTITIONED.items():
        parts = list_partitions(session, table)
        uppers = [p.upper for p in parts if p.upper is not None]
        if not uppers:
            continue
        default = next((p.name for p in parts if p.upper is None), None)
        for month in months.months_to_create(max(uppers), now):
            created.append(_attach_month(session, table, column, month, default))
    session.commit()
    if created:
        log.info("partitions created: %s", ", ".join(created))
    return created


def extend_back(session: Session, since: datetime) -> list[str]:
    """Monthly partitions back to `since`'s month, for history loaded into a new database (an
    import, a benchmark): possible while the first partition (the table as it was before 0029) is
    empty, which is then dropped. Returns the partitions created."""
    created = []
    for table, column in months.PARTITIONED.items():
        parts = list_partitions(session, table)
        legacy = next((p for p in parts if p.lower is None and p.upper is not None), None)
        if legacy is not None:
            if session.execute(text(f"SELECT EXISTS (SELECT 1 FROM {legacy.name})")).scalar():
                raise ValueError(f"{legacy.name} holds rows: months before {legacy.upper} cannot be split out of it")
            session.execute(text(f"ALTER TABLE {table} DETACH PARTITION {legacy.name}"))
            session.execute(text(f"DROP TABLE {legacy.name}"))
            parts.remove(legacy)
        lowers = [p.lower for p in parts if p.lower is not None]
        if not lowers:
            continue
        default = next((p.name for p in parts if p.upper is None), None)
        month = months.month_start(since)
        while month < min(lowers):
            created.append(_attach_month(session, table, column, month, default))
            month = months.next_month(month)
    session.commit()
    return created


def _attach_month(session: Session, table: str, column: str, month: date, default: str | None) -> str:
    name = months.partition_name(table, month)
    lower, upper = months.as_utc(month).isoformat(), months.as_utc(months.next_month(month)).isoformat()
    session.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)"))
    if default:
        session.execute(text(
            f"WITH moved AS (DELETE FROM {default} WHERE {column} >= :lo AND {column} < :hi RETURNING *) "
            f"INSERT INTO {name} SELECT * FROM moved"), {"lo": lower, "hi": upper})
    session.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ('{lower}') TO ('{upper}')"))
    return name


@dataclass(frozen=True)
class Retention:
    dropped: list[str]
    kept_waiting: list[str]  # expired months still holding undelivered messages: kept
    rows_deleted: int  # SQLite: rows deleted one by one


def drop_expired_outbox(session: Session, now: datetime, retention_days: int) -> Retention:
    """Outbox messages older than the retention period go: on PostgreSQL a whole month at a time
    (DETACH + DROP, no row-by-row DELETE, no bloat), unless that month still has a message waiting
    to be delivered; on SQLite, row by row."""
    if not partitioned(session, "outbox_messages"):
        cutoff = now - timedelta(days=retention_days)
        result = session.execute(delete(OutboxMessage).where(
            OutboxMessage.created_at < cutoff, OutboxMessage.status.not_in(WAITING_STATUSES)))
        session.commit()
        return Retention([], [], result.rowcount or 0)
    parts = [months.Partition(p.name, p.upper) for p in list_partitions(session, "outbox_messages")
             if p.upper is not None]
    dropped, kept = [], []
    for part in months.expired(parts, now, retention_days):
        waiting = session.execute(text(f"SELECT count(*) FROM {part.name} WHERE status = ANY(:s)"),
                                  {"s": list(WAITING_STATUSES)}).scalar()
        if waiting:
            kept.append(part.name)
            continue
        session.execute(text(f"ALTER TABLE outbox_messages DETACH PARTITION {part.name}"))
        session.execute(text(f"DROP TABLE {part.name}"))
        dropped.append(part.name)
    session.commit()
    if dropped:
        log.info("outbox months past retention dropped: %s", ", ".join(dropped))
    if kept:
        log.warning("outbox months past retention kept: messages still waiting in %s", ", ".join(kept))
    return Retention(dropped, kept, 0)


def prepare(connection: Connection, now: datetime) -> list[str]:
    """What migration 0029 needs on a large live table, built without holding writes: unique
    indexes with the partition key (CREATE INDEX CONCURRENTLY) and a CHECK proving every row lies
    before the first partitioned month (NOT VALID, then VALIDATE, which lets writes go on).
    `connection` must be in autocommit mode. Returns what it did, one line each."""
    done = []
    bound = months.as_utc(months.next_month(months.next_month(months.month_start(now))))
    for table, column in months.PARTITIONED.items():
        if partitioned(connection, table):
            done.append(f"{table}: already partitioned")
            continue
        wanted = {f"{table}_part_id": f"(id, {column})"}
        if table == "events":
            wanted["events_part_unique"] = "(complaint_id, seq, at)"
        for name, columns in wanted.items():
            valid = connection.execute(text(
                "SELECT x.indisvalid FROM pg_index x WHERE x.indexrelid = to_regclass(:n)"), {"n": name}).scalar()
            if valid is False:  # left by an interrupted build
                connection.execute(text(f"DROP INDEX CONCURRENTLY {name}"))
            if not valid:
                connection.execute(text(f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} {columns}"))
                done.append(f"{table}: index {name} built")
        latest = connection.execute(text(f"SELECT max({column}) FROM {table}")).scalar()
        if latest is not None and latest >= bound:
            raise ValueError(f"{table} has rows dated {latest:%Y-%m-%d}, after {bound:%Y-%m-%d}: check the clock")
        connection.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_part_bound"))
        connection.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT {table}_part_bound "
                                f"CHECK ({column} IS NOT NULL AND {column} < '{bound.isoformat()}') NOT VALID"))
        connection.execute(text(f"ALTER TABLE {table} VALIDATE CONSTRAINT {table}_part_bound"))
        done.append(f"{table}: every row before {bound:%Y-%m-%d} (checked)")
    return done
