"""The satisfaction question on Telegram: buttons after the citizen confirms handling, a comment
as their next text, never asked twice, nobody else's answer counted."""
from __future__ import annotations

from sqlalchemy import func, select

from app.channels.telegram.sender import TelegramSender
from app.domain.actor import Actor
from app.models import OutboxMessage, User
from app.models.satisfaction import SatisfactionSurvey
from app.services import lifecycle
from app.services.messaging import outbox
from tests.integration.telegram.conftest import (  # noqa: F401  (the fake Bot API and the chat's updates)
    CHAT_ID, post_update, settings, telegram_api, telegram_complaint, updates)


def officer(session):
    user = session.scalar(select(User).where(User.username == "officer.dinsos"))
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.jurisdiction_id, name=user.name)


def surveys(session):
    return session.scalar(select(func.count()).select_from(SatisfactionSurvey))


def test_confirming_handling_asks_once_with_four_buttons_and_takes_a_comment(
        post_update, updates, session, clock, settings, telegram_api, telegram_complaint):
    complaint = telegram_complaint()
    lifecycle.handle(session, clock.now(), complaint.ticket, officer(session), note="Sembako diantar.")
    post_update(updates.callback(f"confirm:yes:{complaint.ticket}"))
    [asked] = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "survey.ask_buttons")).all()
    assert asked.channel == "telegram" and complaint.ticket in asked.body
    outbox.deliver_due(session, clock.now(), {**outbox.build_senders(settings), "telegram": TelegramSender(settings)})
    [sent] = [c for c in telegram_api.calls("sendMessage") if "Seberapa puas" in c["text"]]
    keyboard = str(sent["reply_markup"])
    assert "1 Tidak puas" in keyboard and "4 Sangat puas" in keyboard and f"skm:4:{complaint.ticket}" in keyboard

    post_update(updates.callback(f"skm:4:{complaint.ticket}"))
    post_update(updates.message("Petugas datang cepat, terima kasih"))
    survey = session.scalar(select(SatisfactionSurvey))
    session.refresh(survey)
    assert (survey.score, survey.comment, survey.state, survey.asked_because) == (
        4, "Petugas datang cepat, terima kasih", "done", "confirmed")
    # a second press changes nothing; a second "yes" asks nothing more
    post_update(updates.callback(f"skm:1:{complaint.ticket}"))
    post_update(updates.callback(f"confirm:yes:{complaint.ticket}"))
    session.refresh(survey)
    assert survey.score == 4 and surveys(session) == 1
    assert session.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.template == "survey.ask_buttons")) == 1


def test_another_chat_cannot_answer_for_the_reporter(post_update, updates, session, clock, telegram_complaint):
    complaint = telegram_complaint()
    lifecycle.handle(session, clock.now(), complaint.ticket, officer(session), note="Sembako diantar.")
    post_update(updates.callback(f"confirm:yes:{complaint.ticket}"))
    updates.chat_id = 700100999
    post_update(updates.callback(f"skm:1:{complaint.ticket}"))
    survey = session.scalar(select(SatisfactionSurvey))
    session.refresh(survey)
    assert survey.score is None and survey.state == "asked"


def test_ignoring_the_question_is_fine_and_plain_text_is_not_taken_as_a_comment(
        post_update, updates, session, clock, telegram_complaint):
    complaint = telegram_complaint()
    lifecycle.handle(session, clock.now(), complaint.ticket, officer(session), note="Sembako diantar.")
    post_update(updates.callback(f"confirm:yes:{complaint.ticket}"))
    post_update(updates.message("halo"))
    survey = session.scalar(select(SatisfactionSurvey))
    session.refresh(survey)
    assert survey.comment is None and survey.score is None
