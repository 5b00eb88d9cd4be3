"""/demo/citizen: supervisors and admins play a fictional citizen of their own through the same
dialogue as the webhook; never a real citizen's number, never in production."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.domain.actor import Actor
from app.domain.phone import demo_number, is_indonesian_mobile, to_e164
from app.models import Complaint, Event, Reporter, User
from app.services import lifecycle

PASSWORD = "sigap-demo-2026"
VICTIM = "+6281234599999"


def csrf_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else ""


def sign_in(client, username="supervisor"):
    response = client.post("/signin", data={"username": username, "password": PASSWORD,
                                            "csrf_token": csrf_token(client, "/signin")})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]


def send(client, **form):
    return client.post("/demo/citizen", data={**form, "csrf_token": csrf_token(client, "/demo/citizen")})


def send_as_stranger(client, **form):
    """A POST with a valid CSRF token from a page the user may open (the demo page itself is 403)."""
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return client.post("/demo/citizen", data={**form, "csrf_token": token})


def _user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def test_the_demo_page_needs_a_signed_in_staff_member(console_app):
    response = console_app.test_client().get("/demo/citizen")
    assert response.status_code == 302
    assert "/signin" in response.headers["Location"]


def test_a_newcomer_reports_by_demo_sms_and_sees_the_ticket_reply(console_app, session):
    client = console_app.test_client()
    sign_in(client)
    page = client.get("/demo/citizen")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Coba sebagai warga" in html
    assert "<script" not in html
    response = send(client, style="sms", body="LAPOR MAKAN Kemiren: nenek tidak makan")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    complaint = session.scalar(select(Complaint))
    assert complaint.channel == "sms" and complaint.reporter.phone == demo_number(_user(session, "supervisor").id)
    assert complaint.ticket in html
    assert "nenek tidak makan" in html


def test_whatsapp_style_creates_a_whatsapp_complaint_and_shows_outgoing_messages(console_app, session, clock):
    client = console_app.test_client()
    sign_in(client)
    send(client, style="whatsapp", body="LAPOR SEKOLAH Kemiren: anak tidak sekolah")
    complaint = session.scalar(select(Complaint))
    assert complaint.channel == "whatsapp"
    officer = _user(session, "officer.dispendik")
    actor = Actor(kind="user", id=officer.id, role=officer.role, agency_id=officer.agency_id)
    lifecycle.handle(session, clock.now(), complaint.ticket, actor, note="Guru datang ke rumah")
    html = client.get("/demo/citizen?style=whatsapp").get_data(as_text=True)
    assert "YA atau TIDAK" in html  # the console sender's queued question, visible on the page


def test_each_staff_member_plays_a_fictional_number_no_real_phone_has():
    numbers = {demo_number(user_id) for user_id in (1, 2, 42, 9_999_999)}
    assert len(numbers) == 4
    for number in numbers:
        assert number.startswith("+62800") and to_e164(number) == number  # the dialogue answers it
        assert not is_indonesian_mobile(number)  # and nobody may claim it for a real reporter


def test_the_demo_never_speaks_for_a_real_citizens_number(console_app, session, clock):
    """A real citizen's complaint (filed by SMS from their own phone) cannot be read, reopened or
    opted out from the demo, whatever phone the request names; the trail names the demo's own reporter."""
    from app.services.conversations import sms_dialogue

    sms_dialogue.handle_message(session, clock.now(), message_sid="SM" + "a" * 32, from_address=VICTIM,
                                to_address=None, body="LAPOR MAKAN Kemiren: nenek Sumirah tidak makan dua hari")
    victim = session.scalar(select(Complaint))
    officer = _user(session, "officer.dinsos")
    lifecycle.handle(session, clock.now(), victim.ticket, Actor(kind="user", id=officer.id, role=officer.role,
                                                                agency_id=officer.agency_id), note="Sembako diantar")
    client = console_app.test_client()
    sign_in(client, "admin")
    html = client.get(f"/demo/citizen?phone={VICTIM}").get_data(as_text=True)
    assert victim.ticket not in html and "Sumirah" not in html and "Sembako" not in html
    for body in (f"STATUS {victim.ticket}", f"TIDAK {victim.ticket}", "STOP"):
        send(client, phone=VICTIM, style="sms", body=body)
    html = client.get(f"/demo/citizen?phone={VICTIM}").get_data(as_text=True)
    assert "tidak ditemukan" in html  # not the demo citizen's: no status, no reopening
    assert "ditangani" not in html and "dibuka kembali" not in html and "Sumirah" not in html
    session.expire_all()
    assert session.get(Complaint, victim.id).status == "handled" and victim.reopened_count == 0
    assert session.scalar(select(Reporter).where(Reporter.phone == VICTIM)).opted_out is False
    send(client, style="sms", body="START")
    send(client, style="sms", body="LAPOR MAKAN Kemiren: tetangga lansia tidak makan")
    played = session.scalar(select(Reporter).where(Reporter.phone == demo_number(_user(session, "admin").id)))
    mine = session.scalar(select(Complaint).where(Complaint.id != victim.id))
    actors = set(session.scalars(select(Event.actor).where(Event.complaint_id == mine.id, Event.kind == "received")))
    assert mine.reporter_id == played.id and actors == {f"reporter:{played.id}"}


def test_only_supervisors_and_admins_may_play_the_citizen(console_app):
    for username in ("official", "officer.dispendik", "head.dinsos"):
        client = console_app.test_client()
        sign_in(client, username)
        assert client.get("/demo/citizen").status_code == 403, username
        assert send_as_stranger(client, style="sms", body="STOP").status_code == 403, username


def test_the_demo_page_is_absent_in_production_even_without_twilio(console_app):
    console_app.extensions["sigap"].settings.production = True
    client = console_app.test_client()
    assert client.get("/demo/citizen").status_code == 404
    console_app.extensions["sigap"].settings.production = False
    sign_in(client)
    console_app.extensions["sigap"].settings.production = True
    assert client.get("/demo/citizen").status_code == 404
    assert client.post("/demo/citizen", data={"body": "STOP"}).status_code in (400, 404)  # CSRF or absent


def test_the_demo_page_is_absent_when_twilio_is_configured(app, client):
    if "sms_demo" not in app.blueprints:
        from app.channels.sms.demo import demo_bp

        app.register_blueprint(demo_bp, url_prefix="/demo")
    sign_in(client)
    assert client.get("/demo/citizen").status_code == 404
