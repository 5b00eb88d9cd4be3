"""The Twilio inbound webhook: signatures, idempotency, TwiML replies, the one-shot report, WhatsApp."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import Complaint, Reporter
from app.models.sms import SmsInboundMessage

from tests.integration.sms.conftest import CITIZEN, PUBLIC_BASE_URL, twiml_messages


def complaints(session) -> list[Complaint]:
    return list(session.scalars(select(Complaint).order_by(Complaint.id)))


def test_one_shot_lapor_creates_a_routed_complaint_and_replies_with_the_ticket(twilio, session):
    replies = twilio.replies("LAPOR MAKAN Kemiren: nenek tinggal sendiri tidak makan 2 hari")
    [complaint] = complaints(session)
    assert complaint.channel == "sms"
    assert complaint.category.code == "hunger"
    assert complaint.village.name.lower() == "kemiren"
    assert complaint.reporter.phone == CITIZEN
    assert complaint.agency.code == "bwi-dinsos"
    [reply] = replies
    assert complaint.ticket in reply
    assert "Dinas Sosial" in reply
    assert "13:00 WIB" in reply  # 09:00 WIB + 4 hours


def test_reply_is_twiml_xml(twilio):
    response = twilio.send("BANTUAN")
    assert response.status_code == 200
    assert response.content_type.startswith("text/xml")
    assert "<Response><Message>" in response.get_data(as_text=True)


def test_tampered_body_is_refused_with_403_and_creates_nothing(twilio, client, session):
    form = twilio.inbound_form("LAPOR MAKAN Kemiren: nenek tidak makan")
    signature = twilio.sign("/webhooks/twilio/sms", form)
    form["Body"] = "LAPOR MAKAN Kemiren: sesuatu yang lain"
    response = twilio.post("/webhooks/twilio/sms", form, signature=signature)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert complaints(session) == []


def test_missing_signature_and_wrong_token_are_refused(twilio, client):
    form = twilio.inbound_form("BANTUAN")
    assert client.post("/webhooks/twilio/sms", data=form).status_code == 403
    from twilio.request_validator import RequestValidator

    forged = RequestValidator("not-the-token").compute_signature(PUBLIC_BASE_URL + "/webhooks/twilio/sms", form)
    assert twilio.post("/webhooks/twilio/sms", form, signature=forged).status_code == 403


def test_signature_over_the_internal_url_fails_when_a_public_base_url_is_set(twilio):
    form = twilio.inbound_form("BANTUAN")
    internal = twilio.validator.compute_signature("http://localhost/webhooks/twilio/sms", form)
    assert twilio.post("/webhooks/twilio/sms", form, signature=internal).status_code == 403


def test_without_a_public_base_url_the_request_url_is_what_is_signed(app, twilio):
    app.extensions["sigap"].settings.public_base_url = None
    form = twilio.inbound_form("BANTUAN")
    signature = twilio.validator.compute_signature("http://localhost/webhooks/twilio/sms", form)
    assert twilio.post("/webhooks/twilio/sms", form, signature=signature).status_code == 200


def test_console_mode_refuses_the_webhook(console_app):
    response = console_app.test_client().post("/webhooks/twilio/sms", data={"MessageSid": "SM1", "Body": "x"},
                                              headers={"X-Twilio-Signature": "abc"})
    assert response.status_code == 403


def test_a_retried_webhook_returns_the_same_reply_and_creates_nothing_new(twilio, session):
    form = twilio.inbound_form("LAPOR LANSIA Kemiren: kakek sendirian sakit")
    first = twilio.post("/webhooks/twilio/sms", form)
    again = twilio.post("/webhooks/twilio/sms", form)
    assert first.status_code == again.status_code == 200
    assert twiml_messages(first.get_data(as_text=True)) == twiml_messages(again.get_data(as_text=True))
    assert len(complaints(session)) == 1
    assert session.scalar(select(func.count()).select_from(SmsInboundMessage)) == 1


def test_whatsapp_reports_keep_the_whatsapp_channel(twilio, session):
    replies = twilio.replies("lapor sekolah Kemiren: anak 10 tahun tidak sekolah", whatsapp=True)
    [complaint] = complaints(session)
    assert complaint.channel == "whatsapp"
    assert complaint.reporter.phone == CITIZEN
    assert complaint.ticket in replies[0]


def test_local_08_numbers_are_stored_as_e164(twilio, session):
    twilio.replies("LAPOR RUMAH Kemiren: atap rumah roboh", sender="081234500002")
    [complaint] = complaints(session)
    assert complaint.reporter.phone == "+6281234500002"


def test_english_keywords_get_english_replies_and_the_language_is_remembered(twilio, session):
    [reply] = twilio.replies("REPORT ELDERLY Kemiren: old woman alone")
    assert reply.startswith("Report received")
    reporter = session.scalar(select(Reporter).where(Reporter.phone == CITIZEN))
    assert reporter.language == "en"
    [status] = twilio.replies("STATUS")
    assert "Received" in status


def test_missing_message_sid_is_a_400_not_a_500(twilio):
    form = twilio.inbound_form("halo")
    del form["MessageSid"], form["SmsSid"]
    assert twilio.post("/webhooks/twilio/sms", form).status_code == 400


def test_a_captured_request_replayed_with_its_message_sid_re_split_files_nothing_new(twilio, session):
    """Twilio signs name1value1name2value2...: moving the boundary between MessageSid's value and the
    next name keeps the signature. Only Twilio's sid shape (the same in SmsSid) is taken, so the
    re-split replay is a 400 and the one SMS stays one complaint."""
    form = {"MessageSid": "SM" + "ab" * 16, "NumMedia": "0", "From": "+6281234500001", "To": "+6281100001111",
            "Body": "LAPOR MAKAN Kemiren: nenek tidak makan"}
    signature = twilio.sign("/webhooks/twilio/sms", form)
    assert twilio.post("/webhooks/twilio/sms", form, signature=signature).status_code == 200
    resplit = {"MessageSid": form["MessageSid"] + "NumMedia0", "From": form["From"], "To": form["To"],
               "Body": form["Body"]}
    assert twilio.sign("/webhooks/twilio/sms", resplit) == signature  # still validly signed
    assert twilio.post("/webhooks/twilio/sms", resplit, signature=signature).status_code == 400
    assert session.scalar(select(func.count()).select_from(Complaint)) == 1


@pytest.mark.parametrize("fields", [
    {"MessageSid": "SM123"}, {"MessageSid": "SM" + "g" * 32}, {"MessageSid": "XX" + "a" * 32},
    {"MessageSid": "SM" + "a" * 32, "SmsSid": "SM" + "b" * 32},
    {"MessageSid": "SM" + "a" * 32, "SmsMessageSid": "SM" + "a" * 31 + "b"},
    {"MessageSid": "", "SmsSid": "SM" + "a" * 32},
])
def test_a_signed_request_with_a_malformed_message_sid_is_a_400(twilio, session, fields):
    form = {**twilio.inbound_form("LAPOR MAKAN Kemiren: nenek tidak makan"), **fields}
    form = {name: value for name, value in form.items() if value != "" or name != "MessageSid"}
    assert twilio.post("/webhooks/twilio/sms", form).status_code == 400
    assert session.scalar(select(func.count()).select_from(SmsInboundMessage)) == 0


def test_whatsapp_media_messages_have_mm_sids(twilio):
    assert twilio.send("LAPOR MAKAN Kemiren: nenek tidak makan", sid="MM" + "0" * 31 + "A", whatsapp=True,
                       NumMedia="0").status_code == 200
