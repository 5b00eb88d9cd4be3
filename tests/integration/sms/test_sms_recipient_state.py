"""What a permanent Twilio error says about the citizen: STOP opts out, a closed WhatsApp window does not."""
from __future__ import annotations

from sqlalchemy import select

from app.channels.sms.sender import TwilioSender
from app.models import OutboxMessage, Reporter
from app.services.intake import reporters
from app.services.messaging import outbox
from tests.integration.sms.conftest import CITIZEN


def _deliver_failing(settings, twilio_api, session, clock, code, channel="sms"):
    reporter = reporters.find_or_create(session, clock.now(), phone=CITIZEN)
    recipient = f"whatsapp:{CITIZEN}" if channel == "whatsapp" else CITIZEN
    outbox.enqueue(session, clock.now(), channel=channel, recipient=recipient, recipient_kind="reporter",
                   template="test", language="id", body="Laporan Anda terlambat ditangani.", reporter_id=reporter.id)
    session.commit()
    twilio_api.fail_next(code)
    outbox.deliver_due(session, clock.now(), {channel: TwilioSender(settings)})
    assert session.scalar(select(OutboxMessage)).status == "dead"
    return session.get(Reporter, reporter.id)


def test_a_recipient_who_sent_stop_is_recorded_as_opted_out(settings, twilio_api, session, clock):
    reporter = _deliver_failing(settings, twilio_api, session, clock, 21610)
    assert reporter.opted_out and reporter.opted_out_at == clock.now()
    assert not reporter.unreachable


def test_a_closed_whatsapp_window_leaves_the_citizen_reachable(settings, twilio_api, session, clock):
    reporter = _deliver_failing(settings, twilio_api, session, clock, 63016, channel="whatsapp")
    assert not reporter.unreachable and not reporter.opted_out
