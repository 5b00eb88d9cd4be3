"""Alerts that do not stop at the top: past the last level the top levels are told again at the
policy's repeat interval, capped per day, until someone acts; and the regent's office's daily summary."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.domain.actor import Actor
from app.models import OutboxMessage
from app.models.sla_engine import LadderSummary
from app.services import lifecycle
from app.services.conversations import alert_replies
from app.services.sla import daily_summary
from tests.conftest import T0


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def setup(sla, **policy):
    sla.policy(**policy)
    c = sla.submit()
    sla.reach("officer.dinsos")
    sla.contact("camat", "Camat Glagah", district=c.village.district)
    sekda = sla.contact("regional_secretary", "Sekda Banyuwangi")
    regent = sla.contact("regent_office", "Kantor Bupati")
    user = sla.user("officer.dinsos")
    lifecycle.acknowledge(sla.session, at(5), c.ticket, Actor(kind="user", id=user.id, role=user.role,
                                                              agency_id=user.agency_id,
                                                              jurisdiction_id=user.jurisdiction_id))
    return c, sekda, regent


def repeats(sla, c):
    return [e for e in sla.events(c, ("escalated",)) if e.data.get("repeat")]


def climb_to_the_top(sla, c):
    for minute in (240, 300, 360):  # breach; village head skipped -> camat; agency head, sekda skipped... top
        sla.tick(at(minute))
    while c.sla_level < 5:
        sla.tick(c.next_step_at)


def test_repeat_alerts_fire_at_the_policys_interval_after_the_top_level(sla):
    c, sekda, regent = setup(sla, repeat_minutes=60)
    climb_to_the_top(sla, c)
    top_at = sla.events(c, ("escalated",))[-1].at
    assert c.next_step.startswith("h.repeat.1@")
    first = c.next_step_at
    assert sla.tick(first - timedelta(seconds=1)) == 0
    assert sla.tick(first) == 1
    [one] = repeats(sla, c)
    assert one.data["levels"] == ["regional_secretary", "regent_office"] and not one.data["late"]
    told = {m.recipient for m in sla.messages(c, "core.staff.escalate") if m.created_at == first}
    assert told == {sekda.phone, regent.phone}
    assert first > top_at and c.next_step_at - first == timedelta(minutes=60)
    assert sla.tick(first + timedelta(minutes=60)) == 1
    assert [e.data["repeat"] for e in repeats(sla, c)] == [1, 2]


def test_repeat_alerts_are_capped_per_day(sla):
    c, _sekda, _regent = setup(sla, repeat_minutes=60, repeat_daily_cap=3)
    climb_to_the_top(sla, c)
    first = c.next_step_at
    for k in range(3):
        assert sla.tick(first + timedelta(minutes=60 * k)) == 1
    # The fourth waits until a day after the first: never more than 3 in any 24 hours.
    assert c.next_step_at == first + timedelta(days=1)
    assert sla.tick(first + timedelta(hours=23)) == 0
    assert sla.tick(first + timedelta(days=1)) == 1
    assert len(repeats(sla, c)) == 4


def test_repeat_alerts_stop_when_the_agency_answers_an_alert(sla):
    c, _sekda, _regent = setup(sla, repeat_minutes=60)
    climb_to_the_top(sla, c)
    first = c.next_step_at
    assert sla.tick(first) == 1
    officer = sla.user("officer.dinsos")
    answer = alert_replies.answer(sla.session, first + timedelta(minutes=10), channel="sms", phone=officer.phone,
                                  text=f"OK {c.ticket}")
    sla.session.commit()
    assert answer.outcome == "alert_acknowledged"
    assert c.alert_acknowledged_at == first + timedelta(minutes=10)
    assert sla.tick(first + timedelta(days=3)) == 0
    assert len(repeats(sla, c)) == 1 and c.next_step is None


def test_the_regent_office_seeing_it_stops_the_repeats_but_a_camat_does_not(sla):
    c, _sekda, regent = setup(sla, repeat_minutes=60)
    climb_to_the_top(sla, c)
    first = c.next_step_at
    sla.tick(first)
    from app.models.sla_engine import EscalationContact

    glagah = sla.session.scalar(select(EscalationContact).where(EscalationContact.level == "camat"))
    seen = alert_replies.answer(sla.session, first + timedelta(minutes=1), channel="sms", phone=glagah.phone,
                                text=f"OK {c.ticket}")
    sla.session.commit()
    assert seen.outcome == "alert_seen" and c.alert_acknowledged_at is None
    assert sla.tick(first + timedelta(minutes=60)) == 1
    seen = alert_replies.answer(sla.session, first + timedelta(minutes=61), channel="sms", phone=regent.phone,
                                text="1")
    sla.session.commit()
    assert seen.outcome == "alert_seen" and c.status == "acknowledged"
    assert sla.tick(first + timedelta(days=2)) == 0 and len(repeats(sla, c)) == 2


def test_a_repeat_caught_up_after_downtime_is_recorded_and_only_the_latest_is_sent(sla):
    c, _sekda, _regent = setup(sla, repeat_minutes=60)
    climb_to_the_top(sla, c)
    first = c.next_step_at
    assert sla.tick(first + timedelta(minutes=150)) == 3  # down for two and a half hours
    caught = repeats(sla, c)
    assert [e.data["sent"] for e in caught] == [False, False, True]
    assert all(e.data["late"] for e in caught[:2])


def test_the_regent_office_gets_a_daily_summary_of_what_is_open_past_its_deadline(sla):
    sla.policy()
    regent = sla.contact("regent_office", "Kantor Bupati")
    late = sla.submit()
    on_time = sla.submit(at=at(22 * 60 - 30))
    jur = sla.jurisdiction()
    daily_summary.send_due(sla.session, at(0))  # day 1, 09:00 WIB: nothing is late yet

    def days():
        return [(r.day, r.open_count) for r in sla.session.scalars(
            select(LadderSummary).where(LadderSummary.jurisdiction_id == jur.id).order_by(LadderSummary.day))]

    assert days() == [("2026-11-23", 0)]
    # Day 2: nothing before 07:00 WIB (00:00 UTC), then one summary, once.
    daily_summary.send_due(sla.session, at(22 * 60 - 1))
    assert days() == [("2026-11-23", 0)]
    daily_summary.send_due(sla.session, at(22 * 60))
    daily_summary.send_due(sla.session, at(22 * 60 + 15))
    assert days() == [("2026-11-23", 0), ("2026-11-24", 1)]
    [message] = sla.session.scalars(select(OutboxMessage).where(OutboxMessage.template == daily_summary.TEMPLATE)
                                    .order_by(OutboxMessage.id)).all()
    assert message.recipient == regent.phone and late.ticket in message.body and on_time.ticket not in message.body
    assert "1 laporan masih terbuka" in message.body
