"""Intake with fewer round trips still leaves every row a citizen and the staff rely on: the complaint,
its chained trail, the receipt and its record, the citizen's consent, the message bound to its
reporter, the update handled once. One request per channel, as the benchmark sends them."""
from __future__ import annotations

from sqlalchemy import func, select

from app.models import Complaint, OutboxMessage, Reporter
from app.models.sms import SmsInboundMessage
from app.models.telegram import TelegramConversation, TelegramUpdate
from app.models.whatsapp import OptRecord
from app.services import audit
from tests.integration.production.conftest import post_telegram

COMPLAINT = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Kemiren",
             "description": "Mbah Sumi tidak makan sejak kemarin", "reporter": {"name": "Siti", "phone": "081234567892"}}


def test_an_api_complaint_has_its_trail_its_receipt_queued_and_no_claimed_time(client, auth, session):
    response = client.post("/api/v1/complaints", json=COMPLAINT, headers=auth("supervisor", jurisdiction="banyuwangi"))
    assert response.status_code == 201
    assert response.json["claimed_received_at"] is None
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == response.json["ticket"]))
    assert complaint.reporter.phone == "+6281234567892"
    assert audit.verify(session, complaint) == []
    assert [e.kind for e in audit.events_of(session, complaint.id)] == ["received", "routed"]
    receipts = session.scalars(select(OutboxMessage).where(OutboxMessage.complaint_id == complaint.id,
                                                           OutboxMessage.recipient_kind == "reporter")).all()
    assert [(m.recipient, m.status) for m in receipts] == [("+6281234567892", "pending")]


def test_an_sms_report_files_one_complaint_with_its_receipt_kept_and_the_citizen_opted_in(twilio, session):
    sender = "+6281234500123"
    response = twilio.post("LAPOR MAKAN Kemiren: nenek tidak makan sejak kemarin", sender=sender)
    assert response.status_code == 200
    inbound = session.scalar(select(SmsInboundMessage).where(SmsInboundMessage.phone == sender))
    complaint = session.get(Complaint, inbound.complaint_id)
    assert complaint.ticket in response.get_data(as_text=True)  # the TwiML receipt
    assert inbound.outcome == "complaint" and inbound.replies and complaint.ticket in inbound.replies[0]
    reporters = session.scalars(select(Reporter).where(Reporter.phone == sender)).all()
    assert len(reporters) == 1 and inbound.reporter_id == reporters[0].id == complaint.reporter_id
    kept = session.scalars(select(OutboxMessage).where(OutboxMessage.complaint_id == complaint.id,
                                                       OutboxMessage.template == "sms.received")).all()
    assert [(m.status, m.recipient) for m in kept] == [("sent", sender)]  # answered in the TwiML, not sent again
    consent = session.scalars(select(OptRecord).where(OptRecord.address == sender)).all()
    assert [(c.kind, c.reason, c.complaint_id) for c in consent] == [("opt_in", "wrote_first", complaint.id)]
    assert audit.verify(session, complaint) == []

    again = twilio.post("LAPOR MAKAN Kemiren: nenek tidak makan sejak kemarin", sender=sender, sid=inbound.message_sid)
    assert again.status_code == 200 and complaint.ticket in again.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Complaint).where(Complaint.reporter_id == reporters[0].id)) == 1


def test_a_telegram_lapor_is_handled_once_with_the_menu_queued(client, session):
    update = {"update_id": 123_456_789, "message": {
        "message_id": 1, "date": 1795000000, "text": "/lapor", "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
        "from": {"id": 777_001, "is_bot": False, "first_name": "Warga", "language_code": "id"},
        "chat": {"id": 777_001, "type": "private", "first_name": "Warga"}}}
    assert post_telegram(client, update).status_code == 200
    assert post_telegram(client, update).status_code == 200  # Telegram delivers it again: nothing changes
    assert session.get(TelegramUpdate, 123_456_789) is not None
    assert session.get(TelegramConversation, 777_001).step == "category"
    menus = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "777001")).all()
    assert [m.template for m in menus] == ["telegram.ask_category"]
    assert any(b[0]["callback_data"].startswith("cat:") for b in menus[0].extra["buttons"])
