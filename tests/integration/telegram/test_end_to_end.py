"""A whole report by Telegram: /start, /lapor ... ticket, the agency handles it, the outbox asks the
citizen through the real Bot "Sudah ditangani?", the citizen says No, the complaint is reopened."""
from __future__ import annotations

from sqlalchemy import select

from app.channels.telegram.sender import TelegramSender
from app.domain.actor import Actor
from app.models import Complaint, Event, OutboxMessage, User
from app.services import lifecycle
from app.services.messaging import outbox

CHAT_ID = 700100200


def _officer(session, username="officer.dinsos"):
    user = session.scalar(select(User).where(User.username == username))
    return user, Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                       jurisdiction_id=user.jurisdiction_id, name=user.name)


def _senders(settings):
    return {**outbox.build_senders(settings), "telegram": TelegramSender(settings)}


def test_a_report_from_start_to_handled_to_no_reopens_it(post_update, updates, session, clock, settings,
                                                          telegram_api):
    post_update(updates.message("/start"))
    post_update(updates.message("/lapor"))
    post_update(updates.callback("cat:hunger"))
    post_update(updates.message("Kemiren"))
    post_update(updates.message("Mbah Sumi (80) tinggal sendiri, sudah dua hari tidak makan."))
    post_update(updates.callback("rep:send"))
    complaint = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()
    assert complaint.status == "assigned" and complaint.agency.code == "bwi-dinsos"

    # The conversation's replies and the receipt go out through the real Bot.
    outbox.deliver_due(session, clock.now(), _senders(settings))
    texts = [c["text"] for c in telegram_api.calls("sendMessage") if c["chat_id"] == str(CHAT_ID)]
    assert texts[0].startswith("Halo! Ini Sigap")
    assert complaint.ticket in texts[-1] and "13:00 WIB" in texts[-1]
    # ... and ends with the status page's link, the ticket filled in (the code is typed, never linked)
    assert texts[-1].endswith(f"\nLacak di web: https://sigap.example.go.id/lacak?tiket={complaint.ticket}")

    clock.advance(hours=2)
    _user, officer = _officer(session)
    lifecycle.handle(session, clock.now(), complaint.ticket, officer, note="Petugas datang membawa sembako.")
    outbox.deliver_due(session, clock.now(), _senders(settings))
    question = [c for c in telegram_api.calls("sendMessage") if c["chat_id"] == str(CHAT_ID)][-1]
    assert "sembako" in question["text"]
    no_button = question["reply_markup"]["inline_keyboard"][0][1]
    assert no_button["callback_data"] == f"confirm:no:{complaint.ticket}"

    clock.advance(minutes=30)
    response = post_update(updates.callback(no_button["callback_data"]))
    assert response.status_code == 200
    session.refresh(complaint)
    assert complaint.status == "assigned"
    assert complaint.reopened_count == 1 and complaint.handled_at is None
    reopened = session.scalars(select(Event).where(Event.complaint_id == complaint.id, Event.kind == "reopened")).one()
    assert reopened.actor == f"reporter:{complaint.reporter_id}" and reopened.data["by_citizen"] is True
    replies = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == str(CHAT_ID))
                              .order_by(OutboxMessage.id)).all()
    assert "dibuka kembali" in replies[-1].body


def test_yes_records_the_citizens_confirmation(post_update, updates, session, clock, telegram_complaint):
    complaint = telegram_complaint()
    _user, officer = _officer(session)
    lifecycle.handle(session, clock.now(), complaint.ticket, officer, note="Sembako diantar.")
    post_update(updates.callback(f"confirm:yes:{complaint.ticket}"))
    kinds = [e.kind for e in session.scalars(select(Event).where(Event.complaint_id == complaint.id)
                                             .order_by(Event.seq))]
    assert kinds[-1] == "citizen_confirmed"
    session.refresh(complaint)
    assert complaint.status == "handled"


def test_someone_else_cannot_answer_for_the_reporter(post_update, updates, session, clock, telegram_complaint):
    complaint = telegram_complaint()
    _user, officer = _officer(session)
    lifecycle.handle(session, clock.now(), complaint.ticket, officer, note="Sembako diantar.")
    updates.chat_id = 700100999
    response = post_update(updates.callback(f"confirm:no:{complaint.ticket}"))
    assert response.status_code == 200
    session.refresh(complaint)
    assert complaint.status == "handled"


def test_answering_no_before_it_was_handled_is_explained_not_a_500(post_update, updates, session,
                                                                   telegram_complaint):
    complaint = telegram_complaint()
    response = post_update(updates.callback(f"confirm:no:{complaint.ticket}"))
    assert response.status_code == 200
    last = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == str(CHAT_ID))
                           .order_by(OutboxMessage.id.desc()).limit(1)).one()
    assert "tidak bisa diubah" in last.body
    session.refresh(complaint)
    assert complaint.status == "assigned" and complaint.reopened_count == 0


def test_a_typed_tidak_reopens_the_latest_handled_complaint(post_update, updates, session, clock,
                                                            telegram_complaint):
    complaint = telegram_complaint()
    _user, officer = _officer(session)
    lifecycle.handle(session, clock.now(), complaint.ticket, officer, note="Sembako diantar.")
    post_update(updates.message("TIDAK"))
    session.refresh(complaint)
    assert complaint.status == "assigned" and complaint.reopened_count == 1


def test_a_typed_ya_without_any_handled_complaint_just_gets_the_hint(post_update, updates, session):
    post_update(updates.message("ya"))
    last = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == str(CHAT_ID))).one()
    assert "/lapor" in last.body
