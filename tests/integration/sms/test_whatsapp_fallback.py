"""Fallback and honest delivery: each recipient's channels in order, the next one after a refusal or
a silent timeout, and a breach "notified" only when a delivery report says an alert arrived."""
from __future__ import annotations


from sqlalchemy import select

from app.models import Breach, OutboxMessage
from app.models.sla_engine import EscalationContact
from app.services.messaging import notifications, outbox
from tests.integration.sms.test_whatsapp_rules import (
    CAMAT,
    approve,
    camat,
    complaint_by_sms,
    deliver,
    messages_to,
)


def breach_alert(session, clock, complaint, contact) -> Breach:
    breach = Breach(complaint_id=complaint.id, kind="handle", agency_id=complaint.agency_id, due_at=clock.now(),
                    detected_at=clock.now(), staff_notified=None, notify_failed=False)
    session.add(breach)
    session.flush()
    notifications.tell_staff(session, complaint, [notifications.contact_recipient(contact, whatsapp_verified=True)], "core.staff.breach",
                             clock.now(), breach_id=breach.id, due="11:00 WIB", what=lambda lang: "ditangani",
                             official="Kepala Dinas")
    session.commit()
    return breach


def test_a_breach_is_notified_only_after_a_delivered_callback(settings, twilio_api, twilio, session, clock):
    approve(session, clock, twilio_api)
    complaint = complaint_by_sms(session, clock)
    breach = breach_alert(session, clock, complaint, camat(session, clock))
    deliver(session, clock, settings)
    assert twilio_api.sent_to(CAMAT)[0]["ContentSid"]
    session.refresh(breach)
    assert breach.staff_notified is None  # Twilio accepted it; nobody knows yet whether the camat has it
    twilio_api.deliver_reports(twilio, statuses=("sent",))
    session.refresh(breach)
    assert breach.staff_notified is None
    twilio_api.deliver_reports(twilio, statuses=("delivered",))
    session.refresh(breach)
    assert breach.staff_notified is True and not breach.notify_failed


def test_no_delivery_report_in_time_sends_the_text_by_the_next_channel(settings, twilio_api, twilio, session, clock):
    approve(session, clock, twilio_api)
    complaint = complaint_by_sms(session, clock)
    breach = breach_alert(session, clock, complaint, camat(session, clock))
    deliver(session, clock, settings)
    clock.advance(minutes=9)
    deliver(session, clock, settings)
    assert len(twilio_api.sent_to(CAMAT)) == 1  # still waiting for WhatsApp's report
    clock.advance(minutes=2)
    deliver(session, clock, settings)
    first, second = twilio_api.sent_to(CAMAT)
    assert first["To"] == f"whatsapp:{CAMAT}" and second["To"] == CAMAT and "PELANGGARAN" in second["Body"]
    whatsapp_message, sms_message = messages_to(session, CAMAT)
    assert whatsapp_message.fallback_id == sms_message.id
    deliver(session, clock, settings)
    assert len(twilio_api.sent_to(CAMAT)) == 2  # once only
    # The SMS is reported delivered: the breach counts as notified.
    twilio_api.deliver_reports(twilio, statuses=("delivered",))
    session.refresh(breach)
    assert breach.staff_notified is True


def test_an_alert_that_reached_no_channel_leaves_the_breach_not_notified(settings, twilio_api, session, clock):
    complaint = complaint_by_sms(session, clock)  # no template approved: WhatsApp is refused at once
    twilio_api.fail_to(CAMAT, 21211, "The 'To' number is not a valid phone number.")
    breach = breach_alert(session, clock, complaint, camat(session, clock))
    deliver(session, clock, settings)
    deliver(session, clock, settings)
    assert [m.status for m in messages_to(session, CAMAT)] == ["dead", "dead"]
    session.refresh(breach)
    assert breach.staff_notified is False and breach.notify_failed is True


def test_each_recipient_tries_its_channels_in_its_own_order(session, clock):
    complaint_by_sms(session, clock)
    on_whatsapp = camat(session, clock, telegram_chat_id=777001)
    recipient = notifications.contact_recipient(on_whatsapp, whatsapp_verified=True)
    assert (recipient.channel, recipient.fallbacks) == ("whatsapp", (("sms", CAMAT), ("telegram", "777001")))
    on_telegram = EscalationContact(jurisdiction_id=on_whatsapp.jurisdiction_id, level="camat", name="Camat Licin",
                                    phone="+6281299990002", telegram_chat_id=777002, channel="telegram", active=True,
                                    created_at=clock.now())
    recipient = notifications.contact_recipient(on_telegram, whatsapp_verified=False)
    assert (recipient.channel, recipient.fallbacks) == ("telegram", (("sms", "+6281299990002"),))


def test_a_citizen_who_said_stop_gets_nothing_by_another_channel(settings, twilio_api, session, clock):
    complaint = complaint_by_sms(session, clock)
    deliver(session, clock, settings)  # the receipt, by SMS
    receipt = session.scalar(select(OutboxMessage).where(OutboxMessage.complaint_id == complaint.id,
                                                          OutboxMessage.recipient_kind == "reporter"))
    assert receipt.status == "sent"
    complaint.reporter.telegram_chat_id = 424242
    session.commit()
    twilio_api.fail_next(21610, message="Attempt to send to unsubscribed recipient")
    message = notifications.tell_reporter(session, complaint, "core.acknowledged", clock.now())
    session.commit()
    assert message.extra["fallback"] == [["telegram", "424242"]]
    deliver(session, clock, settings)
    session.refresh(message)
    assert message.status == "dead" and message.fallback_id is None
