"""The confidentiality choice at the counter, through the partner API and through Open311: an
optional field beside the existing ones; an anonymous report from these doors keeps no contact."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import Complaint, Reporter
from app.models.partner import Open311Request
from app.services.access import accounts

FORM = {"jurisdiction": "banyuwangi", "channel": "counter", "received_date": "2026-11-23", "received_time": "08:30",
        "category": "hunger", "district": "35.10.17", "reporter_name": "Bu Wartini",
        "reporter_phone": "081234567001", "reporter_language": "id"}
PHONE = "+6281234567001"


def reporters(session) -> int:
    return session.scalar(select(func.count()).select_from(Reporter))


def by_description(session, text) -> Complaint:
    session.expire_all()
    return session.scalar(select(Complaint).where(Complaint.description == text))


def test_the_counter_form_offers_the_choice_and_a_confidential_report_keeps_its_reporter(browser, session):
    browser.sign_in("officer.dinsos")
    page = browser.get("/intake").get_data(as_text=True)
    assert 'name="confidentiality" value="rahasia"' in page and 'name="confidentiality" value="anonim"' in page
    response = browser.post("/intake", {**FORM, "description": "Rahasia di loket", "confidentiality": "rahasia"})
    assert response.status_code == 303
    complaint = by_description(session, "Rahasia di loket")
    assert complaint.confidentiality == "rahasia" and complaint.reporter.phone == PHONE
    shown = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "RAHASIA" in shown or "CONFIDENTIAL" in shown  # what to tell the citizen at the counter


def test_an_anonymous_counter_report_keeps_no_name_or_number(browser, session):
    browser.sign_in("officer.dinsos")
    before = reporters(session)
    response = browser.post("/intake", {**FORM, "description": "Anonim di loket", "confidentiality": "anonim"})
    assert response.status_code == 303
    complaint = by_description(session, "Anonim di loket")
    assert complaint.confidentiality == "anonim" and complaint.reporter_id is None
    assert reporters(session) == before
    shown = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "ANONIM" in shown or "ANONYMOUS" in shown
    assert PHONE not in shown and "Wartini" not in shown


def test_the_counter_refuses_an_unknown_choice(browser, session):
    browser.sign_in("officer.dinsos")
    response = browser.post("/intake", {**FORM, "description": "Pilihan aneh", "confidentiality": "public"})
    assert response.status_code == 422
    assert by_description(session, "Pilihan aneh") is None


@pytest.fixture
def partner(session, clock):
    _token, secret = accounts.create_token(session, clock.now(), role="partner", name="Portal Desa")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


BODY = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon",
        "description": "Lansia tidak makan", "reporter": {"name": "Bu Wartini", "phone": "081234567001"}}


def test_the_api_takes_confidentiality_and_hides_a_confidential_reporter_from_the_partner(client, partner, session):
    response = client.post("/api/v1/complaints", headers=partner, json={**BODY, "confidentiality": "rahasia"})
    assert response.status_code == 201, response.json
    assert response.json["confidentiality"] == "rahasia" and response.json["reporter"] is None
    complaint = by_description(session, "Lansia tidak makan")
    assert complaint.reporter.phone == PHONE  # kept: supervisors see it, updates reach the citizen
    again = client.get(f"/api/v1/complaints/{complaint.ticket}", headers=partner).json
    assert again["reporter"] is None and PHONE not in str(again)


def test_the_api_keeps_no_reporter_for_an_anonymous_report(client, partner, session):
    before = reporters(session)
    response = client.post("/api/v1/complaints", headers=partner, json={**BODY, "confidentiality": "anonymous"})
    assert response.status_code == 201, response.json
    assert response.json["confidentiality"] == "anonim" and response.json["reporter"] is None
    assert reporters(session) == before
    assert by_description(session, "Lansia tidak makan").reporter_id is None


@pytest.mark.parametrize("value", ["public", 1, True, ["rahasia"]])
def test_the_api_refuses_an_unknown_choice_naming_the_field(client, partner, session, value):
    response = client.post("/api/v1/complaints", headers=partner, json={**BODY, "confidentiality": value})
    assert response.status_code == 422
    assert "confidentiality" in str(response.json)


def test_an_ordinary_api_report_says_normal(client, partner):
    response = client.post("/api/v1/complaints", headers=partner, json=BODY)
    assert response.json["confidentiality"] == "normal"
    assert response.json["reporter"] == {"name": None, "phone": "+628•••••••001", "telegram_chat_id": None}


OPEN311 = {"service_code": "hunger", "address_string": "Genteng Kulon, Genteng",
           "description": "Seorang lansia tidak makan sejak kemarin", "first_name": "Siti", "last_name": "Aminah",
           "phone": "081234567001", "email": "siti@example.org", "device_id": "hp-siti", "account_id": "siti-77"}


def test_open311_anonymous_request_keeps_no_contact_detail(client, partner, session):
    api_key = partner["Authorization"].split()[1]
    before = reporters(session)
    response = client.post("/open311/v2/requests.json", data={**OPEN311, "api_key": api_key,
                                                               "confidentiality": "anonim"})
    assert response.status_code == 201, response.get_data(as_text=True)
    ticket = response.json[0]["service_request_id"]
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    assert complaint.confidentiality == "anonim" and complaint.reporter_id is None
    assert reporters(session) == before
    extra = session.scalar(select(Open311Request).where(Open311Request.complaint_id == complaint.id))
    assert (extra.email, extra.device_id, extra.account_id) == (None, None, None)
    assert response.json[0]["account_id"] is None


def test_open311_confidential_request_and_a_refused_value(client, partner, session):
    api_key = partner["Authorization"].split()[1]
    response = client.post("/open311/v2/requests.json", data={**OPEN311, "api_key": api_key,
                                                               "confidentiality": "rahasia"})
    assert response.status_code == 201
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == response.json[0]["service_request_id"]))
    assert complaint.confidentiality == "rahasia" and complaint.reporter.phone == PHONE
    refused = client.post("/open311/v2/requests.json", data={**OPEN311, "api_key": api_key,
                                                              "confidentiality": "terbuka"})
    assert refused.status_code == 400 and "confidentiality" in refused.get_data(as_text=True)


def test_the_api_gives_the_submitting_partner_the_tracking_code_once_and_it_opens_the_status_page(client, partner,
                                                                                                  session):
    created = client.post("/api/v1/complaints", headers=partner, json={**BODY, "confidentiality": "anonim"})
    code, ticket = created.json["tracking_code"], created.json["ticket"]
    assert code and ticket
    page = client.post("/lacak", data={"ticket": ticket, "code": code})
    assert page.status_code == 200 and ticket in page.get_data(as_text=True)
    assert "tracking_code" not in client.get(f"/api/v1/complaints/{ticket}", headers=partner).json


def test_open311_gives_the_tracking_code_in_the_answer_to_post(client, partner):
    api_key = partner["Authorization"].split()[1]
    created = client.post("/open311/v2/requests.json", data={**OPEN311, "api_key": api_key}).json[0]
    page = client.post("/lacak", data={"ticket": created["service_request_id"], "code": created["tracking_code"]})
    assert page.status_code == 200
    xml = client.post("/open311/v2/requests.xml", data={**OPEN311, "api_key": api_key}).get_data(as_text=True)
    assert "<tracking_code>" in xml


def test_the_trail_says_which_choice_the_citizen_made(browser, session):
    browser.sign_in("officer.dinsos")
    response = browser.post("/intake", {**FORM, "description": "Pilihan di jejak", "confidentiality": "rahasia"})
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Laporan rahasia." in page or "Confidential report." in page
