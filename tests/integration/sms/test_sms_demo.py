"""/demo/citizen: signed-in staff play the citizen through the same dialogue as the webhook."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.domain.actor import Actor
from app.models import Complaint, User
from app.services import lifecycle

PASSWORD = "sigap-demo-2026"


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
    response = send(client, phone="0812-0000-0042", style="sms", body="LAPOR MAKAN Kemiren: nenek tidak makan")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    complaint = session.scalar(select(Complaint))
    assert complaint.channel == "sms" and complaint.reporter.phone == "+6281200000042"
    assert complaint.ticket in html
    assert "nenek tidak makan" in html


def test_whatsapp_style_creates_a_whatsapp_complaint_and_shows_outgoing_messages(console_app, session, clock):
    client = console_app.test_client()
    sign_in(client)
    send(client, phone="081200000043", style="whatsapp", body="LAPOR SEKOLAH Kemiren: anak tidak sekolah")
    complaint = session.scalar(select(Complaint))
    assert complaint.channel == "whatsapp"
    officer = session.scalar(select(User).where(User.username == "officer.dispendik"))
    actor = Actor(kind="user", id=officer.id, role=officer.role, agency_id=officer.agency_id)
    lifecycle.handle(session, clock.now(), complaint.ticket, actor, note="Guru datang ke rumah")
    html = client.get("/demo/citizen?phone=%2B6281200000043&style=whatsapp").get_data(as_text=True)
    assert "YA atau TIDAK" in html  # the console sender's queued question, visible on the page


def test_an_invalid_demo_phone_number_is_explained(console_app, session):
    client = console_app.test_client()
    sign_in(client)
    response = send(client, phone="12", style="sms", body="LAPOR")
    assert "tidak valid" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_demo_page_is_absent_when_twilio_is_configured(app, client):
    if "sms_demo" not in app.blueprints:
        from app.channels.sms.demo import demo_bp

        app.register_blueprint(demo_bp, url_prefix="/demo")
    sign_in(client)
    assert client.get("/demo/citizen").status_code == 404
