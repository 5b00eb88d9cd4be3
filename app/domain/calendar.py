"""SLA calendars: how much deadline time elapses between two instants (24x7, or business hours
in a jurisdiction's time zone, skipping weekends and Indonesian public holidays)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_package

KINDS = ("24x7", "business_hours")
ONE_MINUTE = timedelta(minutes=1)
ONE_DAY = timedelta(days=1)
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours in local time: the weekdays (0=Monday .. 6=Sunday) and one daily window."""

    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "days", frozenset(self.days))
        except TypeError:
            raise ValueError("business hours: days must be a list of weekdays 0 (Monday) .. 6 (Sunday)") from None
        if not self.days or any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in self.days):
            raise ValueError("business hours: days must be a non-empty list of weekdays 0 (Monday) .. 6 (Sunday)")
        if not isinstance(self.start, time) or not isinstance(self.end, time):
            raise ValueError("business hours: start and end must be times")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("business hours: start and end are local wall-clock times, without a time zone")
        if self.end <= self.start:
            raise ValueError(f"business hours: end ({self.end:%H:%M}) must be after start ({self.start:%H:%M})")

    @classmethod
    def from_dict(cls, d: dict | None) -> "BusinessHours":
        """Read {"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "16:00"}; None gives Indonesian
        office hours, Monday to Friday 08:00-16:00. Missing keys take those defaults."""
        if d is None:
            return DEFAULT_BUSINESS_HOURS
        if not isinstance(d, dict):
            raise ValueError(f"business hours must be an object like {{\"days\": [0,1,2,3,4], \"start\": \"08:00\", \"end\": \"16:00\"}}, not {type(d).__name__}")
        unknown = set(d) - {"days", "start", "end"}
        if unknown:
            raise ValueError(f"business hours: unknown key(s) {', '.join(sorted(map(str, unknown)))}; expected days, start, end")
        days = d.get("days", sorted(DEFAULT_BUSINESS_HOURS.days))
        if isinstance(days, (str, bytes, dict)) or not hasattr(days, "__iter__"):
            raise ValueError("business hours: days must be a list of weekdays 0 (Monday) .. 6 (Sunday)")
        return cls(
            days=days,
            start=_parse_time(d.get("start", DEFAULT_BUSINESS_HOURS.start), "start"),
            end=_parse_time(d.get("end", DEFAULT_BUSINESS_HOURS.end), "end"),
        )

    def to_dict(self) -> dict:
        return {"days": sorted(self.days), "start": f"{self.start:%H:%M}", "end": f"{self.end:%H:%M}"}


def _parse_time(value: object, name: str) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        m = _TIME_RE.match(value.strip())
        if m:
            return time(int(m.group(1)), int(m.group(2)))
    raise ValueError(f"business hours: {name} must be a local time \"HH:MM\" (00:00-23:59), got {value!r}")


DEFAULT_BUSINESS_HOURS = BusinessHours(days=frozenset(range(5)), start=time(8, 0), end=time(16, 0))


@lru_cache(maxsize=None)
def _holidays_of_year(year: int) -> frozenset[date]:
    # "public" are the national holidays; "government" are the cuti bersama (collective leave days)
    # on which government offices close. The package knows 1946-2100; other years give no holidays.
    found = holidays_package.country_holidays("ID", years=year, categories=("public", "government"))
    return frozenset(found)


def indonesian_holidays(years: Iterable[int]) -> frozenset[date]:
    """Indonesian public holidays and collective-leave days (cuti bersama) of the given years."""
    result: set[date] = set()
    for year in years:
        result |= _holidays_of_year(int(year))
    return frozenset(result)


def aware_utc(value: datetime, name: str = "datetime") -> datetime:
    """`value` as aware UTC; a naive or non-datetime value raises ValueError."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value.isoformat()})")
    return value.astimezone(timezone.utc)


def _to_timedelta(minutes: float) -> timedelta:
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)):
        raise ValueError(f"minutes must be a number, got {type(minutes).__name__}")
    if not math.isfinite(minutes) or minutes < 0:
        raise ValueError(f"minutes must be a finite number >= 0, got {minutes!r}")
    try:
        return timedelta(minutes=minutes)
    except OverflowError:
        raise ValueError(f"minutes out of range: {minutes!r}") from None


class SlaCalendar:
    """How deadline time elapses. Build one with make_calendar()."""

    kind: str
    zone: ZoneInfo

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        """The aware UTC instant at which `minutes` of calendar time have elapsed after `start`."""
        raise NotImplementedError

    def minutes_between(self, start: datetime, end: datetime) -> float:
        """Calendar minutes elapsed from `start` to `end` (0 if end <= start)."""
        raise NotImplementedError

    def is_working(self, at: datetime) -> bool:
        """Whether the clock runs at `at`."""
        raise NotImplementedError


class TwentyFourSevenCalendar(SlaCalendar):
    """Every minute counts: add_minutes is plain addition."""

    kind = "24x7"

    def __init__(self, zone: ZoneInfo):
        self.zone = zone

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        start_utc = aware_utc(start, "start")
        amount = _to_timedelta(minutes)
        try:
            return start_utc + amount
        except OverflowError:
            raise ValueError("deadline beyond the supported date range") from None

    def minutes_between(self, start: datetime, end: datetime) -> float:
        start_utc, end_utc = aware_utc(start, "start"), aware_utc(end, "end")
        return max(end_utc - start_utc, timedelta(0)) / ONE_MINUTE

    def is_working(self, at: datetime) -> bool:
        aware_utc(at, "at")
        return True

    def __repr__(self) -> str:
        return f"<SlaCalendar 24x7 {self.zone.key}>"


_WINDOW_CACHE_SIZE = 4096


@dataclass(frozen=True)
class _Window:
    opens: datetime  # aware UTC
    closes: datetime  # aware UTC


class BusinessHoursCalendar(SlaCalendar):
    """Only opening hours count: the configured weekdays between start and end, in local time,
    except Indonesian public holidays, cuti bersama and any extra holidays. Walks day by day."""

    kind = "business_hours"

    def __init__(self, zone: ZoneInfo, hours: BusinessHours, extra_holidays: frozenset[date] = frozenset()):
        self.zone = zone
        self.business_hours = hours
        self.extra_holidays = extra_holidays
        self._windows: dict[date, _Window | None] = {}

    def is_holiday(self, day: date) -> bool:
        return day in self.extra_holidays or day in _holidays_of_year(day.year)

    def _window(self, day: date) -> _Window | None:
        """The opening window of a local calendar day, or None when closed all day."""
        try:
            return self._windows[day]
        except KeyError:
            pass
        if len(self._windows) >= _WINDOW_CACHE_SIZE:
            self._windows.clear()
        window = self._windows[day] = self._compute_window(day)
        return window

    def _compute_window(self, day: date) -> _Window | None:
        if day.weekday() not in self.business_hours.days or self.is_holiday(day):
            return None
        opens = datetime.combine(day, self.business_hours.start, self.zone).astimezone(timezone.utc)
        closes = datetime.combine(day, self.business_hours.end, self.zone).astimezone(timezone.utc)
        return _Window(opens, closes) if closes > opens else None

    def _first_day(self, at_utc: datetime) -> date:
        # One day earlier than the local date guards against a window shifted by an offset change.
        local_day = at_utc.astimezone(self.zone).date()
        return local_day - ONE_DAY if local_day > date.min else local_day

    def add_minutes(self, start: datetime, minutes: float) -> datetime:
        cursor = aware_utc(start, "start")
        remaining = _to_timedelta(minutes)
        if minutes == 0:
            return cursor
        day = self._first_day(cursor)
        try:
            while True:
                window = self._window(day)
                if window is not None and window.closes > cursor:
                    begin = max(window.opens, cursor)
                    available = window.closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
                    cursor = window.closes
                day += ONE_DAY
        except OverflowError:
            raise ValueError("deadline beyond the supported date range") from None

    def minutes_between(self, start: datetime, end: datetime) -> float:
        start_utc, end_utc = aware_utc(start, "start"), aware_utc(end, "end")
        if end_utc <= start_utc:
            return 0.0
        total = timedelta(0)
        day = self._first_day(start_utc)
        last_day = end_utc.astimezone(self.zone).date()
        while day <= last_day:
            window = self._window(day)
            if window is not None:
                begin, finish = max(window.opens, start_utc), min(window.closes, end_utc)
                if finish > begin:
                    total += finish - begin
            if day == date.max:
                break
            day += ONE_DAY
        return total / ONE_MINUTE

    def is_working(self, at: datetime) -> bool:
        at_utc = aware_utc(at, "at")
        window = self._window(at_utc.astimezone(self.zone).date())
        return window is not None and window.opens <= at_utc < window.closes

    def __repr__(self) -> str:
        return f"<SlaCalendar business_hours {self.zone.key} {self.business_hours.to_dict()}>"


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r} (expected an IANA name like Asia/Jakarta)") from None


def _holiday_dates(values: Iterable[date | str]) -> frozenset[date]:
    result = set()
    for value in values:
        if isinstance(value, datetime):
            raise ValueError(f"extra holiday must be a date, not a datetime: {value!r}")
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"extra holiday must be an ISO date YYYY-MM-DD, got {value!r}") from None
        if not isinstance(value, date):
            raise ValueError(f"extra holiday must be a date, got {value!r}")
        result.add(value)
    return frozenset(result)


def make_calendar(kind: str, tz: str, business_hours: dict | None = None,
                  extra_holidays: Iterable[date] = ()) -> SlaCalendar:
    """The calendar of a policy: "24x7", or "business_hours" in the IANA zone `tz`
    (business_hours as for BusinessHours.from_dict; extra_holidays are local dates).
    Calendars are immutable and shared: equal arguments give the same instance."""
    if not isinstance(tz, str) or not tz:
        raise ValueError(f"time zone must be an IANA name like Asia/Jakarta, got {tz!r}")
    if kind == "24x7":
        return _calendar(kind, tz, None, frozenset())
    if kind == "business_hours":
        return _calendar(kind, tz, BusinessHours.from_dict(business_hours), _holiday_dates(extra_holidays))
    raise ValueError(f"unknown SLA calendar {kind!r} (expected one of: {', '.join(KINDS)})")


@lru_cache(maxsize=256)
def _calendar(kind: str, tz: str, hours: BusinessHours | None, extra: frozenset[date]) -> SlaCalendar:
    zone = _zone(tz)
    if kind == "24x7":
        return TwentyFourSevenCalendar(zone)
    return BusinessHoursCalendar(zone, hours, extra)
