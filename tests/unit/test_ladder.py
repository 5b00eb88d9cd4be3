"""The SLA step plan: which step comes next and when, who is told, which ladder level is next."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, strategies as st

from app.domain import ladder
from app.domain.ladder import ComplaintClock, LadderPolicy

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
LEVELS = ("village_head", "camat", "agency_head", "regional_secretary", "regent_office")


def wall(start, target, fraction):
    return start + timedelta(minutes=target * fraction)


def policy(handle=240, ack=30, fractions=(0.5, 0.75), levels=LEVELS, repeat=60, cap=ladder.DEFAULT_REPEAT_DAILY_CAP):
    return LadderPolicy(fractions=fractions, levels=levels, repeat_minutes=repeat, ack_minutes=ack,
                        handle_minutes=handle, triage_minutes=30, repeat_daily_cap=cap)


def clock(handle=240, ack=30, **kw):
    values = dict(status="assigned", received_at=T0, ack_due_at=T0 + timedelta(minutes=ack),
                  handle_due_at=T0 + timedelta(minutes=handle))
    values.update(kw)
    return ComplaintClock(**values)


def minutes(step):
    return (step.due_at - T0).total_seconds() / 60


def run_all(c, p, fire_level=lambda c: c.level + 1):
    """Fire every step in order as a scheduler would, returning (action, deadline, minute)."""
    fired, out = [], []
    while True:
        step = ladder.next_step(c, p, wall, fired)
        if step is None:
            return out
        fired.append(step.key)
        out.append((step.deadline, step.action, minutes(step)))
        if step.action == ladder.ESCALATE:
            c = ComplaintClock(**{**c.__dict__, "level": fire_level(c)})


def test_four_hour_rule_reminds_at_half_warns_at_three_quarters_breaches_at_four_hours_then_climbs_hourly():
    c = clock(acknowledged_at=T0 + timedelta(minutes=5))
    steps = run_all(c, policy())
    assert steps[:8] == [
        ("handle", "remind", 120), ("handle", "warn", 180), ("handle", "breach", 240),
        ("handle", "escalate", 300), ("handle", "escalate", 360), ("handle", "escalate", 420),
        ("handle", "escalate", 480), ("handle", "escalate", 540),
    ]
    # Past the top the top levels are told again (ladder.REPEAT): see the repeat tests below.
    assert {action for _deadline, action, _minute in steps[8:]} == {ladder.REPEAT}


def test_two_hour_rule_moves_every_checkpoint_earlier():
    c = clock(handle=120, acknowledged_at=T0 + timedelta(minutes=5))
    assert run_all(c, policy(handle=120))[:4] == [
        ("handle", "remind", 60), ("handle", "warn", 90), ("handle", "breach", 120), ("handle", "escalate", 180)]


def test_an_unacknowledged_complaint_runs_the_acknowledge_clock_and_shares_one_ladder():
    steps = run_all(clock(), policy())
    assert steps[:6] == [
        ("acknowledge", "remind", 15), ("acknowledge", "warn", 22.5), ("acknowledge", "breach", 30),
        ("acknowledge", "escalate", 90), ("handle", "remind", 120), ("acknowledge", "escalate", 150),
    ]
    # Five levels in all, whichever deadline climbs them.
    assert sum(1 for s in steps if s[1] == "escalate") == len(LEVELS)
    assert ("handle", "breach", 240) in steps


def test_nothing_is_next_once_handled_or_closed():
    assert ladder.next_step(clock(status="handled", handled_at=T0), policy(), wall, []) is None
    assert ladder.next_step(clock(status="rejected"), policy(), wall, []) is None


def test_acknowledging_skips_the_rest_of_the_acknowledge_clock():
    c = clock(status="acknowledged", acknowledged_at=T0 + timedelta(minutes=20))
    step = ladder.next_step(c, policy(), wall, [])
    assert (step.deadline, step.action, minutes(step)) == ("handle", "remind", 120)


def test_triage_steps_only_matter_while_in_triage():
    c = clock(status="triage", triage_due_at=T0 + timedelta(minutes=30))
    first = ladder.next_step(c, policy(), wall, [])
    assert first.deadline == "triage" and ladder.audiences(first, has_agency=False) == ("supervisors",)
    moved = ComplaintClock(**{**c.__dict__, "status": "assigned"})
    assert ladder.next_step(moved, policy(), wall, []).deadline == "acknowledge"


def test_a_moved_deadline_gets_fresh_step_keys():
    a = ladder.next_step(clock(acknowledged_at=T0), policy(), wall, [])
    b = ladder.next_step(clock(handle=200, acknowledged_at=T0), policy(), wall, [])
    assert a.key != b.key and a.key.startswith("h.remind.0@")


def test_an_unreachable_level_is_skipped_at_once():
    reachable = {"agency_head", "regent_office"}
    choice = ladder.choose_level(LEVELS, 0, lambda level: level in reachable)
    assert (choice.level, choice.skipped) == ("agency_head", ("village_head", "camat"))
    choice = ladder.choose_level(LEVELS, 3, lambda level: level in reachable)
    assert (choice.level, choice.skipped) == ("regent_office", ("regional_secretary",))
    assert ladder.choose_level(LEVELS, 0, lambda level: False).level is None


def test_who_is_told_at_each_step():
    c = clock()
    by_action = {s.action: s for s in ladder.plan(c, policy(), wall) if s.deadline == "handle"}
    assert ladder.audiences(by_action["remind"], True) == ("assignee_or_duty",)
    assert ladder.audiences(by_action["warn"], True) == ("agency_head",)
    assert ladder.audiences(by_action["breach"], True) == ("supervisors", "agency_head", "reporter")
    assert ladder.audiences(by_action["escalate"], True) == ("ladder",)


def test_a_reminder_caught_up_after_its_deadline_is_not_sent():
    remind = next(s for s in ladder.plan(clock(), policy(), wall) if s.action == "remind")
    assert ladder.message_still_useful(remind, remind.due_at + timedelta(minutes=1))
    assert not ladder.message_still_useful(remind, remind.deadline_at)
    assert ladder.is_late(remind, remind.due_at + timedelta(minutes=5))
    assert not ladder.is_late(remind, remind.due_at + timedelta(seconds=2))


@given(handle=st.integers(min_value=10, max_value=10_000), ack=st.integers(min_value=1, max_value=600),
       f1=st.floats(min_value=0.05, max_value=0.95), repeat=st.integers(min_value=1, max_value=600))
def test_steps_always_fire_in_time_order_each_once_and_end(handle, ack, f1, repeat):
    c = clock(handle=handle, ack=ack)
    p = policy(handle=handle, ack=ack, fractions=(f1, min(f1 + 0.04, 0.99)), repeat=repeat, cap=1)
    steps = run_all(c, p)
    times = [s[2] for s in steps]
    assert times == sorted(times)
    assert len(steps) == len(set(steps))
    assert steps.count(("handle", "breach", handle)) == 1


def test_a_policy_names_the_ladder_levels_told_at_once_of_each_missed_deadline():
    raw = [{"level": "village_head", "told_of": []}, {"level": "camat", "told_of": ["acknowledge", "handle"]},
           {"level": "agency_head"}, "regent_office"]
    policy = ladder.LadderPolicy(fractions=(0.5,), levels=ladder.ladder_levels(raw), repeat_minutes=60,
                                 ack_minutes=30, handle_minutes=120, triage_minutes=30,
                                 told_at_breach=ladder.told_of(raw))
    due = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)
    handle = ladder.Step(ladder.HANDLE, ladder.BREACH, 0, due, due)
    ack = ladder.Step(ladder.ACKNOWLEDGE, ladder.BREACH, 0, due, due)
    assert ladder.audiences(handle, True, policy) == ("supervisors", "agency_head", "camat", "reporter")
    assert ladder.audiences(ack, True, policy) == ("supervisors", "agency_head", "camat", "reporter")
    assert ladder.told_of([{"level": "camat"}]) == (("acknowledge", ()), ("handle", ()))  # the default: the climb only
    assert ladder.audiences(ladder.Step(ladder.HANDLE, ladder.REMIND, 0, due, due), True, policy) == \
        ("assignee_or_duty",)


def test_past_the_top_the_top_levels_are_told_again_at_the_interval_never_more_than_the_cap_a_day():
    c = clock(acknowledged_at=T0 + timedelta(minutes=5))
    steps = run_all(c, policy(cap=3))
    repeats = [minute for deadline, action, minute in steps if action == ladder.REPEAT]
    # The top (5 levels) is reached at minute 540; repeats at 600, 660, 720, then a day after the first.
    assert repeats[:6] == [600, 660, 720, 600 + 1440, 660 + 1440, 720 + 1440]
    assert max(repeats) - 240 <= ladder.REPEAT_HORIZON.total_seconds() / 60
    assert ladder.top_levels(LEVELS) == ("regional_secretary", "regent_office")


def test_repeats_stop_once_someone_answers_after_the_deadline_but_not_for_an_earlier_acknowledgement():
    due = T0 + timedelta(minutes=240)
    step = ladder.Step(ladder.HANDLE, ladder.REPEAT, 1, T0 + timedelta(minutes=600), due)
    early = clock(acknowledged_at=T0 + timedelta(minutes=5), level=5)
    assert ladder.is_relevant(step, early)
    answered = clock(acknowledged_at=T0 + timedelta(minutes=5), level=5, alert_acknowledged_at=due + timedelta(hours=1))
    assert not ladder.is_relevant(step, answered)
    late_ack = clock(acknowledged_at=due + timedelta(minutes=1), level=5)
    assert not ladder.is_relevant(step, late_ack)


def test_a_repeat_caught_up_behind_a_later_due_one_is_overtaken():
    due = T0 + timedelta(minutes=240)
    first, second = (ladder.Step(ladder.HANDLE, ladder.REPEAT, j, T0 + timedelta(minutes=540 + 60 * j), due)
                     for j in (1, 2))
    assert ladder.repeat_overtaken(first, [first, second], second.due_at)
    assert not ladder.repeat_overtaken(first, [first, second], first.due_at)


@given(ack=st.integers(min_value=5, max_value=600), handle_extra=st.integers(min_value=1, max_value=3000),
       repeat=st.integers(min_value=1, max_value=240))
def test_the_acknowledge_ladder_runs_before_the_handle_deadline_and_the_handle_ladder_after_it(ack, handle_extra,
                                                                                               repeat):
    """What ladder.escalated_for relies on when the last step is no climb: a handle climb fired is the later."""
    c, p = clock(handle=ack + handle_extra, ack=ack), policy(handle=ack + handle_extra, ack=ack, repeat=repeat)
    ladder_steps = [s for s in ladder.plan(c, p, wall) if s.action in (ladder.ESCALATE, ladder.REPEAT)]
    assert all(s.due_at < c.handle_due_at for s in ladder_steps if s.deadline == ladder.ACKNOWLEDGE)
    assert all(s.due_at > c.handle_due_at for s in ladder_steps if s.deadline == ladder.HANDLE)
    top = ComplaintClock(**{**c.__dict__, "level": len(LEVELS)})  # repeats are planned once at the top
    repeats = [s for s in ladder.plan(top, p, wall) if s.action == ladder.REPEAT]
    assert all(s.due_at < c.handle_due_at for s in repeats if s.deadline == ladder.ACKNOWLEDGE)
    assert all(s.due_at > c.handle_due_at for s in repeats if s.deadline == ladder.HANDLE)


def test_escalated_for_names_the_deadline_of_the_last_climb_not_of_the_last_step():
    assert ladder.escalated_for(None, None) is None
    assert ladder.escalated_for("a.escalate.1@1", ["a.escalate.1@1"]) == ladder.ACKNOWLEDGE
    assert ladder.escalated_for("h.warn.1@2", ["a.escalate.1@1", "h.remind.0@2", "h.warn.1@2"]) == ladder.ACKNOWLEDGE
    assert ladder.escalated_for("h.repeat.1@2", ["a.escalate.5@1", "h.repeat.1@2"]) == ladder.HANDLE
    assert ladder.escalated_for("t.breach.0@1", ["t.breach.0@1", "a.breach.0@1"]) is None
