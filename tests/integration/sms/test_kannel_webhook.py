"""The Kannel webhooks as smsbox calls them (no Kannel needed): a citizen's SMS answered through the
outbox, the shared secret and the address allow-list, idempotency on Kannel's id, UCS-2 text,
delivery reports, and later messages to that citizen leaving by the same gateway."""
from __future__ import annotations

from urllib.parse import quote_from_bytes, urlencode

import pytest
from sqlalchemy import func, select

from app.channels.kannel.sender import KannelSender, classify, needs_ucs2
from app.models import Complaint, OutboxMessage, Reporter
from app.models.sms import SmsInboundMessage
from app.services.conversations import sms_dialogue
from app.services.messaging import notifications

SECRET = "kannel-webhook-secret-0123456789"
SHORT_CODE = "1708"
CITIZEN_DIGITS = "6281234500201"


@pytest.fixture
def settings(settings):
    settings.kannel_sendsms_url = "http://127.0.0.1:9/cgi-bin/sendsms"
    settings.kannel_username, settings.kannel_password, settings.kannel_secret = "sigap", "pw", SECRET
    settings.kannel_callback_base_url = "http://sigap.internal:5000"
    return settings


@pytest.fixture
def short_code(session):
    return sms_dialogue.map_number(session, SHORT_CODE, "banyuwangi", gateway="kannel")


def sms(client, text, message_id="7a3c1d2e-0000-4000-8000-000000000001", sender=CITIZEN_DIGITS, secret=SECRET,
        address="127.0.0.1", **extra):
    query = urlencode({"secret": secret, "id": message_id, "from": sender, "to": SHORT_CODE, "smsc": "operator",
                       "coding": "0", "charset": "UTF-8", **extra})
    text_bytes = text if isinstance(text, bytes) else text.encode()
    return client.get(f"/webhooks/kannel/sms?{query}&text={quote_from_bytes(text_bytes)}",
                      environ_base={"REMOTE_ADDR": address})


def outbox_to(session, phone):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone)
                           .order_by(OutboxMessage.id)).all()


def test_a_report_is_acknowledged_empty_and_the_receipt_waits_in_the_outbox_for_kannel(client, session, short_code):
    response = sms(client, "LAPOR MAKAN Kemiren: nenek tinggal sendiri tidak makan 2 hari")
    assert response.status_code == 200 and response.get_data() == b""  # nothing for Kannel to send back
    complaint = session.scalar(select(Complaint).join(Reporter).where(Reporter.phone == "+" + CITIZEN_DIGITS))
    assert complaint.channel == "sms" and complaint.external_ref.startswith("kannel:")
    [receipt] = outbox_to(session, "+" + CITIZEN_DIGITS)
    assert complaint.ticket in receipt.body
    assert (receipt.status, receipt.extra) == ("pending", {"gateway": "kannel", "from": SHORT_CODE})


def test_the_same_kannel_message_twice_files_one_complaint_and_one_reply(client, session, short_code):
    for _ in range(2):
        assert sms(client, "LAPOR MAKAN Kemiren: tiga anak belum makan").status_code == 200
    assert session.scalar(select(func.count()).select_from(Complaint).join(Reporter)
                          .where(Reporter.phone == "+" + CITIZEN_DIGITS)) == 1
    assert len(outbox_to(session, "+" + CITIZEN_DIGITS)) == 1


def test_every_reply_of_the_dialogue_goes_through_kannel_from_the_short_code(client, session, short_code):
    sms(client, "LAPOR", message_id="m-1")
    sms(client, "9", message_id="m-2")
    messages = outbox_to(session, "+" + CITIZEN_DIGITS)
    assert len(messages) == 2 and all(m.extra == {"gateway": "kannel", "from": SHORT_CODE} for m in messages)
    assert "1" in messages[0].body  # the numbered menu


@pytest.mark.parametrize("secret,address", [("wrong-secret-0123456789", "127.0.0.1"), ("", "127.0.0.1"),
                                            (SECRET, "203.0.113.9")])
def test_a_wrong_secret_or_an_address_off_the_allow_list_is_refused_and_stores_nothing(client, session, short_code,
                                                                                      secret, address):
    response = sms(client, "LAPOR MAKAN Kemiren: palsu", secret=secret, address=address)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert session.scalar(select(func.count()).select_from(SmsInboundMessage)) == 0


def test_without_kannel_configured_the_webhook_is_refused(client, app, session):
    app.extensions["sigap"].settings.kannel_secret = None
    assert sms(client, "LAPOR").status_code == 403


def test_a_message_without_kannels_id_or_sender_is_a_clear_400(client, session, short_code):
    assert sms(client, "LAPOR", message_id="").status_code == 400
    response = sms(client, "LAPOR", sender="")
    assert response.status_code == 400 and "from" in response.get_json()["error"]["message"]


def test_ucs2_text_from_a_phone_is_read_as_unicode(client, session, short_code):
    text = "LAPOR MAKAN Kemiren: nenek 🙏 tidak makan"
    sms(client, text.encode("utf-16-be"), coding="2", charset="UTF-16BE")
    assert session.scalar(select(SmsInboundMessage.body)) == text


def test_delivery_reports_move_the_message_forward_only_and_a_refusal_is_a_failure(client, session, short_code):
    sms(client, "LAPOR MAKAN Kemiren: nenek tidak makan")
    [receipt] = outbox_to(session, "+" + CITIZEN_DIGITS)
    receipt.status = "sent"
    session.commit()

    def report(kind, message_id=receipt.id, secret=SECRET):
        return client.get(f"/webhooks/kannel/status?secret={secret}&id={message_id}&status={kind}&reply=ACK%2F",
                          environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert report(8).status_code == 204
    assert report(1).status_code == 204
    assert report(8).status_code == 204
    session.expire_all()
    assert session.get(OutboxMessage, receipt.id).delivery_status == "delivered"
    assert report(1, secret="nope-nope-nope-nope").status_code == 403
    assert report("x").status_code == 400 and report(64).status_code == 400

    sms(client, "STATUS", message_id="m-status")
    answer = outbox_to(session, "+" + CITIZEN_DIGITS)[-1]
    answer.status = "sent"
    session.commit()
    assert report(16, message_id=answer.id).status_code == 204
    session.expire_all()
    failed = session.get(OutboxMessage, answer.id)
    assert (failed.delivery_status, failed.status) == ("failed", "dead")
    assert failed.last_error.startswith("kannel failed")


def test_a_twilio_message_is_not_touched_by_a_kannel_report(client, session, clock):
    message = OutboxMessage(channel="sms", recipient="+6281234500299", recipient_kind="reporter", template="x",
                            language="id", body="x", extra={}, status="sent", attempts=1, created_at=clock.now())
    session.add(message)
    session.commit()
    client.get(f"/webhooks/kannel/status?secret={SECRET}&id={message.id}&status=16",
               environ_base={"REMOTE_ADDR": "127.0.0.1"})
    session.expire_all()
    assert session.get(OutboxMessage, message.id).status == "sent"


def test_later_messages_to_that_citizen_leave_by_kannel_too(client, session, short_code, clock):
    sms(client, "LAPOR MAKAN Kemiren: nenek tidak makan")
    complaint = session.scalar(select(Complaint).join(Reporter).where(Reporter.phone == "+" + CITIZEN_DIGITS))
    later = notifications.tell_reporter(session, complaint, "core.reopened", clock.now())
    assert later.channel == "sms" and later.extra == {"gateway": "kannel", "from": SHORT_CODE}


def test_map_number_takes_a_short_code_and_a_gateway(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sms", "map-number", "1708", "banyuwangi", "--gateway", "kannel"])
    assert result.exit_code == 0 and "1708 -> banyuwangi via kannel" in result.output
    assert "1708 -> banyuwangi via kannel" in runner.invoke(args=["sms", "numbers"]).output
    assert runner.invoke(args=["sms", "map-number", "1708", "banyuwangi", "--gateway", "smpp"]).exit_code != 0


def test_sendsms_parameters_ask_for_ucs2_only_when_needed_and_for_every_delivery_report(settings, session, clock):
    sender = KannelSender(settings)
    message = OutboxMessage(id=41, channel="sms", recipient="+6281234500201", body="Laporan diterima: BWI-1",
                            extra={"gateway": "kannel", "from": SHORT_CODE})
    params = sender.params(message)
    assert (params["to"], params["from"], params["coding"], params["dlr-mask"]) == (
        "6281234500201", SHORT_CODE, "0", "31")
    assert params["dlr-url"].startswith("http://sigap.internal:5000/webhooks/kannel/status?secret=")
    assert params["dlr-url"].endswith("&id=41&status=%d&reply=%A")
    assert needs_ucs2("Terima kasih ✓") and not needs_ucs2("Terima kasih, Bu! @ £5 {ok}")


@pytest.mark.parametrize("status,text,permanent,ok", [
    (202, "0: Accepted for delivery", False, True),
    (202, "3: Queued for later delivery", False, True),
    (400, "Number(s) has/have been denied by white- and/or black-lists.", True, False),
    (403, "Authorization failed for sendsms", False, False),
    (503, "Temporal failure, try again later.", False, False),
])
def test_kannels_answers_are_classified_like_the_other_senders(status, text, permanent, ok):
    result = classify(status, text, 7)
    assert (result.ok, result.permanent) == (ok, permanent)
    assert result.ok or text.split()[0] in result.error


def test_smsbox_down_is_a_temporary_failure(settings, session):
    result = KannelSender(settings).send(OutboxMessage(id=5, channel="sms", recipient="+6281234500201", body="x",
                                                       extra={"gateway": "kannel", "from": SHORT_CODE}))
    assert not result.ok and not result.permanent and "unreachable" in result.error


def test_staff_of_a_regency_whose_numbers_are_all_on_kannel_get_sms_alerts_through_kannel(client, session,
                                                                                        short_code, clock):
    sms(client, "LAPOR MAKAN Kemiren: nenek tidak makan")
    complaint = session.scalar(select(Complaint).join(Reporter).where(Reporter.phone == "+" + CITIZEN_DIGITS))
    officer = notifications.Recipient("Petugas", "sms", "+6281234500299")
    [alert] = notifications.tell_staff(session, complaint, [officer], "core.reopened", clock.now())
    assert (alert.extra["gateway"], alert.extra["from"]) == ("kannel", SHORT_CODE)
    sms_dialogue.map_number(session, "+6281100002222", "banyuwangi")  # a Twilio number too: Twilio stays the default
    [alert] = notifications.tell_staff(session, complaint, [officer], "core.reopened", clock.now())
    assert "gateway" not in alert.extra


def test_a_citizen_who_wrote_to_an_unmapped_kannel_number_hears_back_through_kannel(client, session, clock):
    sms(client, "LAPOR MAKAN Kemiren: nenek tidak makan")  # 1708 not mapped: the first jurisdiction
    complaint = session.scalar(select(Complaint).join(Reporter).where(Reporter.phone == "+" + CITIZEN_DIGITS))
    [receipt] = outbox_to(session, "+" + CITIZEN_DIGITS)
    later = notifications.tell_reporter(session, complaint, "core.reopened", clock.now())
    assert receipt.extra == later.extra == {"gateway": "kannel", "from": SHORT_CODE}


def test_a_partners_report_for_a_citizen_who_wrote_through_kannel_is_receipted_through_kannel(client, session,
                                                                                                  short_code, clock):
    from app.services.access import accounts

    _token, secret = accounts.create_token(session, clock.now(), role="partner", name="test partner")
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    sms(client, "STATUS BWI-2026-999999")  # the citizen has written to the short code, and filed nothing
    body = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Kemiren",
            "description": "Nenek tidak makan sejak kemarin", "reporter": {"phone": "+" + CITIZEN_DIGITS}}
    created = client.post("/api/v1/complaints", json=body, headers=headers)
    assert created.status_code == 201, created.json
    [receipt] = [m for m in outbox_to(session, "+" + CITIZEN_DIGITS) if m.template.startswith("core.receipt")]
    assert receipt.extra["gateway"] == "kannel" and receipt.extra["from"] == SHORT_CODE
    # A phone that never wrote is receipted by the default gateway (Twilio).
    other = {**body, "reporter": {"phone": "+6281234500777"}}
    assert client.post("/api/v1/complaints", json=other, headers=headers).status_code == 201
    [receipt] = [m for m in outbox_to(session, "+6281234500777") if m.template.startswith("core.receipt")]
    assert "gateway" not in receipt.extra
