"""Repeats follow their original: a linked repeat never reminds, escalates or breaches on its own while
its original is open, and handling the original handles its repeats (their reporters told the same and
asked to confirm)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.domain.actor import Actor
from app.models import Breach, Event
from app.services import lifecycle
from tests.conftest import T0


def at(minutes: float):
    return T0 + timedelta(minutes=minutes)


def actor(sla, username):
    user = sla.user(username)
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.jurisdiction_id, name=user.name)


def original_and_repeat(sla):
    sla.reach("officer.dinsos")
    sla.reach("head.dinsos")
    original = sla.submit()
    repeat = sla.submit(at=at(20), reporter={"name": "Pak Budi", "phone": sla.phone()})
    lifecycle.link_repeat(sla.session, at(21), repeat.ticket, actor(sla, "officer.dinsos"), original.ticket)
    return original, repeat


def test_a_repeat_never_reminds_escalates_or_breaches_on_its_own_while_its_original_is_open(sla):
    original, repeat = original_and_repeat(sla)
    assert repeat.next_step is None and original.next_step is not None
    sla.tick(at(24 * 60))
    assert sla.events(original) and not sla.events(repeat)
    assert sla.session.scalar(select(Breach).where(Breach.complaint_id == repeat.id)) is None
    assert sla.session.scalar(select(Breach).where(Breach.complaint_id == original.id)) is not None


def test_handling_the_original_handles_its_repeats_and_asks_their_reporters_to_confirm(sla):
    original, repeat = original_and_repeat(sla)
    sla.tick(at(100))
    lifecycle.handle(sla.session, at(110), original.ticket, actor(sla, "officer.dinsos"),
                     note="Beras dan lauk diantar ke rumah Nenek Sumi")
    sla.session.refresh(repeat)
    assert (repeat.status, repeat.handled_at, repeat.next_step) == ("handled", at(110), None)
    handled = sla.session.scalar(select(Event).where(Event.complaint_id == repeat.id, Event.kind == "handled"))
    assert handled.data["with_original"] == original.ticket and handled.note == "Beras dan lauk diantar ke rumah Nenek Sumi"
    to_original = sla.messages(original, "core.handled")[0]
    [to_repeat] = sla.messages(repeat, "core.handled")
    assert to_repeat.recipient == repeat.reporter.phone and to_repeat.extra["ask"] == "confirm_handled"
    assert to_repeat.body.replace(repeat.ticket, "#") == to_original.body.replace(original.ticket, "#")
    # Nothing fires for the repeat afterwards either.
    sla.tick(at(24 * 60))
    assert not sla.events(repeat)


def test_a_rejected_original_gives_its_repeat_its_own_clock_back(sla):
    original, repeat = original_and_repeat(sla)
    lifecycle.reject(sla.session, at(30), original.ticket, actor(sla, "supervisor"), "spam")
    sla.session.refresh(repeat)
    assert repeat.next_step is not None
    sla.tick(at(24 * 60))
    assert any(e.kind == "breached" for e in sla.events(repeat))
