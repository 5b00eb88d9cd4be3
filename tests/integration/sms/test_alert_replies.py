"""Acknowledging an alert by reply on WhatsApp/SMS (Twilio and Kannel): the duty officer's `OK <ticket>`
or `1` acknowledges and names that person in the trail; a camat's reply is recorded as seen; a stranger's
reply and a wrong, foreign or unknown code change nothing and get a helpful answer."""
from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import select

from app.models import Agency, Complaint, Event, Jurisdiction, OutboxMessage, User
from app.models.sla_engine import EscalationContact
from app.services import intake
from app.services.conversations import sms_dialogue
from app.services.messaging import consent

DUTY_PHONE = "+6281299990101"
CAMAT_PHONE = "+6281299990102"
STRANGER = "+6281299990199"


def submit(session, clock, village="Kemiren"):
    return intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger", village=village,
                         description="Nenek Sumi tidak makan sejak kemarin", reporter={"phone": "+6281234500077"})


def contact(session, clock, level, name, phone, **fields):
    jur = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "banyuwangi"))
    row = EscalationContact(jurisdiction_id=jur.id, level=level, name=name, phone=phone, created_at=clock.now(),
                            **fields)
    session.add(row)
    if fields.get("channel") == "whatsapp":  # WhatsApp only once the number is verified (staff_consent)
        consent.record(session, clock.now(), channel="whatsapp", address=phone, kind="opt_in", reason="verified")
    session.commit()
    return row


def duty_desk(session, clock, channel="whatsapp"):
    dinsos = session.scalar(select(Agency).where(Agency.code == "bwi-dinsos"))
    return contact(session, clock, "agency_duty", "Piket Dinsos: Bu Rina", DUTY_PHONE, agency_id=dinsos.id,
                   channel=channel)


def events(session, complaint, *kinds):
    return session.scalars(select(Event).where(Event.complaint_id == complaint.id, Event.kind.in_(kinds))
                           .order_by(Event.seq)).all()


def test_the_duty_officers_ok_ticket_on_whatsapp_acknowledges_and_names_that_officer(app, twilio, session, clock):
    duty = duty_desk(session, clock)
    complaint = submit(session, clock)
    [alert] = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == f"whatsapp:{DUTY_PHONE}")).all()
    assert f"Balas 1 untuk menerima, atau OK {complaint.ticket}" in alert.body  # the alert explains the reply
    clock.advance(minutes=7)
    [reply] = twilio.replies(f"OK {complaint.ticket}", sender=DUTY_PHONE, whatsapp=True)
    assert complaint.ticket in reply and "Bu Rina" in reply and "diterima" in reply
    session.refresh(complaint)
    assert complaint.status == "acknowledged" and complaint.acknowledged_at == clock.now()
    [acknowledged] = events(session, complaint, "acknowledged")
    assert acknowledged.actor == f"contact:{duty.id}"
    [answered] = events(session, complaint, "alert_acknowledged")
    assert answered.data["by"] == "Piket Dinsos: Bu Rina" and answered.data["channel"] == "whatsapp"
    assert not session.scalar(select(Complaint).where(Complaint.id != complaint.id))  # no citizen report filed


def test_the_trail_page_names_the_contact_who_acknowledged(app, twilio, session, clock):
    duty_desk(session, clock)
    complaint = submit(session, clock)
    twilio.replies(f"OK {complaint.ticket}", sender=DUTY_PHONE, whatsapp=True)
    from app.web.workspace import _names

    names = _names(session, events(session, complaint, "acknowledged"))
    assert "Piket Dinsos: Bu Rina" in names.values()


def test_one_acknowledges_the_last_alert_sent_to_that_number(app, twilio, session, clock):
    officer = session.scalar(select(User).where(User.username == "officer.dinsos"))
    officer.phone = "+6281299990105"
    session.commit()
    older = submit(session, clock)
    complaint = submit(session, clock, village="Olehsari")
    # The officer is one of the agency's officers: each new report alerted them by SMS.
    alerts = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == officer.phone)
                             .order_by(OutboxMessage.id)).all()
    assert [a.complaint_id for a in alerts] == [older.id, complaint.id]
    assert "Balas 1" in alerts[-1].body
    [reply] = twilio.replies("1", sender=officer.phone)
    assert complaint.ticket in reply
    session.refresh(complaint)
    session.refresh(older)
    assert complaint.status == "acknowledged" and older.status == "assigned"
    [acknowledged] = events(session, complaint, "acknowledged")
    assert acknowledged.actor == f"user:{officer.id}"


def test_a_camats_reply_is_recorded_as_seen_not_as_the_agencys_acknowledgement(app, twilio, session, clock):
    complaint = submit(session, clock)
    camat = contact(session, clock, "camat", "Camat Glagah", CAMAT_PHONE, district_id=complaint.district_id,
                    channel="whatsapp")
    [reply] = twilio.replies(f"OK {complaint.ticket}", sender=CAMAT_PHONE, whatsapp=True)
    assert "sudah melihat" in reply and "Dinas Sosial" in reply
    session.refresh(complaint)
    assert complaint.status == "assigned" and complaint.acknowledged_at is None
    [seen] = events(session, complaint, "alert_seen")
    assert seen.actor == f"contact:{camat.id}" and seen.data["level"] == "camat"
    assert not events(session, complaint, "acknowledged", "alert_acknowledged")


def test_a_strangers_reply_changes_nothing_and_is_not_taken_for_a_report(app, twilio, session, clock):
    complaint = submit(session, clock)
    before = [e.id for e in events(session, complaint, *[k for k in ("acknowledged", "alert_seen",
                                                                   "alert_acknowledged", "received")])]
    [reply] = twilio.replies(f"OK {complaint.ticket}", sender=STRANGER, whatsapp=True)
    assert "tidak terdaftar sebagai petugas" in reply and "LAPOR" in reply
    [reply] = twilio.replies(f"ACK {complaint.ticket}", sender=STRANGER)
    assert "not registered as staff" in reply  # English on request
    session.refresh(complaint)
    assert complaint.status == "assigned"
    assert [e.id for e in events(session, complaint, "acknowledged", "alert_seen", "alert_acknowledged",
                                 "received")] == before
    assert session.scalar(select(Complaint).where(Complaint.id != complaint.id)) is None


def test_a_wrong_foreign_or_unknown_code_gets_a_helpful_answer_and_changes_nothing(app, twilio, session, clock):
    duty_desk(session, clock, channel="sms")
    complaint = submit(session, clock)
    [bad] = twilio.replies("OK besok", sender=DUTY_PHONE)
    assert "tidak dikenal" in bad and "OK BWI-2026-000123" in bad
    [unknown] = twilio.replies("OK BWI-2026-999999", sender=DUTY_PHONE)
    assert "BWI-2026-999999" in unknown and "tidak ditemukan" in unknown
    # A report held by another agency is not this duty desk's to acknowledge.
    other = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="school_dropout",
                          village="Kemiren", description="Anak putus sekolah", reporter={"phone": "+6281234500078"})
    assert other.agency_id != complaint.agency_id
    [foreign] = twilio.replies(f"OK {other.ticket}", sender=DUTY_PHONE)
    assert "bukan tanggung jawab" in foreign
    [english] = twilio.replies(f"ACK {other.ticket}", sender=DUTY_PHONE)
    assert "not yours" in english
    for c in (complaint, other):
        session.refresh(c)
        assert c.status == "assigned" and not events(session, c, "acknowledged", "alert_seen", "alert_acknowledged")


def test_a_reply_through_kannel_acknowledges_and_the_answer_leaves_through_the_outbox(app, client, session, clock,
                                                                                         settings):
    settings.kannel_sendsms_url = "http://127.0.0.1:9/cgi-bin/sendsms"
    settings.kannel_username, settings.kannel_password = "sigap", "pw"
    settings.kannel_secret = "kannel-webhook-secret-0123456789"
    sms_dialogue.map_number(session, "1708", "banyuwangi", gateway="kannel")
    duty = duty_desk(session, clock, channel="sms")
    complaint = submit(session, clock)
    query = urlencode({"secret": settings.kannel_secret, "id": "7a3c1d2e-0000-4000-8000-0000000000a1",
                       "from": DUTY_PHONE.lstrip("+"), "to": "1708", "text": f"ok {complaint.ticket.lower()}"})
    response = client.get(f"/webhooks/kannel/sms?{query}", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 200
    session.refresh(complaint)
    assert complaint.status == "acknowledged"
    assert events(session, complaint, "acknowledged")[0].actor == f"contact:{duty.id}"
    answer = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == DUTY_PHONE)
                             .order_by(OutboxMessage.id.desc())).first()
    assert "diterima atas nama" in answer.body and answer.extra.get("gateway") == "kannel"



def test_the_complaint_page_names_who_acknowledged_by_reply_and_who_only_saw_it(app, client, twilio, session, clock):
    from tests.integration.web.conftest import Browser

    duty_desk(session, clock)
    complaint = submit(session, clock)
    contact(session, clock, "camat", "Camat Glagah", CAMAT_PHONE, district_id=complaint.district_id)
    twilio.replies(f"OK {complaint.ticket}", sender=CAMAT_PHONE)
    twilio.replies(f"OK {complaint.ticket}", sender=DUTY_PHONE, whatsapp=True)
    browser = Browser(client)
    browser.sign_in("supervisor")
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "Camat Glagah" in page and "bukan penerimaan oleh instansi" in page
    assert "Piket Dinsos: Bu Rina mengonfirmasi" in page
