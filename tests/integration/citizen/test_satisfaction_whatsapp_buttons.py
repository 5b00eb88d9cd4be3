"""The satisfaction question on WhatsApp as four buttons (issue 19, item 1): once its template is
approved it goes as that template even inside the 24-hour window (the only way WhatsApp shows four
buttons), and a tap answers as the digit does; before approval it is the text asking for a digit."""
from __future__ import annotations

import json

from sqlalchemy import select

from app.channels.senders import build_senders
from app.domain import whatsapp_templates as rules
from app.domain.actor import Actor
from app.models import Complaint, OutboxMessage, User
from app.models.satisfaction import SatisfactionSurvey
from app.services import lifecycle
from app.services.messaging import outbox, whatsapp
from tests.integration.sms.conftest import CITIZEN, settings, twilio, twilio_api  # noqa: F401


def officer(session):
    user = session.scalar(select(User).where(User.username == "officer.dinsos"))
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.jurisdiction_id, name=user.name)


def approve_survey(session, clock, twilio_api):
    for language in ("id", "en"):
        template = rules.build("survey.ask_digits", language)
        sid = "HX" + ("5" if language == "id" else "6") * 32
        whatsapp.set_content_sid(session, clock.now(), name=template.name, language=language, sid=sid)
        twilio_api.approve(sid, template)
    session.commit()


def handled_and_confirmed(twilio, session, clock) -> Complaint:
    twilio.replies("LAPOR MAKAN Kemiren: nenek tidak makan", whatsapp=True)
    complaint = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()
    lifecycle.handle(session, clock.now(), complaint.ticket, officer(session), note="Beras diantar.")
    twilio.replies("YA", whatsapp=True)
    return complaint


def test_an_approved_survey_goes_as_four_buttons_and_a_tap_answers(twilio, twilio_api, session, clock, settings):
    approve_survey(session, clock, twilio_api)
    complaint = handled_and_confirmed(twilio, session, clock)
    outbox.deliver_due(session, clock.now(), build_senders(settings))
    [question] = [m for m in twilio_api.sent_to(CITIZEN) if m.get("ContentSid") == "HX" + "5" * 32]
    assert json.loads(question["ContentVariables"])["1"] == complaint.ticket
    assert [p for _t, p in rules.build("survey.ask_digits", "id").buttons] == ["1", "2", "3", "4"]

    twilio.replies("3 Puas", whatsapp=True, ButtonText="3 Puas", ButtonPayload="3")
    assert session.scalar(select(SatisfactionSurvey.score).where(SatisfactionSurvey.complaint_id == complaint.id)) == 3


def test_before_approval_the_question_is_text_inside_the_window(twilio, twilio_api, session, clock, settings):
    handled_and_confirmed(twilio, session, clock)
    outbox.deliver_due(session, clock.now(), build_senders(settings))
    asked = session.scalar(select(OutboxMessage).where(OutboxMessage.template == "survey.ask_digits"))
    assert asked.status == "sent" and "content_sid" not in (asked.extra or {})
    assert any("Balas 1 Tidak puas" in (m.get("Body") or "") for m in twilio_api.sent_to(CITIZEN))
