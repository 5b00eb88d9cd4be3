"""SLA deadline maths: policy versions, deadlines, reminder checkpoints, minutes late."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from app.domain.calendar import make_calendar
from app.domain.sla import Deadlines, checkpoint_at, compute_deadlines, minutes_late, select_policy

UTC = timezone.utc
WIB = ZoneInfo("Asia/Jakarta")
HUNGER, SCHOOL = 1, 2


@dataclass
class Policy:
    id: int
    category_id: int | None
    effective_from: datetime
    acknowledge_minutes: int = 30
    handle_minutes: int = 240
    triage_minutes: int = 30
    reminder_fractions: list[float] = field(default_factory=lambda: [0.5, 0.75])
    calendar: str = "24x7"
    business_hours: dict | None = None


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


FOUR_HOUR = Policy(1, None, utc(wib(2026, 1, 1)), handle_minutes=240)
TWO_HOUR = Policy(2, None, utc(wib(2026, 12, 1)), handle_minutes=120)


# --- select_policy ----------------------------------------------------------------------------

def test_no_policy_in_force_before_the_first_version():
    assert select_policy([FOUR_HOUR], HUNGER, utc(wib(2025, 12, 31, 23, 59))) is None
    assert select_policy([], HUNGER, utc(wib(2026, 6, 1))) is None


def test_a_version_is_in_force_from_its_effective_instant():
    assert select_policy([FOUR_HOUR, TWO_HOUR], HUNGER, TWO_HOUR.effective_from) is TWO_HOUR
    assert select_policy([FOUR_HOUR, TWO_HOUR], HUNGER, TWO_HOUR.effective_from - timedelta(microseconds=1)) is FOUR_HOUR


def test_switching_to_the_two_hour_rule_leaves_earlier_reports_on_the_four_hour_rule():
    policies = [TWO_HOUR, FOUR_HOUR]  # order does not matter
    assert select_policy(policies, HUNGER, utc(wib(2026, 11, 30, 23, 0))) is FOUR_HOUR
    assert select_policy(policies, HUNGER, utc(wib(2026, 12, 1, 0, 0))) is TWO_HOUR
    assert select_policy(policies, HUNGER, utc(wib(2027, 3, 1))) is TWO_HOUR


def test_a_category_version_beats_the_default_even_when_the_default_is_newer():
    hunger_only = Policy(3, HUNGER, utc(wib(2026, 2, 1)), handle_minutes=180)
    policies = [FOUR_HOUR, TWO_HOUR, hunger_only]
    assert select_policy(policies, HUNGER, utc(wib(2026, 12, 5))) is hunger_only
    assert select_policy(policies, SCHOOL, utc(wib(2026, 12, 5))) is TWO_HOUR
    # before the category version starts, the default applies
    assert select_policy(policies, HUNGER, utc(wib(2026, 1, 15))) is FOUR_HOUR


def test_another_categorys_version_is_never_chosen():
    school_only = Policy(4, SCHOOL, utc(wib(2026, 1, 1)))
    assert select_policy([school_only], HUNGER, utc(wib(2026, 6, 1))) is None


def test_equal_effective_times_go_to_the_highest_id():
    again = Policy(9, None, FOUR_HOUR.effective_from, handle_minutes=200)
    assert select_policy([again, FOUR_HOUR], HUNGER, utc(wib(2026, 6, 1))) is again


def test_effective_times_in_other_zones_compare_as_instants():
    makassar_midnight = Policy(5, None, datetime(2026, 12, 1, tzinfo=ZoneInfo("Asia/Makassar")), handle_minutes=120)
    # 23:30 WIB on 30 Nov is 00:30 WITA on 1 Dec: the new version is already in force.
    assert select_policy([FOUR_HOUR, makassar_midnight], HUNGER, wib(2026, 11, 30, 23, 30)) is makassar_midnight


def test_naive_times_are_refused_in_policy_selection():
    with pytest.raises(ValueError, match="timezone-aware"):
        select_policy([FOUR_HOUR], HUNGER, datetime(2026, 6, 1))
    with pytest.raises(ValueError, match="effective_from"):
        select_policy([Policy(7, None, datetime(2026, 1, 1))], HUNGER, utc(wib(2026, 6, 1)))


# --- compute_deadlines --------------------------------------------------------------------------

def test_24x7_deadlines_are_the_targets_after_receipt():
    calendar = make_calendar("24x7", "Asia/Jakarta")
    received = utc(wib(2026, 11, 28, 21, 10))  # Saturday night
    assert compute_deadlines(received, FOUR_HOUR, calendar) == Deadlines(
        ack_due_at=received + timedelta(minutes=30),
        handle_due_at=received + timedelta(hours=4),
        triage_due_at=received + timedelta(minutes=30),
    )
    assert compute_deadlines(received, TWO_HOUR, calendar).handle_due_at == utc(wib(2026, 11, 28, 23, 10))


def test_triage_uses_its_own_target():
    policy = Policy(6, None, FOUR_HOUR.effective_from, acknowledge_minutes=45, triage_minutes=15)
    deadlines = compute_deadlines(utc(wib(2026, 11, 23, 9)), policy, make_calendar("24x7", "Asia/Jakarta"))
    assert deadlines.triage_due_at == utc(wib(2026, 11, 23, 9, 15))
    assert deadlines.ack_due_at == utc(wib(2026, 11, 23, 9, 45))


def test_business_hours_deadlines_of_a_friday_afternoon_report_fall_on_monday():
    policy = Policy(8, None, FOUR_HOUR.effective_from, acknowledge_minutes=90, calendar="business_hours")
    calendar = make_calendar(policy.calendar, "Asia/Jakarta", policy.business_hours)
    deadlines = compute_deadlines(utc(wib(2026, 11, 27, 15, 0)), policy, calendar)
    assert deadlines.triage_due_at == utc(wib(2026, 11, 27, 15, 30))
    assert deadlines.ack_due_at == utc(wib(2026, 11, 30, 8, 30))
    assert deadlines.handle_due_at == utc(wib(2026, 11, 30, 11, 0))


# --- checkpoint_at ----------------------------------------------------------------------------

def test_reminder_warning_and_due_of_a_four_hour_target_around_the_clock():
    calendar = make_calendar("24x7", "Asia/Jakarta")
    received = utc(wib(2026, 11, 23, 22, 0))
    assert [checkpoint_at(received, 240, f, calendar) for f in (0.5, 0.75, 1.0)] == [
        utc(wib(2026, 11, 24, 0, 0)), utc(wib(2026, 11, 24, 1, 0)), utc(wib(2026, 11, 24, 2, 0))]


def test_reminder_warning_and_due_over_a_weekend_in_business_hours():
    calendar = make_calendar("business_hours", "Asia/Jakarta")
    friday = utc(wib(2026, 11, 27, 15, 0))
    assert [checkpoint_at(friday, 240, f, calendar) for f in (0.5, 0.75, 1.0)] == [
        utc(wib(2026, 11, 30, 9, 0)), utc(wib(2026, 11, 30, 10, 0)), utc(wib(2026, 11, 30, 11, 0))]
    # two-hour target: the reminder lands exactly at Friday's closing time
    assert [checkpoint_at(friday, 120, f, calendar) for f in (0.5, 0.75, 1.0)] == [
        utc(wib(2026, 11, 27, 16, 0)), utc(wib(2026, 11, 30, 8, 30)), utc(wib(2026, 11, 30, 9, 0))]


def test_checkpoints_across_christmas_in_sabu_raijua_time():
    wita = ZoneInfo("Asia/Makassar")
    calendar = make_calendar("business_hours", "Asia/Makassar")
    received = datetime(2026, 12, 23, 14, 0, tzinfo=wita)
    assert checkpoint_at(received, 240, 0.75, calendar) == utc(datetime(2026, 12, 28, 9, 0, tzinfo=wita))


@pytest.mark.parametrize("fraction", [-0.5, float("nan"), "0.5", None])
def test_a_bad_fraction_is_refused(fraction):
    with pytest.raises(ValueError, match="fraction"):
        checkpoint_at(utc(wib(2026, 11, 23, 9)), 240, fraction, make_calendar("24x7", "Asia/Jakarta"))


# --- minutes_late -----------------------------------------------------------------------------

@pytest.mark.parametrize("late_by, minutes", [
    (timedelta(minutes=-30), 0),
    (timedelta(0), 0),
    (timedelta(microseconds=1), 1),
    (timedelta(seconds=30), 1),
    (timedelta(minutes=1), 1),
    (timedelta(minutes=1, seconds=1), 2),
    (timedelta(hours=2, minutes=5), 125),
    (timedelta(days=3), 4320),
])
def test_minutes_late_are_whole_minutes_rounded_up(late_by, minutes):
    due = utc(wib(2026, 11, 23, 13, 0))
    assert minutes_late(due, due + late_by) == minutes


def test_minutes_late_compares_instants_across_zones_and_refuses_naive_times():
    due = utc(wib(2026, 11, 23, 13, 0))
    assert minutes_late(due, datetime(2026, 11, 23, 14, 10, tzinfo=ZoneInfo("Asia/Makassar"))) == 10
    with pytest.raises(ValueError, match="timezone-aware"):
        minutes_late(due, datetime(2026, 11, 23, 6, 10))


# --- properties -------------------------------------------------------------------------------

PROPERTY = settings(max_examples=200, deadline=None)
instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
policies = st.lists(
    st.builds(Policy, id=st.integers(1, 50), category_id=st.sampled_from([None, HUNGER, SCHOOL]),
              effective_from=instants, handle_minutes=st.sampled_from([240, 120])),
    max_size=8,
)
calendars = st.sampled_from([
    make_calendar("24x7", "Asia/Jakarta"),
    make_calendar("business_hours", "Asia/Jakarta"),
    make_calendar("business_hours", "Asia/Makassar"),
    make_calendar("business_hours", "Asia/Jayapura", {"days": [0, 1, 2, 3, 4, 5], "start": "07:30", "end": "15:30"}),
])


@PROPERTY
@given(policies, st.sampled_from([HUNGER, SCHOOL]), instants)
def test_the_chosen_version_is_in_force_and_the_latest_of_its_scope(versions, category, received):
    chosen = select_policy(versions, category, received)
    in_force = [p for p in versions if p.effective_from <= received]
    specific = [p for p in in_force if p.category_id == category]
    scope = specific or [p for p in in_force if p.category_id is None]
    if not scope:
        assert chosen is None
        return
    assert chosen in scope
    assert chosen.effective_from <= received
    assert all((p.effective_from, p.id) <= (chosen.effective_from, chosen.id) for p in scope)


@PROPERTY
@given(instants, st.integers(min_value=1, max_value=2 * 365 * 24 * 60), calendars)
def test_a_later_two_hour_version_never_changes_earlier_reports(four_hour_from, offset_minutes, calendar):
    four = Policy(1, None, four_hour_from, handle_minutes=240)
    two = Policy(2, None, four_hour_from + timedelta(minutes=offset_minutes), handle_minutes=120)
    before = two.effective_from - timedelta(microseconds=1)
    assert select_policy([four], HUNGER, before) is select_policy([four, two], HUNGER, before) is four
    assert (compute_deadlines(before, four, calendar).handle_due_at
            == calendar.add_minutes(before, 240))
    assert select_policy([four, two], HUNGER, two.effective_from) is two


@PROPERTY
@given(instants, st.sampled_from([240, 120, 30]), calendars)
def test_checkpoints_come_in_order_and_the_last_is_the_deadline(received, target, calendar):
    reminder, warning, due = (checkpoint_at(received, target, f, calendar) for f in (0.5, 0.75, 1.0))
    assert received <= reminder <= warning <= due
    assert due == compute_deadlines(received, Policy(1, None, received, handle_minutes=target), calendar).handle_due_at
    assert calendar.minutes_between(received, reminder) == pytest.approx(target / 2, abs=1e-6)


@PROPERTY
@given(instants, instants)
def test_minutes_late_is_zero_when_on_time_and_otherwise_covers_the_delay(due, met):
    late = minutes_late(due, met)
    if met <= due:
        assert late == 0
    else:
        assert late >= 1
        assert timedelta(minutes=late - 1) < met - due <= timedelta(minutes=late)
