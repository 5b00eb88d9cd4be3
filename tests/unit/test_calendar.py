"""SLA calendars: 24x7 and business hours with Indonesian holidays, in each jurisdiction's zone."""
from __future__ import annotations

import time as perf
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings, strategies as st

from app.domain.calendar import BusinessHours, SlaCalendar, indonesian_holidays, make_calendar

UTC = timezone.utc
WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


def office(tz: str = "Asia/Jakarta", **kwargs) -> SlaCalendar:
    return make_calendar("business_hours", tz, **kwargs)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# --- BusinessHours.from_dict ----------------------------------------------------------------

def test_no_business_hours_means_indonesian_office_hours_monday_to_friday_eight_to_four():
    hours = BusinessHours.from_dict(None)
    assert hours == BusinessHours(days=frozenset({0, 1, 2, 3, 4}), start=time(8), end=time(16))


def test_business_hours_are_read_from_a_policy_dict():
    hours = BusinessHours.from_dict({"days": [0, 1, 2, 3, 4, 5], "start": "07:30", "end": "15:30"})
    assert hours.days == frozenset(range(6))
    assert (hours.start, hours.end) == (time(7, 30), time(15, 30))
    assert hours.to_dict() == {"days": [0, 1, 2, 3, 4, 5], "start": "07:30", "end": "15:30"}


def test_missing_business_hours_keys_take_the_office_defaults():
    assert BusinessHours.from_dict({"end": "17:00"}) == BusinessHours(frozenset(range(5)), time(8), time(17))


@pytest.mark.parametrize("bad, says", [
    ("08:00-16:00", "must be an object"),
    ({"days": []}, "non-empty"),
    ({"days": [0, 7]}, "0 (Monday) .. 6 (Sunday)"),
    ({"days": [True]}, "0 (Monday) .. 6 (Sunday)"),
    ({"days": "01234"}, "list of weekdays"),
    ({"days": [[0]]}, "list of weekdays"),
    ({"start": "8am"}, "start must be a local time"),
    ({"end": "24:00"}, "end must be a local time"),
    ({"start": 8}, "start must be a local time"),
    ({"start": "16:00", "end": "08:00"}, "must be after start"),
    ({"start": "08:00", "end": "08:00"}, "must be after start"),
    ({"days": [0], "hours": 8}, "unknown key"),
])
def test_malformed_business_hours_are_refused_with_a_clear_message(bad, says):
    with pytest.raises(ValueError, match="business hours") as excinfo:
        BusinessHours.from_dict(bad)
    assert says in str(excinfo.value)


# --- make_calendar ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind, tz", [
    ("24/7", "Asia/Jakarta"), ("office", "Asia/Jakarta"), ("", "Asia/Jakarta"),
    ("24x7", "Asia/Atlantis"), ("business_hours", "WIB"), ("24x7", ""), ("24x7", None), ("24x7", "../etc/passwd"),
])
def test_unknown_calendar_kind_or_time_zone_is_refused(kind, tz):
    with pytest.raises(ValueError):
        make_calendar(kind, tz)


@pytest.mark.parametrize("kind", ["24x7", "business_hours"])
def test_naive_datetimes_are_refused(kind):
    calendar = make_calendar(kind, "Asia/Jakarta")
    naive = datetime(2026, 11, 23, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.add_minutes(naive, 240)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.minutes_between(naive, datetime(2026, 11, 24, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.is_working(naive)


@pytest.mark.parametrize("kind", ["24x7", "business_hours"])
@pytest.mark.parametrize("minutes", [-1, float("nan"), float("inf"), "240", None])
def test_negative_or_non_numeric_minutes_are_refused(kind, minutes):
    with pytest.raises(ValueError, match="minutes"):
        make_calendar(kind, "Asia/Jakarta").add_minutes(wib(2026, 11, 23, 9), minutes)


def test_extra_holidays_must_be_dates():
    assert office(extra_holidays=["2026-11-24"]).is_working(wib(2026, 11, 24, 9)) is False
    with pytest.raises(ValueError, match="ISO date"):
        office(extra_holidays=["24/11/2026"])
    with pytest.raises(ValueError, match="not a datetime"):
        office(extra_holidays=[wib(2026, 11, 24)])


# --- 24x7 -----------------------------------------------------------------------------------

def test_24x7_deadline_is_plain_addition_across_midnight_and_returns_utc():
    calendar = make_calendar("24x7", "Asia/Jakarta")
    due = calendar.add_minutes(wib(2026, 11, 28, 22, 30), 240)  # Saturday night
    assert due == datetime(2026, 11, 28, 19, 30, tzinfo=UTC)
    assert due.tzinfo == UTC
    assert due.astimezone(WIB) == wib(2026, 11, 29, 2, 30)
    assert calendar.minutes_between(wib(2026, 11, 28, 22, 30), due) == 240
    assert calendar.minutes_between(due, wib(2026, 11, 28, 22, 30)) == 0
    assert calendar.is_working(wib(2026, 12, 25, 3, 0)) is True


# --- business hours in Asia/Jakarta -------------------------------------------------------------

@pytest.mark.parametrize("received, minutes, due", [
    # Monday 23 November 2026
    (wib(2026, 11, 23, 9, 0), 240, wib(2026, 11, 23, 13, 0)),
    (wib(2026, 11, 23, 9, 0), 120, wib(2026, 11, 23, 11, 0)),
    (wib(2026, 11, 23, 14, 0), 240, wib(2026, 11, 24, 10, 0)),   # 2 h today, 2 h tomorrow
    (wib(2026, 11, 23, 14, 0), 120, wib(2026, 11, 23, 16, 0)),   # ends exactly at closing, not tomorrow
    (wib(2026, 11, 23, 8, 0), 240, wib(2026, 11, 23, 12, 0)),    # received exactly at opening
    (wib(2026, 11, 23, 12, 0), 240, wib(2026, 11, 23, 16, 0)),
    (wib(2026, 11, 23, 16, 0), 240, wib(2026, 11, 24, 12, 0)),   # received exactly at closing
    (wib(2026, 11, 23, 5, 45), 120, wib(2026, 11, 23, 10, 0)),   # before opening: counts from 08:00
    (wib(2026, 11, 23, 23, 30), 120, wib(2026, 11, 24, 10, 0)),  # night, across midnight
    (wib(2026, 11, 24, 0, 0), 120, wib(2026, 11, 24, 10, 0)),    # exactly midnight
    (wib(2026, 11, 23, 15, 59, 30), 1, wib(2026, 11, 24, 8, 0, 30)),
    (wib(2026, 11, 23, 9, 0), 0.5, wib(2026, 11, 23, 9, 0, 30)),
])
def test_business_hours_count_only_opening_hours(received, minutes, due):
    assert office().add_minutes(utc(received), minutes) == utc(due)


def test_a_report_on_friday_afternoon_rolls_over_the_weekend():
    calendar = office()
    friday_3pm = wib(2026, 11, 27, 15, 0)
    assert calendar.add_minutes(friday_3pm, 240) == utc(wib(2026, 11, 30, 11, 0))  # 1 h Friday + 3 h Monday
    assert calendar.add_minutes(friday_3pm, 120) == utc(wib(2026, 11, 30, 9, 0))
    assert calendar.add_minutes(friday_3pm, 60) == utc(wib(2026, 11, 27, 16, 0))
    assert calendar.minutes_between(friday_3pm, wib(2026, 11, 30, 9, 0)) == 120


def test_a_report_on_saturday_night_starts_counting_at_monday_opening():
    assert office().add_minutes(wib(2026, 11, 28, 22, 0), 120) == utc(wib(2026, 11, 30, 10, 0))


def test_christmas_and_its_collective_leave_day_are_skipped():
    calendar = office()
    # Wed 23 Dec 2026: 2 h left that day; Thu 24 is cuti bersama, Fri 25 Christmas, then the weekend.
    assert calendar.add_minutes(wib(2026, 12, 23, 14, 0), 240) == utc(wib(2026, 12, 28, 10, 0))
    assert not calendar.is_working(wib(2026, 12, 25, 10, 0))
    assert calendar.minutes_between(wib(2026, 12, 24, 0, 0), wib(2026, 12, 27, 23, 59)) == 0


def test_christmas_alone_is_skipped_when_it_falls_on_a_working_day_after_a_working_day():
    # 2025: Christmas Thursday 25, cuti bersama Friday 26; Wednesday 24 is an ordinary working day.
    calendar = office()
    assert calendar.add_minutes(wib(2025, 12, 24, 15, 0), 120) == utc(wib(2025, 12, 29, 9, 0))


def test_lebaran_week_of_holidays_and_collective_leave_is_skipped():
    # 2026: Nyepi 19 Mar, Idul Fitri 21-22 Mar, cuti bersama 18, 20, 23, 24 Mar.
    calendar = office()
    assert calendar.add_minutes(wib(2026, 3, 17, 15, 0), 240) == utc(wib(2026, 3, 25, 11, 0))


def test_extra_holidays_of_the_jurisdiction_are_skipped_too():
    calendar = office(extra_holidays=[date(2026, 11, 24)])  # e.g. the regency's anniversary
    assert calendar.add_minutes(wib(2026, 11, 23, 14, 0), 240) == utc(wib(2026, 11, 25, 10, 0))


def test_is_working_is_true_from_opening_until_just_before_closing():
    calendar = office()
    assert not calendar.is_working(wib(2026, 11, 23, 7, 59, 59))
    assert calendar.is_working(wib(2026, 11, 23, 8, 0))
    assert calendar.is_working(wib(2026, 11, 23, 15, 59, 59))
    assert not calendar.is_working(wib(2026, 11, 23, 16, 0))
    assert not calendar.is_working(wib(2026, 11, 28, 10, 0))  # Saturday


def test_zero_minutes_after_a_night_report_is_the_report_time_itself():
    night = utc(wib(2026, 11, 23, 22, 0))
    assert office().add_minutes(night, 0) == night


def test_custom_hours_with_saturday_work():
    calendar = office(business_hours={"days": [0, 1, 2, 3, 4, 5], "start": "07:30", "end": "15:30"})
    assert calendar.add_minutes(wib(2026, 11, 27, 15, 0), 240) == utc(wib(2026, 11, 28, 11, 0))
    assert calendar.add_minutes(wib(2026, 11, 28, 15, 0), 240) == utc(wib(2026, 11, 30, 11, 0))


def test_hours_ending_just_before_midnight():
    calendar = office(business_hours={"days": [0, 1, 2, 3, 4, 5, 6], "start": "18:00", "end": "23:59"})
    assert calendar.add_minutes(wib(2026, 11, 23, 23, 0), 120) == utc(wib(2026, 11, 24, 19, 1))


# --- time zones -------------------------------------------------------------------------------

def test_the_same_local_opening_hours_give_different_utc_deadlines_in_each_zone():
    received_local = datetime(2026, 11, 23, 9, 0)  # Monday 09:00 on the local clock
    due = {tz: office(tz).add_minutes(received_local.replace(tzinfo=ZoneInfo(tz)), 240) for tz in ZONES}
    assert due == {
        "Asia/Jakarta": datetime(2026, 11, 23, 6, 0, tzinfo=UTC),
        "Asia/Makassar": datetime(2026, 11, 23, 5, 0, tzinfo=UTC),
        "Asia/Jayapura": datetime(2026, 11, 23, 4, 0, tzinfo=UTC),
    }


def test_the_same_instant_is_inside_hours_in_jakarta_but_after_closing_in_makassar():
    received = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 15:30 WIB, 16:30 WITA
    jakarta, makassar = office("Asia/Jakarta"), office("Asia/Makassar")
    assert jakarta.is_working(received) and not makassar.is_working(received)
    # Jakarta: 30 min Monday + 210 min Tuesday -> 11:30 WIB; Makassar: Tuesday 08:00-12:00 WITA.
    assert jakarta.add_minutes(received, 240) == datetime(2026, 11, 24, 4, 30, tzinfo=UTC)
    assert makassar.add_minutes(received, 240) == datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


def test_holidays_follow_the_local_date_not_the_utc_date():
    # 2026-12-25 00:30 WIT is still 24 Dec in UTC; in Jayapura it is Christmas and closed.
    jayapura = office("Asia/Jayapura", business_hours={"days": list(range(7)), "start": "00:00", "end": "23:59"})
    assert not jayapura.is_working(datetime(2026, 12, 25, 0, 30, tzinfo=WIT))


# --- holidays ---------------------------------------------------------------------------------

def test_indonesian_holidays_include_public_holidays_and_collective_leave():
    days = indonesian_holidays([2025, 2026])
    assert {date(2026, 12, 25), date(2026, 8, 17), date(2026, 1, 1), date(2026, 3, 21)} <= days
    assert {date(2026, 12, 24), date(2025, 12, 26)} <= days  # cuti bersama
    assert date(2026, 11, 23) not in days


def test_holidays_work_for_any_year_even_beyond_what_the_package_knows():
    assert date(2090, 8, 17) in indonesian_holidays([2090])
    assert indonesian_holidays([]) == frozenset()
    # 2150: the package knows no holidays; weekends are still skipped.
    assert office().add_minutes(datetime(2150, 1, 3, 8, 0, tzinfo=WIB), 60) == utc(datetime(2150, 1, 5, 9, 0, tzinfo=WIB))


def test_long_targets_jump_day_by_day_and_stay_fast():
    calendar = office()
    start = utc(wib(2026, 11, 27, 15, 0))
    began = perf.perf_counter()
    due = calendar.add_minutes(start, 100_000)  # about 208 working days, over a year
    assert perf.perf_counter() - began < 0.5
    assert calendar.minutes_between(start, due) == pytest.approx(100_000)
    assert calendar.is_working(due - timedelta(seconds=1))


# --- properties -------------------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None)
instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31),
                        timezones=st.just(UTC))
minute_counts = st.one_of(st.integers(min_value=0, max_value=10_000),
                          st.floats(min_value=0, max_value=10_000, allow_nan=False, allow_infinity=False))
hour_settings = st.sampled_from([
    None,
    {"days": [0, 1, 2, 3, 4, 5], "start": "07:30", "end": "15:30"},
    {"days": [5, 6], "start": "00:00", "end": "23:59"},
    {"days": [2], "start": "22:00", "end": "23:00"},
    {"days": list(range(7)), "start": "23:00", "end": "23:59"},
])
business_calendars = st.builds(lambda tz, hours: office(tz, business_hours=hours), st.sampled_from(ZONES), hour_settings)


def inside_opening_hours(calendar, at: datetime) -> bool:
    """Closed window check done independently of the calendar's own window maths."""
    local = at.astimezone(calendar.zone)
    hours = calendar.business_hours
    return (local.weekday() in hours.days
            and local.date() not in indonesian_holidays([local.year])
            and hours.start <= local.time().replace(tzinfo=None) <= hours.end)


@PROPERTY
@given(business_calendars, instants, minute_counts, minute_counts)
def test_more_minutes_never_give_an_earlier_deadline(calendar, start, m1, m2):
    low, high = sorted((m1, m2))
    assert calendar.add_minutes(start, low) <= calendar.add_minutes(start, high)


@PROPERTY
@given(business_calendars, instants, instants, minute_counts)
def test_a_later_report_never_gets_an_earlier_deadline(calendar, s1, s2, minutes):
    early, late = sorted((s1, s2))
    assert calendar.add_minutes(early, minutes) <= calendar.add_minutes(late, minutes)


@PROPERTY
@given(business_calendars, instants, minute_counts)
def test_the_minutes_counted_up_to_a_deadline_are_the_target(calendar, start, minutes):
    due = calendar.add_minutes(start, minutes)
    assert due.tzinfo == UTC and due >= start
    assert calendar.minutes_between(start, due) == pytest.approx(minutes, abs=1e-6)


@PROPERTY
@given(business_calendars, instants, minute_counts)
def test_a_business_hours_deadline_always_falls_inside_opening_hours(calendar, start, minutes):
    assume(minutes > 0)
    due = calendar.add_minutes(start, minutes)
    assert inside_opening_hours(calendar, due)
    # and it is the earliest such instant: a microsecond earlier, the target is not yet reached
    assert calendar.minutes_between(start, due - timedelta(microseconds=1)) < minutes


@PROPERTY
@given(business_calendars, instants, st.integers(0, 5_000), st.integers(1, 5_000))
def test_adding_in_two_steps_equals_adding_at_once(calendar, start, a, b):
    assert calendar.add_minutes(calendar.add_minutes(start, a), b) == calendar.add_minutes(start, a + b)


@PROPERTY
@given(business_calendars, instants)
def test_is_working_agrees_with_the_minutes_counted(calendar, at):
    assert calendar.is_working(at) == (calendar.minutes_between(at, at + timedelta(microseconds=1)) > 0)
    assert calendar.is_working(at) <= inside_opening_hours(calendar, at)


@PROPERTY
@given(st.sampled_from(ZONES), instants, minute_counts)
def test_24x7_is_plain_addition(tz, start, minutes):
    calendar = make_calendar("24x7", tz)
    assert calendar.add_minutes(start, minutes) == start + timedelta(minutes=minutes)
    assert calendar.minutes_between(start, start + timedelta(minutes=minutes)) == pytest.approx(minutes, abs=1e-6)


@PROPERTY
@given(business_calendars, instants, instants)
def test_minutes_between_is_never_more_than_wall_clock_time(calendar, a, b):
    counted = calendar.minutes_between(a, b)
    assert 0 <= counted <= max((b - a) / timedelta(minutes=1), 0)
