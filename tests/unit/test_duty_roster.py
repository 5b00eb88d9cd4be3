"""Duty rosters as pure decisions: who is on duty at an instant (overnight shifts, holidays, a
shift's validity), and how an operator's words for days, hours, holidays and channels are read."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from app.domain import duty

WIB = ZoneInfo("Asia/Jakarta")
CHRISTMAS = date(2026, 12, 25)


def holiday(day: date) -> bool:
    return day == CHRISTMAS


def at(y, mo, d, h, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=WIB).astimezone(timezone.utc)


def shift(days="", hours="08:00-16:00", holidays="", **kw) -> duty.Shift:
    start, minutes = duty.parse_hours(hours)
    return duty.Shift(duty.parse_days(days), start, minutes, duty.parse_holidays(holidays), **kw)


def test_an_overnight_shift_belongs_to_the_day_it_starts():
    night = shift("Sen-Jum", "20:00-08:00")
    assert night.covers(at(2026, 12, 21, 23), WIB, holiday)  # Monday night
    assert night.covers(at(2026, 12, 22, 7, 59), WIB, holiday)  # Tuesday morning, still Monday's shift
    assert not night.covers(at(2026, 12, 22, 8), WIB, holiday)
    assert night.covers(at(2026, 12, 26, 7), WIB, holiday)  # Saturday 07:00: Friday's night
    assert not night.covers(at(2026, 12, 27, 2), WIB, holiday)  # Sunday 02:00: Saturday began none


def test_holiday_rules_look_at_the_start_day():
    weekday_only = shift("Sen-Jum", "08:00-16:00", "tidak")
    holidays_only = shift("", "08:00-16:00", "hanya")
    assert not weekday_only.covers(at(2026, 12, 25, 10), WIB, holiday)
    assert holidays_only.covers(at(2026, 12, 25, 10), WIB, holiday)
    assert weekday_only.covers(at(2026, 12, 24, 10), WIB, holiday)
    assert not holidays_only.covers(at(2026, 12, 24, 10), WIB, holiday)


def test_a_shift_counts_only_within_its_validity_and_no_shifts_means_always():
    start = at(2026, 12, 10, 12)
    line = shift("", "00:00-24:00", valid_from=start, valid_until=start + timedelta(days=1))
    assert not line.covers(start - timedelta(minutes=1), WIB, holiday)
    assert line.covers(start, WIB, holiday)
    assert not line.covers(start + timedelta(days=1), WIB, holiday)
    assert duty.on_duty((), start, WIB, holiday)


@pytest.mark.parametrize("text, days", [
    ("Sen-Jum", {0, 1, 2, 3, 4}), ("mon-fri", {0, 1, 2, 3, 4}), ("Sab Min", {5, 6}), ("sat,sun", {5, 6}),
    ("", set(range(7))), ("setiap hari", set(range(7))), ("Jum-Sen", {4, 5, 6, 0}), ("1-5", {0, 1, 2, 3, 4}),
])
def test_days_read_as_an_operator_writes_them(text, days):
    assert duty.parse_days(text) == frozenset(days)


@pytest.mark.parametrize("bad", ["Senin-Kamis-", "sometimes", "8-9"])
def test_unreadable_days_name_the_problem(bad):
    with pytest.raises(duty.RosterError) as caught:
        duty.parse_days(bad)
    assert caught.value.key == "bad_days"


@pytest.mark.parametrize("text, start, minutes", [
    ("08:00-16:00", time(8), 480), ("20:00-08:00", time(20), 720), ("00:00-24:00", time(0), 1440),
    ("07:00-07:00", time(7), 1440), ("7.30-16.00", time(7, 30), 510),
])
def test_hours_read_overnight_and_whole_day(text, start, minutes):
    assert duty.parse_hours(text) == (start, minutes)


@pytest.mark.parametrize("bad", ["25:00-07:00", "08:00", "08:00-24:30", "pagi"])
def test_unreadable_hours_are_refused(bad):
    with pytest.raises(duty.RosterError):
        duty.parse_hours(bad)


def test_channels_keep_the_operators_order():
    assert duty.parse_channels("WA > SMS") == ("whatsapp", "sms")
    assert duty.parse_channels("telegram sms") == ("telegram", "sms")
    assert duty.parse_channels("") == duty.DEFAULT_CHANNELS
    with pytest.raises(duty.RosterError):
        duty.parse_channels("pigeon")


@given(st.integers(0, 23), st.integers(0, 59), st.integers(1, 1440), st.integers(0, 60 * 24 * 14))
def test_a_shift_covers_exactly_its_minutes_each_day(hour, minute, length, offset):
    line = duty.Shift(duty.ALL_DAYS, time(hour, minute), length)
    begins = datetime(2026, 12, 1, hour, minute, tzinfo=WIB)
    moment = begins + timedelta(minutes=offset)
    into_day = offset % 1440
    assert line.covers(moment, WIB, lambda d: False) == (into_day < length)
