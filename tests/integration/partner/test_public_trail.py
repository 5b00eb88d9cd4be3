"""What a partner system may read of a complaint's history: the status changes the citizen hears
of, never the staff's notes, who acted, who looked at it or whom an escalation reached."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from app.domain.actor import Actor
from app.models import Complaint, User
from app.services import audit, lifecycle
from app.services.sla import escalation

BODY = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon",
        "description": "Seorang lansia tidak makan sejak kemarin",
        "reporter": {"name": "Siti", "phone": "081234567890"}}
NOTES = ("Internal: tetangga bilang anaknya mampir", "Internal: bukan urusan kami", "Sembako diantar",
         "Internal: kepala desa menelepon")


def _user_actor(session, username):
    user = session.scalar(select(User).where(User.username == username))
    jurisdiction_id = user.jurisdiction_id or (user.agency.jurisdiction_id if user.agency else None)
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id, jurisdiction_id=jurisdiction_id,
                 name=user.name)


def _a_full_life(client, partner, session, clock) -> str:
    ticket = client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"]
    officer, supervisor = _user_actor(session, "officer.dinsos"), _user_actor(session, "supervisor")
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    audit.record_view(session, complaint, clock.now(), supervisor)
    lifecycle.assign(session, clock.now(), ticket, supervisor, assignee="officer.dinsos")
    clock.advance(hours=3)
    escalation.run_due_steps(session, clock.now())  # reminders and warnings to named staff
    lifecycle.acknowledge(session, clock.now(), ticket, officer, note=NOTES[0])
    lifecycle.transfer(session, clock.now(), ticket, officer, "bwi-dinkes", note=NOTES[1])
    dinkes = _user_actor(session, "officer.dinkes")
    clock.advance(minutes=10)
    lifecycle.handle(session, clock.now(), ticket, dinkes, note=NOTES[2])
    lifecycle.reopen(session, clock.now() + timedelta(minutes=1), ticket, supervisor, note=NOTES[3])
    return ticket


def test_a_partner_reads_only_the_public_part_of_the_history(client, bearer, session, clock):
    partner = bearer("partner")
    ticket = _a_full_life(client, partner, session, clock)
    response = client.get(f"/api/v1/complaints/{ticket}/events", headers=partner)
    assert response.status_code == 200
    items = response.json["items"]
    assert [e["kind"] for e in items] == ["received", "routed", "acknowledged", "transferred", "handled", "reopened"]
    assert items[1]["agency"] == "bwi-dinsos" and items[3]["agency"] == "bwi-dinkes"
    assert all(set(e) <= {"kind", "at", "agency", "reason"} for e in items)
    text = json.dumps(response.json)
    internal = ("user:", "token:", "hash", "Agus Santoso", "viewed", "reminded", "warned", "breached", "escalated",
                "recipients", "official")
    for secret in NOTES + internal:
        assert secret not in text, secret


def test_staff_keep_the_whole_trail_with_its_hash_chain(client, bearer, session, clock):
    ticket = _a_full_life(client, bearer("partner"), session, clock)
    body = client.get(f"/api/v1/complaints/{ticket}/events", headers=bearer("admin")).json
    assert body["chain_valid"] is True
    kinds = [e["kind"] for e in body["items"]]
    assert {"viewed", "assigned", "acknowledged", "transferred", "handled", "reopened"} <= set(kinds)
    assert all(e["hash"] and "prev_hash" in e and "actor" in e for e in body["items"])
    assert {e["note"] for e in body["items"]} >= set(NOTES)


def test_a_partners_view_of_its_complaint_names_no_officer_and_no_charged_official(client, bearer, session, clock):
    partner = bearer("partner")
    ticket = client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"]
    lifecycle.assign(session, clock.now(), ticket, _user_actor(session, "supervisor"), assignee="officer.dinsos")
    clock.advance(hours=5)
    escalation.run_due_steps(session, clock.now())  # both deadlines missed: breaches charged to the head
    seen = client.get(f"/api/v1/complaints/{ticket}", headers=partner).json
    assert seen["breaches"] and all(b["official"] is None for b in seen["breaches"])
    assert seen["assignee"] is None
    staff = client.get(f"/api/v1/complaints/{ticket}", headers=bearer("supervisor")).json
    assert staff["assignee"]["name"] and staff["breaches"][0]["official"]["name"]
