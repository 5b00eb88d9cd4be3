"""The Twilio sender: the real twilio Client against the fake REST API; error classification; status callbacks."""
from __future__ import annotations

from sqlalchemy import select

from app.channels.sms.sender import TwilioSender
from app.models import Breach, OutboxMessage, Reporter
from app.services.intake import reporters
from app.services.messaging import outbox
from tests.integration.sms.conftest import ACCOUNT_SID, CITIZEN, FROM_NUMBER, PUBLIC_BASE_URL


def queue(session, clock, recipient=CITIZEN, channel="sms", body="Laporan BWI-2026-000001 sudah ditangani.",
          reporter=None, **extra) -> OutboxMessage:
    message = outbox.enqueue(session, clock.now(), channel=channel, recipient=recipient, recipient_kind="reporter",
                             template="test", language="id", body=body,
                             reporter_id=reporter.id if reporter else None, **extra)
    session.commit()
    return message


def test_a_message_goes_through_the_real_client_with_a_status_callback(settings, twilio_api, session, clock):
    message = queue(session, clock)
    result = TwilioSender(settings).send(message)
    assert result.ok and result.provider_id.startswith("SM")
    [request] = twilio_api.requests
    assert request["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request["form"] == {"To": CITIZEN, "From": FROM_NUMBER, "Body": message.body,
                               "StatusCallback": PUBLIC_BASE_URL + "/webhooks/twilio/status"}
    assert request["authorization"].startswith("Basic ")


def test_whatsapp_messages_go_from_the_whatsapp_sender(settings, twilio_api, session, clock):
    message = queue(session, clock, recipient=f"whatsapp:{CITIZEN}", channel="whatsapp")
    assert TwilioSender(settings).send(message).ok
    [sent] = twilio_api.sent
    assert (sent["To"], sent["From"]) == (f"whatsapp:{CITIZEN}", f"whatsapp:{FROM_NUMBER}")


def test_the_edge_environment_does_not_redirect_requests(settings, twilio_api, session, clock, monkeypatch):
    monkeypatch.setenv("TWILIO_EDGE", "sydney")
    monkeypatch.setenv("TWILIO_REGION", "au1")
    assert TwilioSender(settings).send(queue(session, clock)).ok
    assert len(twilio_api.sent) == 1


def test_without_public_base_url_no_status_callback_is_asked(settings, twilio_api, session, clock):
    settings.public_base_url = None
    TwilioSender(settings).send(queue(session, clock))
    assert "StatusCallback" not in twilio_api.sent[0]


def test_permanent_errors_stop_retries_and_mark_the_reporter_unreachable(settings, twilio_api, session, clock):
    reporter = reporters.find_or_create(session, clock.now(), phone=CITIZEN)
    queue(session, clock, reporter=reporter)
    twilio_api.fail_next(21211, message="The 'To' number is not a valid phone number.")
    outbox.deliver_due(session, clock.now(), {"sms": TwilioSender(settings)})
    message = session.scalar(select(OutboxMessage))
    assert message.status == "dead"
    assert "21211" in message.last_error
    assert session.get(Reporter, reporter.id).unreachable


def test_each_permanent_code_is_classified_permanent(settings, twilio_api, session, clock):
    sender = TwilioSender(settings)
    for code in (21610, 21211, 21614, 63016):
        twilio_api.fail_next(code)
        result = sender.send(queue(session, clock))
        assert (result.ok, result.permanent, str(code) in result.error) == (False, True, True)


def test_rate_limits_and_server_errors_are_retried(settings, twilio_api, session, clock):
    sender = TwilioSender(settings)
    twilio_api.fail_next(20429, status=429, message="Too Many Requests")
    limited = sender.send(queue(session, clock))
    assert not limited.ok and not limited.permanent and limited.retry_after
    twilio_api.fail_next(20500, status=500, message="Internal Server Error")
    broken = sender.send(queue(session, clock))
    assert not broken.ok and not broken.permanent


def test_a_server_error_leaves_the_message_for_a_later_retry(settings, twilio_api, session, clock):
    sender = TwilioSender(settings)
    queue(session, clock)
    twilio_api.fail_next(20500, status=503, message="Service Unavailable")
    outbox.deliver_due(session, clock.now(), {"sms": sender})
    retried = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert retried.status == "failed" and retried.next_attempt_at > clock.now()


def test_a_network_failure_is_temporary(settings, session, clock):
    settings.twilio_api_base_url = "http://127.0.0.1:9"  # discard port: nothing listens
    result = TwilioSender(settings).send(queue(session, clock))
    assert not result.ok and not result.permanent and result.error.startswith("network")


def _status(twilio, sid, status, **extra):
    form = {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID,
            "To": CITIZEN, "From": FROM_NUMBER, "ApiVersion": "2010-04-01", **extra}
    return twilio.post("/webhooks/twilio/status", form)


def test_status_callbacks_move_forward_only(twilio, settings, twilio_api, session, clock):
    message = queue(session, clock)
    outbox.deliver_due(session, clock.now(), {"sms": TwilioSender(settings)})
    session.refresh(message)
    sid = message.provider_id
    assert _status(twilio, sid, "sent").status_code == 204
    assert _status(twilio, sid, "delivered").status_code == 204
    assert _status(twilio, sid, "sent").status_code == 204  # late, out of order
    session.refresh(message)
    assert message.delivery_status == "delivered"


def test_a_tampered_status_callback_is_refused(twilio, session, clock):
    message = queue(session, clock)
    message.provider_id = "SMabc"
    session.commit()
    form = {"MessageSid": "SMabc", "MessageStatus": "delivered"}
    signature = twilio.sign("/webhooks/twilio/status", form)
    form["MessageStatus"] = "failed"
    assert twilio.post("/webhooks/twilio/status", form, signature=signature).status_code == 403
    session.refresh(message)
    assert message.delivery_status is None


def test_undelivered_opt_out_is_recorded_on_the_reporter(twilio, session, clock):
    reporter = reporters.find_or_create(session, clock.now(), phone=CITIZEN)
    message = queue(session, clock, reporter=reporter)
    message.status, message.provider_id = "sent", "SMundelivered1"
    session.commit()
    assert _status(twilio, "SMundelivered1", "undelivered", ErrorCode="21610").status_code == 204
    session.refresh(message)
    assert message.delivery_status == "undelivered"
    assert "21610" in message.last_error
    session.refresh(reporter)
    assert reporter.opted_out


def test_an_unknown_message_sid_in_a_callback_changes_nothing(twilio):
    assert _status(twilio, "SMnobody", "delivered").status_code == 204


def test_an_undelivered_breach_alert_marks_the_breach_as_not_notified(twilio, session, clock):
    from app.services import intake

    complaint = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger",
                              village="Kemiren", description="nenek tidak makan")
    breach = Breach(complaint_id=complaint.id, kind="handle", agency_id=complaint.agency_id,
                    due_at=complaint.handle_due_at, detected_at=complaint.handle_due_at)
    session.add(breach)
    session.flush()
    alert = outbox.enqueue(session, clock.now(), channel="sms", recipient="+6281299990000", recipient_kind="staff",
                           template="test.breach", language="id", body="Batas waktu terlewati", breach_id=breach.id)
    alert.status, alert.provider_id = "sent", "SMbreachalert"
    session.commit()
    assert _status(twilio, "SMbreachalert", "failed", ErrorCode="30003").status_code == 204
    session.refresh(alert)
    session.refresh(breach)
    assert (alert.status, alert.delivery_status) == ("dead", "failed")
    assert breach.notify_failed is True


def test_a_message_that_failed_leaves_no_full_phone_number_in_the_trail(settings, twilio_api, client, session, clock):
    """Twilio's 21211 text names the 'To' number: the trail keeps the code and the number masked, so
    an officer who sees the reporter masked does not read the number in the events (API or page)."""
    from app.channels.api.webhook_sender import WebhookSender
    from app.services.access import accounts
    from tests.integration.web.conftest import Browser

    number = "+6281259903999"
    twilio_api.fail_to(number, 21211, f"The 'To' number {number} is not a valid phone number.")
    _token, partner = accounts.create_token(session, clock.now(), role="partner", name="partner")
    _token, officer = accounts.create_token(session, clock.now(), role="officer", agency_code="bwi-dinsos",
                                            name="dinsos system")
    session.commit()
    created = client.post("/api/v1/complaints", headers={"Authorization": f"Bearer {partner}"}, json={
        "jurisdiction": "banyuwangi", "category": "hunger", "village": "Kemiren", "description": "Nenek tidak makan",
        "reporter": {"name": "Wati Lestari", "phone": number}})
    ticket = created.json["ticket"]
    outbox.deliver_due(session, clock.now(), {"sms": TwilioSender(settings), "webhook": WebhookSender()})
    failed = session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == number))
    assert failed.status == "dead" and number in failed.last_error  # the outbox row (admins) keeps the full text

    events = client.get(f"/api/v1/complaints/{ticket}/events", headers={"Authorization": f"Bearer {officer}"}).json
    [event] = [e for e in events["items"] if e["kind"] == "message_failed"]
    assert event["data"]["error"].startswith("twilio 21211: ") and "+628•••••••999" in event["data"]["error"]
    assert number not in str(events) and number[1:] not in str(events)
    browser = Browser(client)
    browser.sign_in("officer.dinsos")  # of the agency, not assigned: sees the reporter masked
    page = browser.get(f"/complaints/{ticket}").get_data(as_text=True)
    assert 'data-event="message_failed"' in page and "twilio 21211" in page
    assert number not in page and number[1:] not in page
