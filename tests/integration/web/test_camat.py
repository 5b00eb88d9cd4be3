"""The camat: sees the complaints located in their kecamatan, whichever agency holds them, on every
page, list, export and API route; comments and nudges the agency; never acts on its behalf."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Complaint, Event, OutboxMessage, User
from app.services.access import accounts

ACTING = ("acknowledge", "handle", "resolve", "reject", "transfer", "assign", "reopen", "link_repeat")


@pytest.fixture
def complaints(make_complaint):
    """Two in Glagah (Dinas Sosial, Dinas Pendidikan), one in Genteng."""
    return (make_complaint(district="Glagah"), make_complaint(category="school_dropout", district="Glagah"),
            make_complaint(district="Genteng", phone="+6281234500001"))


@pytest.fixture
def camat_token(session, clock):
    _token, secret = accounts.create_token(session, clock.now(), role="camat", jurisdiction_code="banyuwangi",
                                           district="Glagah", name="camat glagah")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_a_camat_sees_their_kecamatans_complaints_across_agencies_on_every_staff_page_and_no_other(
        browser, complaints):
    mine, school, other = complaints
    assert browser.sign_in("camat.glagah").status_code == 302
    board = browser.get("/dashboard/data.json").get_json()
    assert {row["ticket"] for row in board["complaints"]} == {mine.ticket, school.ticket}
    page = browser.get("/dashboard").get_data(as_text=True)
    assert mine.ticket in page and school.ticket in page and other.ticket not in page
    assert browser.get(f"/complaints/{school.ticket}").status_code == 200
    assert browser.get(f"/complaints/{other.ticket}").status_code == 404
    assert browser.get(f"/complaints/{other.ticket}/files/x").status_code == 404
    assert browser.post(f"/complaints/{other.ticket}/actions", {"action": "comment", "note": "?"}).status_code == 404
    report = browser.get("/performance/districts.csv?period=2026-11").get_data(as_text=True)
    assert "Glagah" in report and "Genteng" not in report
    assert browser.get("/performance/districts?period=2026-11").status_code == 200
    agency_report = browser.get("/performance/report.csv?period=2026-11&group_by=district").get_data(as_text=True)
    assert "Genteng" not in agency_report
    assert browser.get("/triage").status_code == 403
    assert browser.get("/settings/users").status_code == 403


def test_a_camat_cannot_act_on_the_agencys_behalf_in_the_web_or_the_api(browser, client, session, complaints,
                                                                        camat_token):
    mine = complaints[0]
    browser.sign_in("camat.glagah")
    page = browser.get(f"/complaints/{mine.ticket}").get_data(as_text=True)
    assert 'data-action="nudge"' in page and 'data-action="comment"' in page
    assert 'data-action="acknowledge"' not in page and 'data-action="handle"' not in page
    for action in ACTING:
        browser.post(f"/complaints/{mine.ticket}/actions",
                     {"action": action, "note": "done", "agency": "bwi-dispendik", "reason": "spam"})
        answer = client.post(f"/api/v1/complaints/{mine.ticket}/actions",
                             json={"action": action, "note": "done", "agency": "bwi-dispendik", "reason": "spam"},
                             headers=camat_token)
        assert answer.status_code == 403, (action, answer.json)
    session.expire_all()
    assert session.get(Complaint, mine.id).status == "assigned"
    assert session.get(Complaint, mine.id).agency.code == "bwi-dinsos"
    kinds = set(session.scalars(select(Event.kind).where(Event.complaint_id == mine.id)))
    assert not kinds & {"acknowledged", "handled", "resolved", "rejected", "transferred", "reopened", "linked_repeat"}


def test_a_camat_nudge_is_on_the_trail_and_tells_the_agencys_staff_through_the_outbox(browser, session, complaints):
    mine = complaints[0]
    officer = session.scalar(select(User).where(User.username == "officer.dinsos"))
    officer.phone = "+6281299900001"
    session.commit()
    browser.sign_in("camat.glagah")
    browser.post(f"/complaints/{mine.ticket}/actions", {"action": "comment", "note": "Rumahnya di belakang masjid"})
    browser.post(f"/complaints/{mine.ticket}/actions", {"action": "nudge", "note": "Warga menunggu"})
    camat = session.scalar(select(User).where(User.username == "camat.glagah"))
    events = {e.kind: e for e in session.scalars(select(Event).where(Event.complaint_id == mine.id))}
    assert events["commented"].note == "Rumahnya di belakang masjid" and events["commented"].actor == f"user:{camat.id}"
    assert events["nudged"].actor == f"user:{camat.id}" and events["nudged"].data["agency"] == "bwi-dinsos"
    told = session.scalars(select(OutboxMessage).where(OutboxMessage.complaint_id == mine.id,
                                                       OutboxMessage.template == "core.staff.nudged")).all()
    assert "+6281299900001" in {m.recipient for m in told}
    assert all("Hadi Susilo" in m.body and "Warga menunggu" in m.body for m in told)
    assert session.get(Complaint, mine.id).status == "assigned"


def test_a_camat_token_sees_only_its_kecamatan_in_every_api_list_and_read(client, session, clock, complaints,
                                                                          camat_token):
    mine, school, other = complaints
    listed = client.get("/api/v1/complaints", headers=camat_token).json["items"]
    assert {c["ticket"] for c in listed} == {mine.ticket, school.ticket}
    for path in (f"/api/v1/complaints/{other.ticket}", f"/api/v1/complaints/{other.ticket}/events",
                 f"/api/v1/complaints/{other.ticket}/files/1"):
        assert client.get(path, headers=camat_token).status_code == 404, path
    assert client.post(f"/api/v1/complaints/{other.ticket}/actions", json={"action": "nudge"},
                       headers=camat_token).status_code == 404
    assert client.get(f"/api/v1/complaints/{mine.ticket}/events", headers=camat_token).status_code == 200
    from app.services.sla import escalation

    clock.advance(minutes=31)
    escalation.run_due_steps(session, clock.now())
    breaches = client.get("/api/v1/breaches?kind=acknowledge", headers=camat_token).json["items"]
    assert {b["ticket"] for b in breaches} == {mine.ticket, school.ticket}
    report = client.get("/api/v1/performance/districts?period=2026-11", headers=camat_token).json
    assert [item["district"]["name"] for item in report["items"]] == ["Glagah"]
    nudged = client.post(f"/api/v1/complaints/{school.ticket}/actions", json={"action": "nudge"}, headers=camat_token)
    assert nudged.status_code == 200

