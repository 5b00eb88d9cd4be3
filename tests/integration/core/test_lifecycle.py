"""Lifecycle actions: who may do what, what the clock does, what the trail records."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain.actor import Actor
from app.models import Agency, Breach, Event, User
from app.services import lifecycle
from app.services.errors import Forbidden, IllegalTransition, NotFound, ValidationFailed
from app.services.lifecycle import complaint_files
from tests.images import jpeg


@pytest.fixture
def staff(session):
    def _actor(username: str) -> Actor:
        user = session.scalar(select(User).where(User.username == username))
        return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                     jurisdiction_id=user.jurisdiction_id or (user.agency.jurisdiction_id if user.agency else None),
                     name=user.name)
    return _actor


def kinds(session, complaint):
    return session.scalars(select(Event.kind).where(Event.complaint_id == complaint.id).order_by(Event.seq)).all()


def test_officer_acknowledges_then_handles_with_a_note(submit, session, clock, staff):
    c = submit()
    officer = staff("officer.dinsos")
    clock.advance(minutes=10)
    lifecycle.acknowledge(session, clock.now(), c.ticket, officer)
    clock.advance(minutes=50)
    c = lifecycle.handle(session, clock.now(), c.ticket, officer, note="Paket sembako diantar")
    assert c.status == "handled"
    assert c.acknowledged_at == c.received_at + timedelta(minutes=10)
    assert c.handled_at == c.received_at + timedelta(hours=1)
    assert kinds(session, c)[-2:] == ["acknowledged", "handled"]


def test_handling_without_a_note_is_refused(submit, session, clock, staff):
    c = submit()
    with pytest.raises(ValidationFailed, match="note"):
        lifecycle.handle(session, clock.now(), c.ticket, staff("officer.dinsos"), note="  ")


def test_handling_implies_acknowledging_but_records_both(submit, session, clock, staff):
    c = submit()
    c = lifecycle.handle(session, clock.now(), c.ticket, staff("officer.dinsos"), note="Kunjungan")
    assert c.acknowledged_at == c.handled_at
    assert kinds(session, c)[-2:] == ["acknowledged", "handled"]


def test_a_policy_asking_for_proof_refuses_handling_without_photo(submit, session, clock, staff, tmp_path):
    c = submit()
    c.sla_policy.evidence_photo = True
    session.flush()
    with pytest.raises(ValidationFailed, match="photo"):
        lifecycle.handle(session, clock.now(), c.ticket, staff("officer.dinsos"), note="Kunjungan")
    photo = complaint_files.store(session, clock.now(), c, jpeg(), staff("officer.dinsos"), tmp_path)
    c = lifecycle.handle(session, clock.now(), c.ticket, staff("officer.dinsos"), note="Kunjungan",
                         evidence={"photo": photo.ref})
    assert c.handle_evidence == {"photo": photo.ref}


def test_an_illegal_transition_is_refused_by_name(submit, session, clock, staff):
    c = submit()
    with pytest.raises(IllegalTransition, match="cannot resolve a complaint that is assigned"):
        lifecycle.resolve(session, clock.now(), c.ticket, staff("officer.dinsos"))


def test_an_officer_cannot_see_or_act_on_another_agencys_complaint(submit, session, clock, staff):
    c = submit(category="school_dropout")
    with pytest.raises(NotFound):
        lifecycle.acknowledge(session, clock.now(), c.ticket, staff("officer.dinsos"))


def test_only_supervisors_reject_and_a_duplicate_names_its_original(submit, session, clock, staff):
    original, repeat = submit(), submit()
    with pytest.raises(Forbidden):
        lifecycle.reject(session, clock.now(), repeat.ticket, staff("officer.dinsos"), reason="spam")
    with pytest.raises(ValidationFailed, match="duplicate_of"):
        lifecycle.reject(session, clock.now(), repeat.ticket, staff("supervisor"), reason="duplicate")
    c = lifecycle.reject(session, clock.now(), repeat.ticket, staff("supervisor"), reason="duplicate",
                         duplicate_of=original.ticket)
    assert c.status == "rejected" and c.duplicate_of_id == original.id


def test_a_transfer_keeps_the_clock_running(submit, session, clock, staff):
    c = submit()
    due = c.handle_due_at
    clock.advance(hours=1)
    c = lifecycle.transfer(session, clock.now(), c.ticket, staff("officer.dinsos"), agency="bwi-dinkes",
                           note="Bukan wewenang kami: butuh berobat")
    assert c.agency.code == "bwi-dinkes"
    assert c.handle_due_at == due
    # The old agency no longer sees it; the new one does.
    with pytest.raises(NotFound):
        lifecycle.acknowledge(session, clock.now(), c.ticket, staff("officer.dinsos"))
    lifecycle.acknowledge(session, clock.now(), c.ticket, staff("officer.dinkes"))


def test_a_supervisor_assigns_a_triage_complaint_to_an_agency(submit, session, clock, staff):
    c = submit(jurisdiction="sabu_raijua", category="medical_care", village=None, district="Sabu Barat")
    c = lifecycle.assign(session, clock.now(), c.ticket, staff("supervisor.srj"), agency="srj-dinkes")
    assert c.status == "assigned" and c.agency.code == "srj-dinkes" and c.triage_due_at is None


def test_a_supervisor_of_one_jurisdiction_cannot_touch_another(submit, session, clock, staff):
    c = submit()
    with pytest.raises(NotFound):
        lifecycle.reject(session, clock.now(), c.ticket, staff("supervisor.srj"), reason="spam")


def test_reassigning_within_the_agency_names_the_officer(submit, session, clock, staff):
    c = submit()
    c = lifecycle.assign(session, clock.now(), c.ticket, staff("head.dinsos"), assignee="officer.dinsos")
    assert c.assignee.username == "officer.dinsos"
    with pytest.raises(ValidationFailed, match="does not work"):
        lifecycle.assign(session, clock.now(), c.ticket, staff("head.dinsos"), assignee="officer.dinkes")


def test_an_officer_takes_an_unassigned_complaint_or_hands_on_their_own_but_never_takes_anothers(
        submit, session, clock, staff):
    from app.services.access import accounts

    accounts.create_user(session, clock.now(), username="officer2.dinsos", name="Rudi", role="officer",
                         agency_code="bwi-dinsos")
    c = submit()
    c = lifecycle.assign(session, clock.now(), c.ticket, staff("officer.dinsos"), assignee="officer.dinsos")  # takes it
    with pytest.raises(Forbidden, match="agency head or a supervisor"):  # to read the reporter in full
        lifecycle.assign(session, clock.now(), c.ticket, staff("officer2.dinsos"), assignee="officer2.dinsos")
    session.rollback()
    c = lifecycle.assign(session, clock.now(), c.ticket, staff("officer.dinsos"), assignee="officer2.dinsos")  # hands on
    assert c.assignee.username == "officer2.dinsos"
    with pytest.raises(Forbidden):
        lifecycle.assign(session, clock.now(), c.ticket, staff("officer.dinsos"), assignee="officer.dinsos")
    session.rollback()
    for who in ("head.dinsos", "supervisor"):
        c = lifecycle.assign(session, clock.now(), c.ticket, staff(who), assignee="officer.dinsos")
        assert c.assignee.username == "officer.dinsos"
        c = lifecycle.assign(session, clock.now(), c.ticket, staff(who), assignee="officer2.dinsos")
        assert c.assignee.username == "officer2.dinsos"


def test_a_repeat_report_takes_the_earliest_reports_deadline(submit, session, clock, staff):
    first = submit()
    clock.advance(hours=2)
    second = submit()
    assert second.handle_due_at == first.handle_due_at + timedelta(hours=2)
    second = lifecycle.link_repeat(session, clock.now(), second.ticket, staff("officer.dinsos"),
                                   of_ticket=first.ticket)
    assert second.repeat_of_id == first.id
    assert second.handle_due_at == first.handle_due_at
    assert second.ack_due_at == first.ack_due_at


def test_an_officer_links_within_the_agency_and_never_learns_another_agencys_report(submit, session, clock, staff):
    dinkes = submit(category="medical_care")
    clock.advance(hours=1)
    earlier = submit()
    # A supervisor links across agencies: the dinsos report now follows the dinkes one.
    earlier = lifecycle.link_repeat(session, clock.now(), earlier.ticket, staff("supervisor"), of_ticket=dinkes.ticket)
    assert earlier.repeat_of_id == dinkes.id
    clock.advance(hours=1)
    later = submit()
    officer = staff("officer.dinsos")
    with pytest.raises(NotFound) as unseen:
        lifecycle.link_repeat(session, clock.now(), later.ticket, officer, of_ticket=dinkes.ticket)
    assert str(unseen.value.message) == f"no complaint with ticket {dinkes.ticket!r}"
    # Linked to the report the officer named, not to the chain's root in another agency; the
    # deadlines still follow the root's, through the report they may see.
    later = lifecycle.link_repeat(session, clock.now(), later.ticket, officer, of_ticket=earlier.ticket)
    assert later.repeat_of_id == earlier.id
    assert later.handle_due_at == earlier.handle_due_at
    event = session.scalars(select(Event).where(Event.complaint_id == later.id, Event.kind == "linked_repeat")).one()
    assert event.data["of"] == earlier.ticket


def test_the_citizen_saying_not_handled_reopens_and_flags_it(submit, session, clock, staff):
    c = submit()
    lifecycle.handle(session, clock.now(), c.ticket, staff("officer.dinsos"), note="Kunjungan")
    citizen = Actor(kind="reporter", id=c.reporter_id)
    c = lifecycle.reopen(session, clock.now(), c.ticket, citizen, note="Tidak ada yang datang")
    assert c.status == "assigned" and c.reopened_count == 1 and c.handled_at is None
    assert kinds(session, c)[-1] == "reopened"
    other = submit(reporter={"phone": "081399998888"})
    with pytest.raises(NotFound):
        lifecycle.reopen(session, clock.now(), other.ticket, citizen)


def test_meeting_a_breached_deadline_records_how_late(submit, session, clock, staff):
    c = submit()
    agency = session.get(Agency, c.agency_id)
    session.add(Breach(complaint_id=c.id, kind="handle", agency_id=agency.id, due_at=c.handle_due_at,
                       detected_at=c.handle_due_at, official_name=agency.head_name))
    session.flush()
    clock.set(c.handle_due_at + timedelta(minutes=37, seconds=5))
    lifecycle.handle(session, clock.now(), c.ticket, staff("officer.dinsos"), note="Terlambat, sudah dikunjungi")
    breach = session.scalar(select(Breach).where(Breach.complaint_id == c.id))
    assert breach.met_at == clock.now() and breach.minutes_late == 38
