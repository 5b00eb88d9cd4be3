"""One rule for who sees a reporter in full: the staff web and the API show each role the same
name and phone (app.domain.privacy), and a partner system sees no more than any staff member."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.domain import privacy
from app.domain.actor import Actor
from app.models import Complaint, User
from app.services import lifecycle
from app.services.access import accounts
from tests.integration.web.conftest import DEMO_PASSWORD

PHONE, NAME = "+6281234567890", "Pak Budi"
# who, and whether they see the reporter in full
READERS = [("officer.dinsos", True), ("officer2.dinsos", False), ("head.dinsos", False), ("supervisor", True),
           ("official", False), ("admin", True)]


@pytest.fixture
def assigned(session, clock, make_complaint):
    """A complaint of Dinas Sosial assigned to officer.dinsos, and a second officer of the same agency."""
    accounts.create_user(session, clock.now(), username="officer2.dinsos", name="Rudi Hartono", role="officer",
                         password=DEMO_PASSWORD, agency_code="bwi-dinsos")
    complaint = make_complaint(minutes_ago=5, phone=PHONE)
    supervisor = session.scalar(select(User).where(User.username == "supervisor"))
    lifecycle.assign(session, clock.now(), complaint.ticket,
                     Actor(kind="user", id=supervisor.id, role="supervisor",
                           jurisdiction_id=complaint.jurisdiction_id, name=supervisor.name),
                     assignee="officer.dinsos")
    return complaint


def _web_reporter(browser, username: str, ticket: str) -> tuple[str, str]:
    browser.sign_in(username)
    page = browser.get(f"/complaints/{ticket}").get_data(as_text=True)
    browser.sign_out()
    found = re.search(r'<dd>([^<]*) · <span class="phone" data-phone>([^<]*)</span></dd>', page)
    assert found, f"{username}: no reporter on the page"
    return found.group(1), found.group(2)


def _api_reporter(client, session, clock, username: str, ticket: str) -> dict:
    user = session.scalar(select(User).where(User.username == username))
    jurisdiction = "banyuwangi" if user.role in ("supervisor", "official") else None
    _token, secret = accounts.create_token(session, clock.now(), role=user.role, name=f"{username}'s system",
                                           agency_code=user.agency.code if user.agency else None,
                                           jurisdiction_code=jurisdiction, user=user)
    session.commit()
    response = client.get(f"/api/v1/complaints/{ticket}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, (username, response.json)
    return response.json["reporter"]


@pytest.mark.parametrize("username,full", READERS)
def test_the_web_and_an_api_token_of_the_same_user_show_the_reporter_alike(browser, client, session, clock, assigned,
                                                                          username, full):
    api = _api_reporter(client, session, clock, username, assigned.ticket)
    web_name, web_phone = _web_reporter(browser, username, assigned.ticket)
    assert (web_name, web_phone) == (api["name"], api["phone"])
    if full:
        assert (api["name"], api["phone"]) == (NAME, PHONE)
    else:
        assert (api["name"], api["phone"], api["telegram_chat_id"]) == ("P. B.", "+628•••••••890", None)


def test_a_partner_sees_the_phone_masked_and_no_name_or_chat(client, session, clock):
    _token, secret = accounts.create_token(session, clock.now(), role="partner", name="Portal")
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    ticket = client.post("/api/v1/complaints", headers=headers, json={
        "jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon", "description": "Lapar",
        "reporter": {"name": NAME, "phone": PHONE}}).json["ticket"]
    api = client.get(f"/api/v1/complaints/{ticket}", headers=headers).json["reporter"]
    assert api == {"name": None, "phone": "+628•••••••890", "telegram_chat_id": None}
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    partner = Actor(kind="token", id=_token.id, role="partner")
    assert privacy.reporter_view(partner, complaint) == privacy.ReporterView(None, "+628•••••••890", None, False)


def test_an_officer_cannot_assign_a_colleagues_complaint_to_themself_to_read_the_reporter(browser, session, assigned):
    browser.sign_in("officer2.dinsos")
    browser.post(f"/complaints/{assigned.ticket}/actions", {"action": "assign", "assignee": "officer2.dinsos"})
    page = browser.get(f"/complaints/{assigned.ticket}").get_data(as_text=True)
    assert "agency head or a supervisor" in page  # the refusal, flashed
    assert PHONE not in page and "+628•••••••890" in page
    session.expire_all()
    assert session.get(Complaint, assigned.id).assignee.username == "officer.dinsos"
