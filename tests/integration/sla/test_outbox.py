"""The outbox: claimed once, sent per channel, retried with backoff, dead with its last error."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from app.domain.actor import Actor
from app.models import Breach, OutboxMessage
from app.services import lifecycle
from app.services.messaging import outbox
from app.services.messaging.outbox import ConsoleSender, SendResult
from tests.conftest import T0


class FakeSender:
    """Answers with a scripted list of results and remembers what it was asked to send."""

    def __init__(self, channel, *results):
        self.channel, self.results, self.sent = channel, list(results), []

    def send(self, message):
        self.sent.append((message.recipient, message.body))
        return self.results.pop(0) if self.results else SendResult(ok=True, provider_id=f"P{len(self.sent)}")


def senders(**by_channel):
    result = {c: ConsoleSender(c) for c in outbox.CHANNELS}
    result.update(by_channel)
    return result


def officer(sla):
    user = sla.user("officer.dinsos")
    return Actor(kind="user", id=user.id, role="officer", agency_id=user.agency_id, name=user.name)


def test_a_receipt_is_written_with_the_complaint_and_delivered_once(sla, session):
    c = sla.submit()
    receipt = sla.messages(c, "core.receipt")[0]
    assert (receipt.status, receipt.channel, receipt.language) == ("pending", "sms", "id")
    sms = FakeSender("sms")
    assert outbox.deliver_due(session, T0, senders(sms=sms)) == 1
    assert outbox.deliver_due(session, T0, senders(sms=sms)) == 0
    assert sms.sent == [(receipt.recipient, receipt.body)]
    session.refresh(receipt)
    assert (receipt.status, receipt.provider_id, receipt.attempts, receipt.sent_at) == ("sent", "P1", 1, T0)


def test_telegram_reporters_hear_back_on_telegram_and_in_their_language(sla, session):
    c = sla.submit(channel="telegram", reporter={"name": "Ani", "telegram_chat_id": 424242, "language": "en"})
    receipt = sla.messages(c, "core.receipt")[0]
    assert (receipt.channel, receipt.recipient, receipt.language) == ("telegram", "424242", "en")
    assert receipt.body.startswith("Sigap: report received, ticket " + c.ticket)


def test_whatsapp_reporters_hear_back_on_whatsapp(sla):
    c = sla.submit(channel="whatsapp")
    receipt = sla.messages(c, "core.receipt")[0]
    assert receipt.channel == "whatsapp" and receipt.recipient.startswith("whatsapp:+62")


def test_failures_back_off_exponentially_with_jitter_then_die_keeping_the_last_error(sla, session):
    c = sla.submit()
    failing = FakeSender("sms", *[SendResult(ok=False, error=f"timeout {i}") for i in range(outbox.MAX_ATTEMPTS)])
    rng = random.Random(7)
    now, waits = T0, []
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        assert outbox.deliver_due(session, now, senders(sms=failing), rng=rng) == 1
        message = sla.messages(c, "core.receipt")[0]
        session.refresh(message)
        if attempt < outbox.MAX_ATTEMPTS:
            assert message.status == "failed" and message.attempts == attempt
            wait = message.next_attempt_at - now
            base = min(outbox.BACKOFF_BASE * 2 ** (attempt - 1), outbox.BACKOFF_CAP)
            assert base * 0.5 <= wait <= base * 1.5
            assert outbox.deliver_due(session, message.next_attempt_at - timedelta(seconds=1), senders(sms=failing)) == 0
            waits.append(wait)
            now = message.next_attempt_at
    assert (message.status, message.last_error, message.next_attempt_at) == ("dead", f"timeout {outbox.MAX_ATTEMPTS - 1}", None)
    assert outbox.deliver_due(session, now + timedelta(days=1), senders(sms=failing)) == 0
    failed_event = sla.events(c, kinds=("message_failed",))[0]
    assert failed_event.data["template"] == "core.receipt"


def test_retry_after_from_the_provider_is_honoured(sla, session):
    sla.submit()
    limited = FakeSender("sms", SendResult(ok=False, error="429 Too Many Requests", retry_after=37))
    outbox.deliver_due(session, T0, senders(sms=limited))
    message = session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    assert message.status == "failed" and message.next_attempt_at == T0 + timedelta(seconds=37)


def test_a_permanent_failure_to_a_citizen_is_dead_at_once_and_marks_them_unreachable(sla, session):
    c = sla.submit()
    blocked = FakeSender("sms", SendResult(ok=False, error="21610 recipient sent STOP", permanent=True))
    outbox.deliver_due(session, T0, senders(sms=blocked))
    receipt = sla.messages(c, "core.receipt")[0]
    session.refresh(receipt)
    assert (receipt.status, receipt.attempts) == ("dead", 1)
    assert c.reporter.unreachable
    lifecycle.acknowledge(session, T0 + timedelta(minutes=5), c.ticket, officer(sla))
    later = sla.messages(c, "core.acknowledged")[0]
    assert later.status == "dead" and "failed permanently" in later.last_error
    assert outbox.deliver_due(session, T0 + timedelta(minutes=6), senders(sms=blocked)) == 0


def test_an_opted_out_citizen_is_never_sent_anything_and_the_reason_is_kept(sla, session):
    c = sla.submit()
    c.reporter.opted_out = True
    lifecycle.acknowledge(session, T0 + timedelta(minutes=5), c.ticket, officer(sla))
    message = sla.messages(c, "core.acknowledged")[0]
    assert message.status == "dead" and "opted out" in message.last_error


def test_a_message_whose_sender_died_mid_send_is_retried_after_the_lease(sla, session):
    c = sla.submit()
    assert outbox.claim(session, T0) == [sla.messages(c)[0].id]  # this worker then dies
    sms = FakeSender("sms")
    assert outbox.deliver_due(session, T0 + timedelta(seconds=30), senders(sms=sms)) == 0
    assert outbox.deliver_due(session, T0 + outbox.SENDING_LEASE, senders(sms=sms)) == 1
    message = sla.messages(c)[0]
    session.refresh(message)
    assert (message.status, message.attempts) == ("sent", 2)


def test_a_breach_records_whether_its_alerts_reached_the_staff(sla, session):
    sla.reach("supervisor")
    sla.reach("head.dinsos")
    ok_case, failed_case = sla.submit(), sla.submit()
    for c in (ok_case, failed_case):
        lifecycle.acknowledge(session, T0 + timedelta(minutes=5), c.ticket, officer(sla))
    sla.tick(T0 + timedelta(hours=4))
    breaches = {b.complaint_id: b for b in session.scalars(select(Breach))}
    assert breaches[ok_case.id].staff_notified is None  # on their way
    failed_ids = {m.id for m in sla.messages(failed_case) if m.breach_id}
    dead = SendResult(ok=False, error="21211 invalid number", permanent=True)

    class Sms:
        channel = "sms"

        def send(self, message):
            return dead if message.id in failed_ids else SendResult(ok=True, provider_id="SM1")

    outbox.deliver_due(session, T0 + timedelta(hours=4), senders(sms=Sms()), limit=100)
    for b in breaches.values():
        session.refresh(b)
    assert (breaches[ok_case.id].staff_notified, breaches[ok_case.id].notify_failed) == (True, False)
    assert (breaches[failed_case.id].staff_notified, breaches[failed_case.id].notify_failed) == (False, True)


def test_without_credentials_every_channel_goes_to_the_console(settings):
    from app.channels.senders import build_senders

    built = build_senders(settings)
    assert set(built) >= {"telegram", "sms", "whatsapp", "console"}
    # Partner webhooks are plain HTTPS and need no credentials: the only real sender by default.
    assert all(isinstance(s, ConsoleSender) for channel, s in built.items() if channel != "webhook")


def test_with_credentials_telegram_and_twilio_senders_are_used(settings):
    from app.channels.sms.sender import TwilioSender
    from app.channels.telegram.sender import TelegramSender
    from app.channels.senders import build_senders

    settings.telegram_bot_token = "123:fake"
    settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_from_number = "AC" + "0" * 32, "t", "+15005550006"
    built = build_senders(settings)
    assert isinstance(built["telegram"], TelegramSender)
    assert isinstance(built["whatsapp"], TwilioSender) and built["sms"].twilio is built["whatsapp"]
    assert isinstance(built["console"], ConsoleSender)


def test_the_console_sender_logs_each_message_on_one_line_whatever_its_text(session, clock, caplog):
    """A partner's address (or a citizen's words) with a newline cannot forge a log line in console mode."""
    import logging

    forged = "Tidak bisa makan, X\n2026-12-03 23:59:59,000 WARNING sigap.auth: admin signed in\r\x1b[2J\u2028"
    message = outbox.enqueue(session, clock.now(), channel="sms", recipient="+6281234500001\nINFO x",
                             recipient_kind="reporter", template="test", language="id", body=forged)
    session.flush()
    with caplog.at_level(logging.INFO, logger="sigap.outbox"):
        assert ConsoleSender("sms").send(message).ok
    [line] = [r.getMessage() for r in caplog.records if r.name == "sigap.outbox"]
    assert not any(ch in line for ch in "\n\r\x1b\u2028")
    assert "Tidak bisa makan, X\\n2026-12-03 23:59:59,000 WARNING" in line and "\\x1b[2J\\u2028" in line
    assert "001\\nINFO x]" in line  # (the production log filter may mask the number itself)
