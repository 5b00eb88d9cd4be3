"""What an Open311 request may claim (issue 13): it names a reporter without changing them, and
its point must lie in the jurisdiction."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import Complaint, Reporter
from app.services.conversations import sms_dialogue

CITIZEN_PHONE = "+6281234500077"


def count(session):
    return session.scalar(select(func.count(Complaint.id)))


def test_a_request_naming_a_citizens_phone_changes_neither_their_name_nor_their_language(
        post_request, session, clock):
    sms_dialogue.handle_message(session, clock.now(), message_sid="SMo311claims1", from_address=CITIZEN_PHONE,
                                to_address=None, body="LAPOR MAKAN Genteng Kulon: Pak Darmo tidak makan sejak kemarin")
    citizen = session.scalar(select(Reporter).where(Reporter.phone == CITIZEN_PHONE))
    assert citizen is not None and citizen.name is None and citizen.language == "id"

    r = post_request(phone="0812-3450-0077", first_name="Mallory", last_name="Evil", locale="en")
    assert r.status_code == 201, r.get_data(as_text=True)

    session.refresh(citizen)
    assert citizen.name is None and citizen.language == "id"
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == r.json[0]["service_request_id"]))
    assert complaint.reporter_id == citizen.id and complaint.channel == "open311"


@pytest.mark.parametrize("jurisdiction,lat,lon", [
    ("banyuwangi", "-6.2", "106.8"),  # Jakarta
    ("banyuwangi", "-10.5", "121.8"),  # Sabu, another regency
    ("sabu_raijua", "-8.38", "114.21"),  # Banyuwangi, seen from Sabu Raijua
    ("banyuwangi", "51.5", "-0.12"),  # London
])
def test_a_point_outside_the_jurisdiction_is_refused_with_400_and_one_inside_is_kept(
        post_request, make_key, session, jurisdiction, lat, lon):
    key = make_key("partner")
    before = count(session)
    r = post_request(key=key, jurisdiction_id=jurisdiction, address_string=None, lat=lat, long=lon)
    assert r.status_code == 400, r.get_data(as_text=True)
    assert "the location is outside Kabupaten" in r.json[0]["description"]
    assert count(session) == before
    inside = {"banyuwangi": ("-8.38", "114.21"), "sabu_raijua": ("-10.5", "121.8")}[jurisdiction]
    r = post_request(key=key, jurisdiction_id=jurisdiction, address_string=None, lat=inside[0], long=inside[1])
    assert r.status_code == 201, r.get_data(as_text=True)
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == r.json[0]["service_request_id"]))
    assert (complaint.lat, complaint.lon) == (float(inside[0]), float(inside[1])) and complaint.channel == "open311"


@pytest.mark.parametrize("phone", ["+19002345678", "+2302012345", "+447911123456", "0800 1234567", "0333 423456"])
def test_a_request_can_give_sigap_only_an_indonesian_mobile_number_to_text(post_request, session, phone):
    """SMS pumping: a leaked api_key must not make Sigap text premium-rate or foreign numbers."""
    before = count(session)
    r = post_request(phone=phone)
    assert r.status_code == 400 and "Indonesian mobile number" in r.json[0]["description"], r.get_data(as_text=True)
    assert count(session) == before
