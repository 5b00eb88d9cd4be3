"""An API token bound to a staff user speaks as that user is now: it stops when the user is
deactivated, and carries the user's current role, agency and jurisdiction (not the copy made when
the token was created), on /api/v1 and Open311 alike."""
from __future__ import annotations

from sqlalchemy import select

from app.domain.actor import Actor
from app.models import User
from app.services import intake, lifecycle
from app.services.access import accounts

PHONE = "+6281234533333"


def _setup(session, clock):
    """A Dinas Pendidikan officer with a bound token, and a complaint assigned to them."""
    officer = accounts.create_user(session, clock.now(), username="officer2.dispendik", name="Sri Handayani",
                                   role="officer", password="a long password 1", agency_code="bwi-dispendik")
    _token, secret = accounts.create_token(session, clock.now(), role="officer", agency_code="bwi-dispendik",
                                           name="officer's script", user=officer)
    complaint = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="school_dropout",
                              description="Anak tidak sekolah sebulan", village="Kemiren",
                              reporter={"name": "Ibu Sumi", "phone": PHONE}, channel="counter")
    supervisor = session.scalar(select(User).where(User.username == "supervisor"))
    lifecycle.assign(session, clock.now(), complaint.ticket, Actor(kind="user", id=supervisor.id, role="supervisor",
                                                                   jurisdiction_id=complaint.jurisdiction_id),
                     assignee=officer.username)
    session.commit()
    return officer, {"Authorization": f"Bearer {secret}"}, complaint.ticket, secret


def test_a_deactivated_users_token_is_refused_at_once(client, session, clock):
    officer, headers, ticket, secret = _setup(session, clock)
    shown = client.get(f"/api/v1/complaints/{ticket}", headers=headers)
    assert shown.status_code == 200 and shown.json["reporter"]["phone"] == PHONE  # their own assignment
    accounts.set_active(session, clock.now(), officer, False)
    session.commit()
    assert client.get(f"/api/v1/complaints/{ticket}", headers=headers).status_code == 401
    acted = client.post(f"/api/v1/complaints/{ticket}/actions", json={"action": "handle", "note": "x"}, headers=headers)
    assert acted.status_code == 401
    assert client.get(f"/open311/v2/requests.json?api_key={secret}").status_code == 403
    accounts.set_active(session, clock.now(), officer, True)
    session.commit()
    assert client.get(f"/api/v1/complaints/{ticket}", headers=headers).status_code == 200


def test_a_token_carries_its_users_current_role_and_agency(client, session, clock):
    officer, headers, ticket, _secret = _setup(session, clock)
    accounts.set_role(session, clock.now(), officer, "official", jurisdiction_code="banyuwangi")
    session.commit()
    shown = client.get(f"/api/v1/complaints/{ticket}", headers=headers)
    assert shown.status_code == 200 and shown.json["reporter"]["phone"] != PHONE  # an official sees it masked
    acted = client.post(f"/api/v1/complaints/{ticket}/actions", json={"action": "handle", "note": "x"}, headers=headers)
    assert acted.status_code == 403 and "official" in acted.json["error"]["message"]

    accounts.set_role(session, clock.now(), officer, "officer", agency_code="bwi-dinsos")  # moved to Dinas Sosial
    session.commit()
    assert client.get(f"/api/v1/complaints/{ticket}", headers=headers).status_code == 404  # not their agency's now
