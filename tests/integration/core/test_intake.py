"""Intake: routing, deadlines, triage, tickets and validation, on the demo seed."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Complaint, Event, Reporter
from app.services import intake
from app.services.errors import ValidationFailed
from app.services.sla import policies


def test_hunger_in_a_banyuwangi_village_goes_to_dinas_sosial_with_four_hours(submit, clock):
    complaint = submit()
    assert complaint.agency.code == "bwi-dinsos"
    assert complaint.status == "assigned"
    assert complaint.village.name == "Genteng Kulon" and complaint.district.name == "Genteng"
    assert complaint.handle_due_at - complaint.received_at == timedelta(hours=4)
    assert complaint.ack_due_at - complaint.received_at == timedelta(minutes=30)
    assert complaint.ticket == f"BWI-2026-{complaint.seq:06d}"


def test_each_category_reaches_its_agency(submit):
    expected = {"school_dropout": "bwi-dispendik", "uninhabitable_house": "bwi-disperkim",
                "lone_elderly": "bwi-dinsos", "medical_care": "bwi-dinkes"}
    for category, agency in expected.items():
        assert submit(category=category).agency.code == agency


def test_a_complaint_with_no_routing_rule_goes_to_triage_with_its_own_short_deadline(submit, clock):
    complaint = submit(jurisdiction="sabu_raijua", category="medical_care", village=None, district="Sabu Barat")
    assert complaint.status == "triage" and complaint.agency is None
    assert complaint.triage_due_at == complaint.received_at + timedelta(minutes=30)
    assert complaint.ticket.startswith("SRJ-2026-")


def test_tickets_are_consecutive_per_jurisdiction(submit):
    a, b = submit(), submit()
    c = submit(jurisdiction="sabu_raijua", category="hunger", village=None, district="Sabu Barat")
    assert b.seq == a.seq + 1
    assert c.ticket.startswith("SRJ-")


def test_a_walk_in_report_keeps_its_real_time_of_receipt(submit, clock):
    earlier = clock.now() - timedelta(hours=1)
    complaint = submit(channel="counter", received_at=earlier)
    assert complaint.received_at == earlier
    assert complaint.handle_due_at == earlier + timedelta(hours=4)


def test_a_receipt_time_in_the_future_is_refused_and_nothing_is_stored(submit, session, clock):
    before = session.scalar(select(func.count(Complaint.id)))
    with pytest.raises(ValidationFailed, match="future"):
        submit(received_at=clock.now() + timedelta(hours=1))
    assert session.scalar(select(func.count(Complaint.id))) == before


def test_an_unknown_village_gets_did_you_mean(submit):
    with pytest.raises(ValidationFailed, match="Genteng Kulon"):
        submit(village="Gentng Kulon")


def test_a_village_name_found_in_two_districts_asks_for_the_district(submit):
    with pytest.raises(ValidationFailed, match="several districts"):
        submit(village="Karangrejo")
    assert submit(village="Karangrejo", district="Banyuwangi").district.name == "Banyuwangi"


@pytest.mark.parametrize("field,value,message", [
    ("category", "flood", "unknown category"),
    ("jurisdiction", "atlantis", "unknown jurisdiction"),
    ("description", "   ", "description is required"),
    ("channel", "pigeon", "unknown channel"),
    ("lat", 200, "lat must be between"),
])
def test_bad_fields_are_refused_with_a_clear_reason(submit, field, value, message):
    extra = {"lon": 114.3} if field == "lat" else {}
    with pytest.raises(ValidationFailed, match=message):
        submit(**{field: value}, **extra)


def test_the_reporter_is_found_again_by_phone_in_any_local_form(submit, session):
    first = submit(reporter={"name": "Siti", "phone": "0812-3456-7890"})
    second = submit(reporter={"phone": "+62 812 3456 7890"})
    assert first.reporter_id == second.reporter_id
    assert session.get(Reporter, first.reporter_id).phone == "+6281234567890"


def test_an_invalid_phone_is_refused(submit):
    with pytest.raises(ValidationFailed, match="phone"):
        submit(reporter={"phone": "12"})


def test_received_and_routed_events_open_the_trail(submit, session):
    complaint = submit()
    kinds = session.scalars(select(Event.kind).where(Event.complaint_id == complaint.id).order_by(Event.seq)).all()
    assert kinds == ["received", "routed"]


def test_switching_to_the_two_hour_rule_leaves_open_complaints_alone(submit, session, clock):
    old = submit()
    policies.set_target(session, clock.now(), jurisdiction_code="banyuwangi", handle_minutes=120,
                        effective_from=clock.now() + timedelta(minutes=10))
    session.commit()
    clock.advance(minutes=15)
    new = submit()
    assert new.handle_due_at - new.received_at == timedelta(hours=2)
    session.refresh(old)
    assert old.handle_due_at - old.received_at == timedelta(hours=4)
    assert new.sla_policy_id != old.sla_policy_id
    # A walk-in received before the switch keeps the 4-hour rule even if entered after it.
    late_entry = submit(channel="counter", received_at=clock.now() - timedelta(minutes=10))
    assert late_entry.handle_due_at - late_entry.received_at == timedelta(hours=4)
