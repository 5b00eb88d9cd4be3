"""Confidential and anonymous reports by SMS and WhatsApp: a keyword after LAPOR (LAPOR RAHASIA
MAKAN ..., LAPOR ANONIM ...), in the one-shot form or the menu dialogue; the receipt says what the
choice means; an anonymous report is answered on its number until it is settled, then forgotten."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain.actor import Actor
from app.models import Complaint, OutboxMessage, Reporter, User
from app.models.satisfaction import SatisfactionSurvey
from app.models.sms import SmsInboundMessage
from app.services import lifecycle
from app.services.lifecycle import anonymity, closing
from app.domain.sms_parser import sms_segments
from tests.integration.sms.conftest import CITIZEN, PUBLIC_BASE_URL, settings, twilio, twilio_api  # noqa: F401


def officer(session):
    user = session.scalar(select(User).where(User.username == "officer.dinsos"))
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.jurisdiction_id, name=user.name)


def last_complaint(session) -> Complaint:
    return session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()


@pytest.mark.parametrize("whatsapp", [False, True], ids=["sms", "whatsapp"])
def test_lapor_rahasia_files_a_confidential_report_and_the_receipt_says_so(twilio, session, whatsapp):
    [receipt] = twilio.replies("LAPOR RAHASIA MAKAN Kemiren: keluarga Pak Darmo tidak makan", whatsapp=whatsapp)
    complaint = last_complaint(session)
    assert complaint.confidentiality == "rahasia" and complaint.channel == ("whatsapp" if whatsapp else "sms")
    assert complaint.reporter.phone == CITIZEN
    assert complaint.ticket in receipt and "Laporan RAHASIA" in receipt
    assert complaint.description == "keluarga Pak Darmo tidak makan"
    # the same status link as an ordinary report (the ticket only), after what the choice means
    assert receipt.endswith(f"Kabar laporan tetap dikirim ke Anda. Lacak di web: {PUBLIC_BASE_URL}/lacak?tiket={complaint.ticket}")
    assert sms_segments(receipt) <= 3


@pytest.mark.parametrize("whatsapp", [False, True], ids=["sms", "whatsapp"])
def test_lapor_anonim_files_an_anonymous_report_and_the_receipt_says_what_that_means(twilio, session, whatsapp):
    [receipt] = twilio.replies("lapor anonim makan Kemiren: nenek sendirian tidak makan", whatsapp=whatsapp)
    complaint = last_complaint(session)
    assert complaint.confidentiality == "anonim" and complaint.reporter.phone == CITIZEN
    assert "Laporan ANONIM" in receipt and "dilepas dari laporan 7 hari setelah laporan ditutup" in receipt
    assert receipt.endswith(f"setelah laporan ditutup. Lacak di web: {PUBLIC_BASE_URL}/lacak?tiket={complaint.ticket}")
    assert sms_segments(receipt) <= 3


def test_the_choice_survives_the_menu_dialogue(twilio, session):
    twilio.replies("LAPOR RAHASIA")
    twilio.replies("1")
    twilio.replies("Kemiren")
    [receipt] = twilio.replies("Nenek Sumi tidak makan sejak kemarin")
    complaint = last_complaint(session)
    assert complaint.confidentiality == "rahasia" and complaint.category.code == "hunger"
    assert "Laporan RAHASIA" in receipt


def test_english_keywords_choose_too(twilio, session):
    [receipt] = twilio.replies("REPORT CONFIDENTIAL HUNGER Kemiren: a family has not eaten")
    assert last_complaint(session).confidentiality == "rahasia"
    assert "CONFIDENTIAL report" in receipt
    assert receipt.endswith(f" Track it online: {PUBLIC_BASE_URL}/lacak?tiket={last_complaint(session).ticket}&lang=en")
    assert sms_segments(receipt) <= 3


def test_an_ordinary_report_stays_ordinary(twilio, session):
    [receipt] = twilio.replies("LAPOR MAKAN Kemiren: nenek tidak makan")
    assert last_complaint(session).confidentiality == "normal"
    assert "RAHASIA" not in receipt and "ANONIM" not in receipt


def test_an_anonymous_report_is_answered_until_settled_then_its_number_is_forgotten(twilio, session, clock):
    twilio.replies("LAPOR ANONIM MAKAN Kemiren: nenek tidak makan")
    complaint = last_complaint(session)
    reporter_id = complaint.reporter_id
    lifecycle.handle(session, clock.now(), complaint.ticket, officer(session), note="Beras diantar.")
    # updates and "was it handled?" still reach the citizen, and their YA counts
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.complaint_id == complaint.id,
                                                      OutboxMessage.template == "core.handled")).recipient == CITIZEN
    twilio.replies("YA")
    twilio.replies("4")
    assert session.scalar(select(SatisfactionSurvey.score).where(SatisfactionSurvey.complaint_id == complaint.id)) == 4
    clock.advance(closing.CONFIRMATION_WINDOW + timedelta(hours=1))
    assert closing.close_settled(session, clock.now()) == 1

    # not yet: the survey's answer window is still open
    clock.advance(timedelta(days=6))
    assert anonymity.erase_settled(session, clock.now()) == 0
    clock.advance(timedelta(days=1, minutes=1))
    assert anonymity.erase_settled(session, clock.now()) == 1
    session.expire_all()
    complaint = session.get(Complaint, complaint.id)
    assert complaint.reporter_id is None
    reporter = session.get(Reporter, reporter_id)
    assert (reporter.phone, reporter.name, reporter.telegram_chat_id) == (None, None, None)
    recipients = set(session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.complaint_id == complaint.id,
                                                                           OutboxMessage.recipient_kind == "reporter")))
    assert recipients == {anonymity.ERASED}
    assert set(session.scalars(select(SmsInboundMessage.phone).where(
        SmsInboundMessage.complaint_id == complaint.id))) == {anonymity.ERASED}
    assert [e.kind for e in complaint_events(session, complaint)][-1] == "reporter_detached"
    # run again: nothing more to do
    assert anonymity.erase_settled(session, clock.now()) == 0


def test_the_same_number_keeps_its_ordinary_reports_when_an_anonymous_one_is_erased(twilio, session, clock):
    twilio.replies("LAPOR MAKAN Kemiren: keluarga tidak makan")
    ordinary = last_complaint(session)
    twilio.replies("LAPOR ANONIM SEKOLAH Kemiren: anak tidak sekolah")
    anonymous = last_complaint(session)
    assert anonymous.reporter_id == ordinary.reporter_id
    lifecycle.reject(session, clock.now(), anonymous.ticket, officer_or_supervisor(session), reason="out_of_scope")
    clock.advance(anonymity.KEEP_AFTER_SETTLED + timedelta(minutes=1))
    assert anonymity.erase_settled(session, clock.now()) == 1
    session.expire_all()
    assert session.get(Complaint, anonymous.id).reporter_id is None
    assert session.get(Complaint, ordinary.id).reporter.phone == CITIZEN


def test_a_settled_complaint_closed_automatically_is_erased_after_the_window_too(twilio, session, clock):
    twilio.replies("LAPOR ANONIM MAKAN Kemiren: nenek tidak makan")
    complaint = last_complaint(session)
    lifecycle.handle(session, clock.now(), complaint.ticket, officer(session), note="Beras diantar.")
    clock.advance(closing.CONFIRMATION_WINDOW + timedelta(hours=1))
    assert closing.close_settled(session, clock.now()) == 1
    assert anonymity.erase_settled(session, clock.now()) == 0
    clock.advance(anonymity.KEEP_AFTER_SETTLED)
    assert anonymity.erase_settled(session, clock.now()) == 1


def officer_or_supervisor(session):
    user = session.scalar(select(User).where(User.username == "supervisor"))
    return Actor(kind="user", id=user.id, role=user.role, jurisdiction_id=user.jurisdiction_id, name=user.name)


def complaint_events(session, complaint):
    from app.services import audit
    return audit.events_of(session, complaint.id)
