"""Monthly partitions of the append-only tables (events by `at`, outbox messages by `created_at`):
which months exist, which to create ahead, which the outbox's retention lets go. Pure: the
service turns these into PostgreSQL DDL."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

# table -> the UTC timestamp column it is partitioned on
PARTITIONED = {"events": "at", "outbox_messages": "created_at"}
MONTHS_AHEAD = 3  # partitions exist this many months past the current one
_NAME = re.compile(r"^(?P<table>[a-z_]+)_y(?P<year>\d{4})m(?P<month>\d{2})$")


def month_start(at: datetime | date) -> date:
    return date(at.year, at.month, 1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_y{month.year:04d}m{month.month:02d}"


def month_of(name: str, table: str) -> date | None:
    """The month a partition's name stands for (None for the legacy and default partitions)."""
    m = _NAME.match(name)
    if not m or m.group("table") != table:
        return None
    return date(int(m.group("year")), int(m.group("month")), 1)


def as_utc(month: date) -> datetime:
    return datetime(month.year, month.month, month.day, tzinfo=timezone.utc)


def months_to_create(existing_upper: date, now: datetime, ahead: int = MONTHS_AHEAD) -> list[date]:
    """Months from the first not yet covered (existing partitions reach up to `existing_upper`,
    exclusive) through `ahead` months past now's month."""
    last = month_start(now)
    for _ in range(ahead):
        last = next_month(last)
    months, month = [], existing_upper
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


@dataclass(frozen=True)
class Partition:
    name: str
    upper: date  # exclusive upper bound of the range (first day of a month)


def expired(partitions: list[Partition], now: datetime, retention_days: int) -> list[Partition]:
    """Partitions whose whole range ended more than retention_days before now: every row in them is
    older than the retention period."""
    cutoff = (now - timedelta(days=retention_days)).date()
    return [p for p in partitions if p.upper <= cutoff]
