"""The satisfaction question by SMS and WhatsApp (as SMS text for now): digits 1-4 with an
optional comment, after YA or after the automatic close, never asked twice."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.domain.actor import Actor
from app.models import Complaint, OutboxMessage, User
from app.models.satisfaction import SatisfactionSurvey
from app.services import lifecycle
from app.services.lifecycle import closing
from tests.integration.sms.conftest import settings, twilio, twilio_api  # noqa: F401


def officer(session):
    user = session.scalar(select(User).where(User.username == "officer.dinsos"))
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.jurisdiction_id, name=user.name)


def reported_and_handled(twilio, session, clock, **kwargs):
    twilio.replies("LAPOR MAKAN Kemiren: nenek tidak makan dua hari", **kwargs)
    complaint = session.scalar(select(Complaint).order_by(Complaint.id.desc()).limit(1))
    lifecycle.handle(session, clock.now(), complaint.ticket, officer(session), note="Beras diantar.")
    return complaint


def asked(session, template="survey.ask_digits"):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)).all()


def test_ya_asks_by_sms_and_digits_with_a_comment_answer(twilio, session, clock):
    complaint = reported_and_handled(twilio, session, clock)
    twilio.replies("YA")
    [question] = asked(session)
    assert question.channel == "sms" and "Balas 1 Tidak puas" in question.body
    [thanks] = twilio.replies("3 petugas ramah tapi agak lama")
    assert complaint.ticket in thanks and "tercatat" in thanks
    survey = session.scalar(select(SatisfactionSurvey))
    assert (survey.score, survey.comment, survey.channel) == (3, "petugas ramah tapi agak lama", "sms")
    # answered: a later digit is no longer an answer, the first stays
    twilio.replies("1")
    session.refresh(survey)
    assert survey.score == 3


def test_whatsapp_asks_as_text_on_whatsapp(twilio, session, clock):
    reported_and_handled(twilio, session, clock, whatsapp=True)
    twilio.replies("YA", whatsapp=True)
    [question] = asked(session)
    assert question.channel == "whatsapp" and question.recipient.startswith("whatsapp:")
    twilio.replies("4", whatsapp=True)
    assert session.scalar(select(SatisfactionSurvey.score)) == 4


def test_the_automatic_close_asks_once_and_not_after_a_confirmation(twilio, session, clock):
    silent = reported_and_handled(twilio, session, clock)
    clock.advance(closing.CONFIRMATION_WINDOW + timedelta(hours=1))
    assert closing.close_settled(session, clock.now()) == 1
    [question] = asked(session)
    assert question.complaint_id == silent.id
    assert session.scalar(select(SatisfactionSurvey.asked_because)) == "closed"
    # a complaint confirmed (asked then) and later closed is not asked again
    confirmed = reported_and_handled(twilio, session, clock)
    twilio.replies("YA")
    clock.advance(closing.CONFIRMATION_WINDOW + timedelta(hours=1))
    closing.close_settled(session, clock.now())
    assert session.scalar(select(func.count()).select_from(SatisfactionSurvey)
                          .where(SatisfactionSurvey.complaint_id == confirmed.id)) == 1
    assert len(asked(session)) == 2


def test_digits_without_a_question_are_not_an_answer(twilio, session, clock):
    replies = twilio.replies("3")
    assert replies and "tercatat" not in replies[0]
    assert session.scalar(select(func.count()).select_from(SatisfactionSurvey)) == 0
