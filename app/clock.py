"""The one source of "now": every service takes `now` from here, tests move a FrozenClock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


class Clock:
    def now(self) -> datetime:
        raise NotImplementedError


class SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock(Clock):
    """A clock that only moves when told to."""

    def __init__(self, at: datetime):
        self.set(at)

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = at.astimezone(timezone.utc)

    def advance(self, delta: timedelta | None = None, **kwargs) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def now(self) -> datetime:
        return self._now


# Instants Sigap accepts from outside (a form, a query, a JSON body, the command line). Beyond these
# years a date is a typo or an attack, and datetime's far ends overflow when moved between zones.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)


def in_service_years(dt: datetime) -> bool:
    """True for an aware instant from 2000 up to (not including) 2100."""
    return dt.tzinfo is not None and EARLIEST <= dt < LATEST


def utc(dt: datetime) -> datetime:
    """Aware UTC; naive values are refused rather than guessed."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: store and compare aware UTC only")
    return dt.astimezone(timezone.utc)


def isoformat_z(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ") if dt.microsecond == 0 else utc(dt).isoformat().replace("+00:00", "Z")
