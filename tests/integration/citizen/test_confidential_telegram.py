"""Confidential and anonymous reports on Telegram: the choice is a button on the summary, with what
each means beside it; the receipt says what was chosen; an anonymous report keeps no name."""
from __future__ import annotations

from sqlalchemy import select

from app.domain.actor import Actor
from app.models import Complaint, OutboxMessage, User
from app.services import lifecycle
from tests.integration.telegram.conftest import CHAT_ID, post_update, settings, telegram_api, updates  # noqa: F401


def _last(session):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == str(CHAT_ID))
                           .order_by(OutboxMessage.id.desc()).limit(1)).one()


def _until_summary(post_update, updates):
    post_update(updates.message("/lapor"))
    post_update(updates.callback("cat:hunger"))
    post_update(updates.message("Kemiren"))
    post_update(updates.message("Keluarga Pak Darmo di belakang pasar sudah dua hari tidak makan."))


def _filed(session) -> Complaint:
    return session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()


def test_the_summary_offers_ordinary_confidential_and_anonymous_sending_and_says_what_they_mean(
        post_update, updates, session):
    _until_summary(post_update, updates)
    summary = _last(session)
    data = [b["callback_data"] for row in summary.extra["buttons"] for b in row]
    assert data == ["rep:send", "rep:cancel", "rep:send:rahasia", "rep:send:anonim"]
    assert "Rahasia: nama dan nomor Anda tidak ditampilkan ke dinas" in summary.body
    assert "Anonim: tidak ada petugas yang tahu siapa Anda" in summary.body


def test_a_confidential_report_keeps_the_reporter_and_updates_still_reach_the_chat(post_update, updates, session,
                                                                                   clock):
    _until_summary(post_update, updates)
    post_update(updates.callback("rep:send:rahasia"))
    complaint = _filed(session)
    assert complaint.confidentiality == "rahasia"
    assert complaint.reporter.name == "Siti" and complaint.reporter.telegram_chat_id == CHAT_ID
    receipt = _last(session)
    assert complaint.ticket in receipt.body and "Laporan RAHASIA" in receipt.body
    # the same status link as any report: the ticket only, after what the choice means
    assert receipt.body.endswith(f"supervisor. Kabar laporan tetap dikirim ke Anda.\n"
                                 f"Lacak di web: https://sigap.example.go.id/lacak?tiket={complaint.ticket}")
    officer = session.scalar(select(User).where(User.username == "officer.dinsos"))
    lifecycle.handle(session, clock.now(), complaint.ticket,
                     Actor(kind="user", id=officer.id, role="officer", agency_id=officer.agency_id,
                           jurisdiction_id=officer.jurisdiction_id), note="Beras diantar.")
    update = _last(session)
    assert update.template == "core.handled" and complaint.ticket in update.body


def test_an_anonymous_report_keeps_the_chat_to_answer_but_no_name(post_update, updates, session):
    _until_summary(post_update, updates)
    post_update(updates.callback("rep:send:anonim"))
    complaint = _filed(session)
    assert complaint.confidentiality == "anonim"
    assert complaint.reporter.telegram_chat_id == CHAT_ID and complaint.reporter.name is None
    receipt = _last(session)
    assert "Laporan ANONIM" in receipt.body and "7 hari" in receipt.body
    assert receipt.body.endswith(f"\nLacak di web: https://sigap.example.go.id/lacak?tiket={_filed(session).ticket}")


def test_the_plain_send_button_files_an_ordinary_report(post_update, updates, session):
    _until_summary(post_update, updates)
    post_update(updates.callback("rep:send"))
    complaint = _filed(session)
    assert complaint.confidentiality == "normal" and complaint.reporter.name == "Siti"
    assert "RAHASIA" not in _last(session).body and "ANONIM" not in _last(session).body
