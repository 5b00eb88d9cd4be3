"""Rich WhatsApp inbound: a photo fetched from Twilio with the account's auth into the complaint's
files (type and size checked), a shared location matched to the village and checked to be inside the
jurisdiction, and quick-reply buttons answering YA/TIDAK."""
from __future__ import annotations

from sqlalchemy import select

from app.models import Complaint, ComplaintFile, Village
from app.services.lifecycle.complaint_files import MAX_BYTES
from tests.images import jpeg

REPORT = "LAPOR MAKAN Kemiren: nenek Sumi tidak makan sejak kemarin"


def photo_form(twilio_api, data=None, content_type="image/jpeg") -> dict:
    url = twilio_api.add_media(jpeg() if data is None else data, content_type)
    return {"NumMedia": "1", "MediaUrl0": url, "MediaContentType0": content_type}


def test_a_report_with_a_photo_keeps_the_photo_on_the_complaint(app, twilio, twilio_api, session):
    replies = twilio.replies(REPORT, whatsapp=True, **photo_form(twilio_api))
    complaint = session.scalar(select(Complaint))
    assert len(replies) == 1 and complaint.ticket in replies[0]
    [photo] = session.scalars(select(ComplaintFile).where(ComplaintFile.complaint_id == complaint.id)).all()
    assert (photo.purpose, photo.content_type) == ("report", "image/jpeg")
    fetch = [r for r in twilio_api.requests if "/Media/" in r["path"]]
    assert fetch and fetch[0]["authorization"].startswith("Basic ")


def test_a_photo_sent_after_the_report_joins_it(app, twilio, twilio_api, session):
    twilio.replies(REPORT, whatsapp=True)
    complaint = session.scalar(select(Complaint))
    [reply] = twilio.replies("", whatsapp=True, **photo_form(twilio_api))
    assert complaint.ticket in reply and "Foto ditambahkan" in reply
    assert session.scalar(select(ComplaintFile).where(ComplaintFile.complaint_id == complaint.id))


def test_a_photo_of_the_wrong_type_or_too_large_is_refused_and_the_report_stands(app, twilio, twilio_api, session):
    replies = twilio.replies(REPORT, whatsapp=True, **photo_form(twilio_api, b"%PDF-1.4", "application/pdf"))
    complaint = session.scalar(select(Complaint))
    assert complaint is not None and "tidak bisa disimpan" in replies[-1]
    [refused] = twilio.replies("", whatsapp=True, **photo_form(twilio_api, jpeg(padding=MAX_BYTES + 10)))
    assert "tidak bisa disimpan" in refused
    assert not session.scalars(select(ComplaintFile)).all()


def test_a_shared_location_names_the_village_and_a_point_outside_is_refused(app, twilio, session):
    kemiren = session.scalar(select(Village).where(Village.code == "35.10.15.2004"))
    kemiren.lat, kemiren.lon = -8.2135, 114.3270
    session.flush()
    [far] = twilio.replies("", whatsapp=True, Latitude="-8.95", Longitude="114.30")  # at sea
    assert "tidak berada di" in far
    first = twilio.replies("", whatsapp=True, Latitude="-8.2150", Longitude="114.3301")
    assert "Kemiren" in first[0] and "1 Tidak bisa makan" in first[1]  # the category menu comes next
    twilio.replies("1", whatsapp=True)
    twilio.replies("Nenek Sumi tidak makan sejak kemarin", whatsapp=True)
    complaint = session.scalar(select(Complaint))
    assert complaint.village_id == kemiren.id and (complaint.lat, complaint.lon) == (-8.215, 114.3301)


def test_a_button_reply_is_read_by_its_payload(app, twilio, twilio_api, session, clock):
    from app.domain.actor import Actor
    from app.models import User
    from app.services import lifecycle

    twilio.replies(REPORT, whatsapp=True)
    complaint = session.scalar(select(Complaint))
    user = session.scalar(select(User).where(User.username == "officer.dinsos"))
    lifecycle.handle(session, clock.now(), complaint.ticket,
                     Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id), note="Beras diantar")
    # An English reader's button says YES; its payload is the protocol's YA.
    [reply] = twilio.replies("YES!", whatsapp=True, ButtonText="YES", ButtonPayload="YA")
    assert "Terima kasih" in reply or "Thank" in reply


def test_staff_answer_an_alert_with_the_ok_button(app, twilio, session, clock):
    from app.models import Event, User
    from app.services import intake
    from app.services.messaging import notifications

    complaint = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger", village="Kemiren",
                              description="Nenek Sumi tidak makan sejak kemarin", reporter={"phone": "+6281234500077"})
    officer = session.scalar(select(User).where(User.username == "officer.dinsos"))
    officer.phone = "+6281299990005"
    complaint.assignee_id = officer.id
    session.commit()
    notifications.tell_staff(session, complaint, [notifications.user_recipient(officer)], "core.staff.assigned",
                             clock.now())
    session.commit()
    assert complaint.status == "assigned"
    [reply] = twilio.replies("OK", sender=officer.phone, whatsapp=True, ButtonText="OK", ButtonPayload="OK")
    assert complaint.ticket in reply
    session.refresh(complaint)
    assert complaint.status == "acknowledged" and complaint.acknowledged_at == clock.now()
    assert session.scalar(select(Event).where(Event.complaint_id == complaint.id, Event.kind == "alert_acknowledged"))


def test_opt_in_and_out_are_recorded_with_time_and_channel(app, twilio, session, clock):
    from app.services.messaging import consent
    from tests.integration.sms.conftest import CITIZEN

    twilio.replies(REPORT, whatsapp=True)
    complaint = session.scalar(select(Complaint))
    clock.advance(minutes=5)
    twilio.replies("STOP", whatsapp=True)
    clock.advance(minutes=5)
    twilio.replies("START", whatsapp=True)
    rows = consent.history(session, "whatsapp", CITIZEN)
    assert [(r.kind, r.reason) for r in rows] == [("opt_in", "wrote_first"), ("opt_out", "stop"), ("opt_in", "start")]
    assert rows[0].complaint_id == complaint.id and rows[1].at - rows[0].at == rows[2].at - rows[1].at
