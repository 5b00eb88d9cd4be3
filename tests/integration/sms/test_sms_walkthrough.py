"""One complaint by SMS from LAPOR to the citizen's YA/TIDAK, through staff acknowledging and handling it."""
from __future__ import annotations

from sqlalchemy import select

from app.channels.sms.sender import TwilioSender
from app.domain.actor import Actor
from app.models import Complaint, Event, OutboxMessage, User
from app.services import lifecycle
from app.services.messaging import outbox
from tests.integration.sms.conftest import CITIZEN


def officer_actor(session) -> Actor:
    officer = session.scalar(select(User).where(User.username == "officer.dinsos"))
    return Actor(kind="user", id=officer.id, role=officer.role, agency_id=officer.agency_id, name=officer.name)


def citizen_messages(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == CITIZEN)
                                .order_by(OutboxMessage.id)))


def test_sms_report_is_acknowledged_handled_confirmed_no_then_yes(twilio, twilio_api, settings, session, clock):
    [receipt] = twilio.replies("LAPOR MAKAN Kemiren: nenek Sumi tidak makan sejak kemarin")
    complaint = session.scalar(select(Complaint))
    ticket = complaint.ticket
    assert ticket in receipt
    # The TwiML reply was the receipt: the outbox does not send a second one.
    assert [m.status for m in citizen_messages(session) if m.template.startswith(("core.receipt", "sms.received"))] \
        == ["sent"]

    staff = officer_actor(session)
    clock.advance(minutes=10)
    lifecycle.acknowledge(session, clock.now(), ticket, staff)
    clock.advance(minutes=50)
    lifecycle.handle(session, clock.now(), ticket, staff, note="Petugas mengantar beras dan lauk")

    # The "was it handled?" question leaves by SMS through the real Twilio client.
    sender = TwilioSender(settings)
    outbox.deliver_due(session, clock.now(), {"sms": sender, "whatsapp": sender})
    questions = [m["Body"] for m in twilio_api.sent if "YA atau TIDAK" in m["Body"]]
    assert len(questions) == 1 and ticket in questions[0]
    assert all(m["To"] == CITIZEN for m in twilio_api.sent)

    clock.advance(minutes=30)
    [reopened] = twilio.replies("TIDAK")
    assert ticket in reopened and "dibuka kembali" in reopened
    session.refresh(complaint)
    assert complaint.status == "assigned"
    assert complaint.reopened_count == 1
    reopen_event = session.scalar(select(Event).where(Event.complaint_id == complaint.id, Event.kind == "reopened"))
    assert reopen_event.actor == f"reporter:{complaint.reporter_id}"

    clock.advance(minutes=20)
    lifecycle.handle(session, clock.now(), ticket, staff, note="Kunjungan kedua, bantuan diterima")
    clock.advance(minutes=5)
    [thanks] = twilio.replies("ya")
    assert "Terima kasih" in thanks
    session.refresh(complaint)
    assert complaint.status == "handled"
    kinds = [e.kind for e in session.scalars(select(Event).where(Event.complaint_id == complaint.id)
                                             .order_by(Event.seq))]
    assert kinds[-1] == "reporter_confirmed"
    assert "acknowledged" in kinds and kinds.count("handled") == 2


def test_ya_without_a_handled_complaint_is_told_so(twilio):
    [reply] = twilio.replies("YA")
    assert "YA/TIDAK" in reply
