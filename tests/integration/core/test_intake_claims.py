"""What a submitter may claim (issue 13): a partner cannot take over a citizen by naming their
phone or chat, cannot backdate a complaint into a breach, cannot pass it off as a citizen
channel's, and cannot put it anywhere on earth; staff at the counter keep what they need."""
from __future__ import annotations

import itertools
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Complaint, Event, Reporter
from app.services.conversations import sms_dialogue, telegram_dialogue
from app.services.conversations.telegram_dialogue import Inbound
from app.services.sla import escalation

CITIZEN_CHAT = 700_555_001
ATTACKER_CHAT = 700_666_002
CITIZEN_PHONE = "+6281234500077"
ATTACKER_PHONE = "+6281298765432"
BODY = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon",
        "description": "Seorang lansia tidak makan sejak kemarin"}
_updates = itertools.count(880_000_000)
_messages = itertools.count(1)


def telegram(session, clock, chat: int, kind: str, **fields) -> list[str]:
    """One private-chat update through the Telegram dialogue; the texts it answers."""
    outcome = telegram_dialogue.handle(session, clock.now(), Inbound(
        update_id=next(_updates), kind=kind, chat_id=chat, chat_type="private", user_id=chat,
        user_name="Siti" if chat == CITIZEN_CHAT else "Mallory", language_code="id", **fields))
    return [reply.text for reply in outcome.replies]


def report_by_telegram(session, clock, chat: int) -> Complaint:
    telegram(session, clock, chat, "command", command="lapor")
    telegram(session, clock, chat, "callback", callback_id="c1", callback_data="cat:hunger")
    telegram(session, clock, chat, "text", text="Kemiren")
    telegram(session, clock, chat, "text", text="Mbah Sumi sudah dua hari tidak makan")
    telegram(session, clock, chat, "callback", callback_id="c2", callback_data="rep:send")
    return session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()


def sms(session, clock, phone: str, body: str) -> list[str]:
    return sms_dialogue.handle_message(session, clock.now(), message_sid=f"SMclaims{next(_messages)}",
                                       from_address=phone, to_address=None, body=body).replies


def report_by_sms(session, clock, phone: str) -> Complaint:
    sms(session, clock, phone, "LAPOR MAKAN Genteng Kulon: Pak Darmo sekeluarga tidak makan sejak kemarin")
    return session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()


def handled(client, auth, ticket: str) -> None:
    officer = auth("officer", agency="bwi-dinsos")
    for action in ({"action": "acknowledge"}, {"action": "handle", "note": "Sembako diantar"}):
        r = client.post(f"/api/v1/complaints/{ticket}/actions", json=action, headers=officer)
        assert r.status_code == 200, r.json


def reveals(texts: list[str], ticket: str) -> bool:
    """Whether any answer tells about this ticket (rather than saying it is not found)."""
    return any(ticket in text and "tidak ditemukan" not in text and "not found" not in text for text in texts)


def count(session) -> int:
    return session.scalar(select(func.count(Complaint.id)))


# --- item 2: a partner cannot take over a citizen ---------------------------------------------

def test_a_partner_naming_a_citizens_phone_with_its_own_chat_gets_neither_their_chat_nor_their_complaints(
        client, auth, session, clock):
    by_telegram = report_by_telegram(session, clock, CITIZEN_CHAT)
    by_sms = report_by_sms(session, clock, CITIZEN_PHONE)
    # The citizen's own channels still bind their address: the chat on Telegram, the number by SMS.
    assert by_telegram.channel == "telegram" and by_telegram.reporter.telegram_chat_id == CITIZEN_CHAT
    assert by_telegram.reporter.name == "Siti"
    assert by_sms.channel == "sms" and by_sms.reporter.phone == CITIZEN_PHONE
    assert report_by_sms(session, clock, CITIZEN_PHONE).reporter_id == by_sms.reporter_id
    citizen = session.get(Reporter, by_sms.reporter_id)
    assert citizen.telegram_chat_id is None and citizen.language == "id"

    r = client.post("/api/v1/complaints", headers=auth("partner"), json={**BODY, "reporter": {
        "name": "Mallory", "phone": CITIZEN_PHONE, "telegram_chat_id": ATTACKER_CHAT, "language": "en"}})
    assert r.status_code == 201, r.json

    session.refresh(citizen)
    assert citizen.telegram_chat_id is None and citizen.language == "id" and citizen.name is None
    assert session.scalar(select(Reporter).where(Reporter.telegram_chat_id == ATTACKER_CHAT)) is None
    # The attacker's chat neither reads nor disputes the citizen's complaints.
    handled(client, auth, by_sms.ticket)
    clock.advance(minutes=5)
    said = telegram(session, clock, ATTACKER_CHAT, "command", command="status", args=by_sms.ticket)
    said += telegram(session, clock, ATTACKER_CHAT, "command", command="status")
    said += telegram(session, clock, ATTACKER_CHAT, "text", text="TIDAK")
    said += telegram(session, clock, ATTACKER_CHAT, "callback", callback_id="c3",
                     callback_data=f"confirm:no:{by_sms.ticket}")
    assert not reveals(said, by_sms.ticket) and not reveals(said, by_telegram.ticket)
    session.refresh(by_sms)
    assert by_sms.status == "handled" and by_sms.reopened_count == 0


def test_a_partner_naming_a_citizens_chat_with_its_own_phone_cannot_read_or_dispute_by_sms(
        client, auth, session, clock):
    by_telegram = report_by_telegram(session, clock, CITIZEN_CHAT)
    citizen = session.get(Reporter, by_telegram.reporter_id)
    assert citizen.phone is None

    r = client.post("/api/v1/complaints", headers=auth("partner"), json={**BODY, "reporter": {
        "phone": ATTACKER_PHONE, "telegram_chat_id": CITIZEN_CHAT, "language": "en"}})
    assert r.status_code == 201, r.json

    session.refresh(citizen)
    assert citizen.phone is None and citizen.language == "id"
    created = session.scalar(select(Complaint).where(Complaint.ticket == r.json["ticket"]))
    assert created.reporter_id != citizen.id  # a new phone is not the chat's owner
    assert created.reporter.phone == ATTACKER_PHONE and created.reporter.telegram_chat_id is None

    handled(client, auth, by_telegram.ticket)
    clock.advance(minutes=5)
    said = sms(session, clock, ATTACKER_PHONE, f"STATUS {by_telegram.ticket}")
    said += sms(session, clock, ATTACKER_PHONE, "STATUS")
    said += sms(session, clock, ATTACKER_PHONE, "TIDAK")
    assert not reveals(said, by_telegram.ticket)
    session.refresh(by_telegram)
    assert by_telegram.status == "handled" and by_telegram.reopened_count == 0


def test_a_claimed_phone_and_chat_never_make_one_reporter_that_a_later_citizen_would_inherit(
        client, auth, session, clock):
    # The partner names a number Sigap has never seen, with its own chat beside it ...
    r = client.post("/api/v1/complaints", headers=auth("partner"), json={**BODY, "reporter": {
        "phone": CITIZEN_PHONE, "telegram_chat_id": ATTACKER_CHAT}})
    assert r.status_code == 201, r.json
    # ... then the real owner of that number reports by SMS: their report is not the attacker chat's.
    own = report_by_sms(session, clock, CITIZEN_PHONE)
    assert own.reporter.telegram_chat_id is None
    said = telegram(session, clock, ATTACKER_CHAT, "command", command="status", args=own.ticket)
    said += telegram(session, clock, ATTACKER_CHAT, "command", command="status")
    assert not reveals(said, own.ticket)


def test_a_partner_naming_a_known_phone_files_under_that_reporter_unchanged(client, auth, session):
    first = client.post("/api/v1/complaints", headers=auth("partner"), json={**BODY, "reporter": {
        "name": "Siti", "phone": "081234567890", "language": "id"}}).json
    second = client.post("/api/v1/complaints", headers=auth("partner"), json={**BODY, "reporter": {
        "name": "Someone else", "phone": "+62 812 3456 7890", "language": "en"}}).json
    a, b = (session.scalar(select(Complaint).where(Complaint.ticket == x["ticket"])) for x in (first, second))
    assert a.reporter_id == b.reporter_id
    assert b.reporter.name == "Siti" and b.reporter.language == "id"


# --- item 5: partners do not backdate ----------------------------------------------------------

def test_a_partners_claimed_receipt_time_is_kept_as_information_and_deadlines_run_from_arrival(
        client, auth, session, clock):
    partner = auth("partner")
    claimed = clock.now() - timedelta(hours=5)
    r = client.post("/api/v1/complaints", headers=partner, json={**BODY, "received_at": claimed.isoformat()})
    assert r.status_code == 201, r.json
    assert r.json["received_at"] == "2026-11-23T02:00:00Z"
    assert r.json["handle_due_at"] == "2026-11-23T06:00:00Z" and r.json["ack_due_at"] == "2026-11-23T02:30:00Z"
    assert r.json["claimed_received_at"] == "2026-11-22T21:00:00Z"
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == r.json["ticket"]))
    received = session.scalar(select(Event).where(Event.complaint_id == complaint.id, Event.kind == "received"))
    assert received.data["claimed_received_at"].startswith("2026-11-22T21:00:00")

    clock.advance(minutes=1)
    escalation.run_due_steps(session, clock.now())
    got = client.get(f"/api/v1/complaints/{r.json['ticket']}", headers=partner).json
    assert got["ack_breached"] is False and got["handle_breached"] is False and got["breaches"] == []


def test_a_staff_tokens_walk_in_five_hours_ago_keeps_its_time_and_is_late(client, auth, session, clock):
    staff = auth("supervisor", jurisdiction="banyuwangi")
    claimed = clock.now() - timedelta(hours=5)
    r = client.post("/api/v1/complaints", headers=staff,
                    json={**BODY, "channel": "counter", "received_at": claimed.isoformat()})
    assert r.status_code == 201, r.json
    assert r.json["received_at"] == "2026-11-22T21:00:00Z" and r.json["claimed_received_at"] is None
    assert r.json["handle_due_at"] == "2026-11-23T01:00:00Z"

    clock.advance(minutes=1)
    escalation.run_due_steps(session, clock.now())
    got = client.get(f"/api/v1/complaints/{r.json['ticket']}", headers=staff).json
    assert got["ack_breached"] is True and got["handle_breached"] is True
    assert {b["kind"] for b in got["breaches"]} == {"acknowledge", "handle"}


def _received_event(session, ticket: str) -> Event:
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    return session.scalar(select(Event).where(Event.complaint_id == complaint.id, Event.kind == "received"))


def test_an_officer_cannot_backdate_a_complaint_that_goes_to_another_agency(client, auth, session, clock):
    """A Dinas Sosial officer entering a school dropout (Dinas Pendidikan's) 29 days back would make it
    born breached against that agency's head: refused, a supervisor enters such a report."""
    before = count(session)
    for role in ("officer", "agency_head"):
        r = client.post("/api/v1/complaints", headers=auth(role, agency="bwi-dinsos"), json={
            **BODY, "category": "school_dropout", "channel": "counter",
            "received_at": (clock.now() - timedelta(days=29)).isoformat()})
        assert r.status_code == 422 and r.json["error"]["code"] == "validation_failed", r.json
        assert "supervisor" in r.json["error"]["message"] and "Dinas Pendidikan" in r.json["error"]["message"]
    assert count(session) == before


def test_an_officer_backdates_their_own_agencys_walk_in_and_the_trail_says_how_late(client, auth, session, clock):
    r = client.post("/api/v1/complaints", headers=auth("officer", agency="bwi-dinsos"), json={
        **BODY, "channel": "counter", "received_at": (clock.now() - timedelta(hours=2)).isoformat()})
    assert r.status_code == 201, r.json
    assert r.json["received_at"] == "2026-11-23T00:00:00Z" and r.json["handle_due_at"] == "2026-11-23T04:00:00Z"
    assert _received_event(session, r.json["ticket"]).data["entered_late_minutes"] == 120


def test_a_supervisor_backdates_any_agencys_walk_in_and_a_report_typed_as_it_comes_in_is_no_backdating(
        client, auth, session, clock):
    r = client.post("/api/v1/complaints", headers=auth("supervisor", jurisdiction="banyuwangi"), json={
        **BODY, "category": "school_dropout", "channel": "phone",
        "received_at": (clock.now() - timedelta(days=2)).isoformat()})
    assert r.status_code == 201, r.json
    assert r.json["received_at"] == "2026-11-21T02:00:00Z"
    assert _received_event(session, r.json["ticket"]).data["entered_late_minutes"] == 2 * 24 * 60
    typed = client.post("/api/v1/complaints", headers=auth("officer", agency="bwi-dinsos"), json={
        **BODY, "category": "school_dropout", "channel": "counter",
        "received_at": (clock.now() - timedelta(minutes=10)).isoformat()})
    assert typed.status_code == 201 and typed.json["received_at"] == "2026-11-23T01:50:00Z", typed.json
    now = client.post("/api/v1/complaints", headers=auth("officer", agency="bwi-dinsos"), json=BODY)
    assert "entered_late_minutes" not in _received_event(session, now.json["ticket"]).data


# --- SMS pumping: only Indonesian mobile numbers are claimed for a reporter ---------------------

@pytest.mark.parametrize("phone", ["+19002345678", "+2302012345", "+447911123456", "+628001234567", "0333 423456"])
def test_a_partner_or_staff_token_may_name_only_an_indonesian_mobile_number(client, auth, session, clock, phone):
    before = count(session)
    for headers in (auth("partner"), auth("officer", agency="bwi-dinsos")):
        r = client.post("/api/v1/complaints", headers=headers, json={**BODY, "reporter": {"phone": phone}})
        assert r.status_code == 422 and "Indonesian mobile number" in r.json["error"]["message"], r.json
    assert count(session) == before
    ok = client.post("/api/v1/complaints", headers=auth("partner"), json={**BODY, "reporter": {"phone": "0812-3456-7890"}})
    assert ok.status_code == 201


def test_a_citizen_texting_from_any_number_is_answered_from_it(session, clock):
    """The number a citizen writes from is theirs, whatever kind (a visitor's foreign phone)."""
    replies = sms(session, clock, "+447911123456", "LAPOR MAKAN Genteng Kulon: Pak Darmo tidak makan sejak kemarin")
    assert "BWI-2026-" in replies[0]
    assert session.scalar(select(Reporter).where(Reporter.phone == "+447911123456")) is not None
    sms(session, clock, "+447911123456", "STOP")
    assert session.scalar(select(Reporter).where(Reporter.phone == "+447911123456")).opted_out


# --- item 16: the channel follows the credential -----------------------------------------------

@pytest.mark.parametrize("channel", ["telegram", "sms", "whatsapp", "web", "counter", "phone", "open311"])
def test_a_partner_cannot_claim_another_channel(client, auth, session, channel):
    before = count(session)
    r = client.post("/api/v1/complaints", headers=auth("partner"), json={**BODY, "channel": channel})
    assert r.status_code == 422 and r.json["error"]["code"] == "validation_failed", r.json
    assert "channel" in r.json["error"]["message"] and "follows the credential" in r.json["error"]["message"]
    assert count(session) == before


@pytest.mark.parametrize("channel", ["telegram", "sms", "whatsapp", "web", "open311"])
def test_a_staff_token_may_not_claim_a_citizen_channel_either(client, auth, session, channel):
    before = count(session)
    r = client.post("/api/v1/complaints", headers=auth("supervisor", jurisdiction="banyuwangi"),
                    json={**BODY, "channel": channel})
    assert r.status_code == 422 and "channel" in r.json["error"]["message"], r.json
    assert count(session) == before


def test_partners_file_api_complaints_while_staff_tokens_may_also_enter_counter_and_phone(client, auth):
    partner = auth("partner")
    assert client.post("/api/v1/complaints", headers=partner, json=BODY).json["channel"] == "api"
    assert client.post("/api/v1/complaints", headers=partner, json={**BODY, "channel": "api"}).json["channel"] == "api"
    assert client.post("/api/v1/complaints", headers=partner, json={**BODY, "channel": "counter"}).status_code == 422
    staff = auth("officer", agency="bwi-dinsos")
    for channel in ("api", "counter", "phone"):
        r = client.post("/api/v1/complaints", headers=staff, json={**BODY, "channel": channel})
        assert r.status_code == 201 and r.json["channel"] == channel, r.json


# --- item 16: coordinates are numbers inside the jurisdiction ----------------------------------

@pytest.mark.parametrize("lat,lon,field", [
    (True, 114.3, "lat"), (-8.2, False, "lon"), ("-8.2", 114.3, "lat"), ([-8.2], 114.3, "lat"),
    ({"v": -8.2}, 114.3, "lat"), (-8.2, "114.3", "lon"),
])
def test_a_coordinate_that_is_not_a_json_number_is_refused_naming_the_field(client, auth, session, lat, lon, field):
    before = count(session)
    r = client.post("/api/v1/complaints", headers=auth("partner"), json={**BODY, "lat": lat, "lon": lon})
    assert r.status_code == 422 and r.json["error"]["code"] == "validation_failed", r.json
    assert r.json["error"]["message"].startswith(f"{field} must be a JSON number")
    assert count(session) == before


@pytest.mark.parametrize("lat,lon", [(-6.2, 106.8), (51.5, -0.12), (-10.5, 121.8), (-8.3, -114.2), (0, 0)])
def test_a_point_outside_the_jurisdiction_is_refused_and_one_inside_is_stored(client, auth, session, lat, lon):
    before = count(session)
    r = client.post("/api/v1/complaints", headers=auth("partner"), json={**BODY, "lat": lat, "lon": lon})
    assert r.status_code == 422, r.json
    assert "the location is outside Kabupaten Banyuwangi" in r.json["error"]["message"]
    assert count(session) == before
    r = client.post("/api/v1/complaints", headers=auth("partner"), json={**BODY, "lat": -8.3712, "lon": 114.1513})
    assert r.status_code == 201 and (r.json["lat"], r.json["lon"]) == (-8.3712, 114.1513)


def test_a_latitude_too_large_for_a_float_is_a_422_not_a_500(client, auth, session):
    raw = json.dumps({**BODY, "lon": 114.3}).rstrip("}") + ', "lat": 1' + "0" * 400 + "}"
    r = client.post("/api/v1/complaints", headers=auth("partner"), data=raw, content_type="application/json")
    assert r.status_code == 422 and r.json["error"]["message"].startswith("lat"), r.json


