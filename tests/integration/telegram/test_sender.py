"""The outbox's Telegram sender: the real PTB Bot against the fake Bot API, its buttons, how it
reports flood control (429), a blocked bot (403) and network failures to the outbox, the one
connection its messages share, and a group that became a supergroup (its chat id moved)."""
from __future__ import annotations

import os
import socket
import threading

from sqlalchemy import select

from app.channels.telegram import bots
from app.channels.telegram.sender import TelegramSender
from app.models import OutboxMessage, Reporter, User
from app.models.place import Jurisdiction
from app.models.sla_engine import EscalationContact
from app.services.messaging import outbox

CHAT_ID = 700100200
GROUP, SUPERGROUP = -4012345678, -1004012345678


def _message(session, clock, **fields):
    values = dict(channel="telegram", recipient=str(CHAT_ID), recipient_kind="reporter", template="test",
                  language="id", body="Halo dari Sigap", extra={})
    values.update(fields)
    message = outbox.enqueue(session, clock.now(), **values)
    session.flush()
    return message


def test_a_message_reaches_the_bot_api_with_its_inline_buttons(session, clock, settings, telegram_api):
    buttons = [[{"text": "Ya", "callback_data": "confirm:yes:BWI-2026-000001"},
                {"text": "Tidak", "callback_data": "confirm:no:BWI-2026-000001"}]]
    message = _message(session, clock, extra={"buttons": buttons})
    result = TelegramSender(settings).send(message)
    assert result.ok and result.provider_id
    sent = telegram_api.calls("sendMessage")
    assert len(sent) == 1
    assert sent[0]["chat_id"] == str(CHAT_ID) and sent[0]["text"] == "Halo dari Sigap"
    assert sent[0]["reply_markup"] == {"inline_keyboard": [
        [{"text": "Ya", "callback_data": "confirm:yes:BWI-2026-000001"},
         {"text": "Tidak", "callback_data": "confirm:no:BWI-2026-000001"}]]}
    TelegramSender(settings).send(_message(session, clock))
    assert len(telegram_api.calls("getMe")) == 1  # once per process, no extra round trip per message


def test_many_messages_share_one_connection_to_the_bot_api(session, clock, settings, telegram_api):
    messages = [_message(session, clock, body=f"Pesan {i}") for i in range(20)]
    session.commit()
    outbox.deliver_due(session, clock.now(), {"telegram": TelegramSender(settings)})
    assert [m.status for m in messages] == ["sent"] * 20
    assert len(telegram_api.calls("sendMessage")) == 20
    # One TCP (in production TLS) connection for the batch, where a Bot per message opened 20.
    assert telegram_api.connections == 1


def test_a_forked_worker_talks_to_telegram_through_a_bot_of_its_own(session, clock, settings, telegram_api):
    sender = TelegramSender(settings)
    assert sender.send(_message(session, clock)).ok  # the parent's loop and connection exist now
    pid = os.fork()
    if pid == 0:  # the child (a gunicorn worker, say): its parent's loop thread is not there
        try:
            detached = OutboxMessage(channel="telegram", recipient=str(CHAT_ID), recipient_kind="staff",
                                     template="test", language="id", body="dari anak", extra={})
            os._exit(0 if sender.send(detached).ok else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert sender.send(_message(session, clock)).ok  # and the parent's goes on working
    assert [c["text"] for c in telegram_api.calls("sendMessage")][-2] == "dari anak"
    assert telegram_api.connections == 2


def test_shutting_down_closes_the_connection_and_ends_the_loop_thread(session, clock, settings, telegram_api):
    assert TelegramSender(settings).send(_message(session, clock)).ok
    assert any(t.name == "telegram-loop" for t in threading.enumerate())
    bots.shutdown()
    assert not any(t.name == "telegram-loop" for t in threading.enumerate())
    assert TelegramSender(settings).send(_message(session, clock)).ok  # the next send starts afresh
    assert telegram_api.connections == 2


def test_a_handled_question_to_a_citizen_gets_yes_and_no_buttons(session, clock, settings, telegram_api,
                                                                   telegram_complaint):
    complaint = telegram_complaint()
    message = _message(session, clock, complaint=complaint, extra={"ask": "confirm_handled", "replies": ["YA", "TIDAK"]})
    TelegramSender(settings).send(message)
    keyboard = telegram_api.calls("sendMessage")[0]["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for b in keyboard[0]] == [f"confirm:yes:{complaint.ticket}", f"confirm:no:{complaint.ticket}"]


def test_an_alert_to_staff_carries_an_acknowledge_button(session, clock, settings, telegram_api, telegram_complaint):
    complaint = telegram_complaint()
    message = _message(session, clock, complaint=complaint, recipient_kind="staff", template="core.staff.new")
    TelegramSender(settings).send(message)
    keyboard = telegram_api.calls("sendMessage")[0]["reply_markup"]["inline_keyboard"]
    assert keyboard == [[{"text": "👍 Terima laporan", "callback_data": f"ack:{complaint.ticket}"}]]


def test_location_step_offers_a_share_location_keyboard(session, clock, settings, telegram_api):
    message = _message(session, clock, extra={"request_location": "Kirim lokasi"})
    TelegramSender(settings).send(message)
    markup = telegram_api.calls("sendMessage")[0]["reply_markup"]
    assert markup["keyboard"] == [[{"text": "Kirim lokasi", "request_location": True}]]


def test_flood_control_429_is_a_retry_after_the_seconds_telegram_asked(session, clock, settings, telegram_api):
    telegram_api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    result = TelegramSender(settings).send(_message(session, clock))
    assert not result.ok and not result.permanent
    assert result.retry_after == 7


def test_a_blocked_bot_403_is_permanent(session, clock, settings, telegram_api):
    telegram_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    result = TelegramSender(settings).send(_message(session, clock))
    assert not result.ok and result.permanent
    assert "blocked" in result.error


def test_a_network_failure_is_temporary(session, clock, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.telegram_api_base_url = f"http://127.0.0.1:{port}"  # nothing listens here
    result = TelegramSender(settings).send(_message(session, clock))
    assert not result.ok and not result.permanent and result.retry_after is None


def test_the_outbox_honours_retry_after_and_marks_a_blocked_reporter_unreachable(session, clock, settings,
                                                                                 telegram_api):
    reporter = Reporter(telegram_chat_id=CHAT_ID, language="id", created_at=clock.now())
    session.add(reporter)
    session.flush()
    first = _message(session, clock, reporter_id=reporter.id)
    session.commit()
    senders = {"telegram": TelegramSender(settings)}
    telegram_api.fail_next("sendMessage", 429, "Too Many Requests: retry after 20", retry_after=20)
    outbox.deliver_due(session, clock.now(), senders)
    session.refresh(first)
    assert first.status == "failed"
    assert (first.next_attempt_at - clock.now()).total_seconds() == 20

    clock.advance(seconds=20)
    telegram_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    outbox.deliver_due(session, clock.now(), senders)
    session.refresh(first)
    session.refresh(reporter)
    assert first.status == "dead"
    assert reporter.unreachable is True


def _deliver(session, clock, settings):
    outbox.deliver_due(session, clock.now(), {"telegram": TelegramSender(settings)})


def _to(telegram_api, chat_id: int) -> list[dict]:
    return [c for c in telegram_api.calls("sendMessage") if c["chat_id"] == str(chat_id)]


def test_an_alert_to_a_group_that_became_a_supergroup_arrives_there_and_the_new_id_is_kept(
        session, clock, settings, telegram_api):
    officer = session.scalar(select(User).where(User.username == "officer.dinsos"))
    officer.telegram_chat_id = GROUP
    first = _message(session, clock, recipient=str(GROUP), recipient_kind="staff", user_id=officer.id)
    second = _message(session, clock, recipient=str(GROUP), recipient_kind="staff", user_id=officer.id,
                      body="Pengingat")
    session.commit()
    telegram_api.migrate_chat(GROUP, SUPERGROUP)
    _deliver(session, clock, settings)
    assert (first.status, first.recipient) == ("sent", str(SUPERGROUP))
    assert (second.status, second.recipient) == ("sent", str(SUPERGROUP))
    session.refresh(officer)
    assert officer.telegram_chat_id == SUPERGROUP
    # Telegram said it once; the second message went to the new id directly.
    assert len(_to(telegram_api, GROUP)) == 1
    assert [c["text"] for c in _to(telegram_api, SUPERGROUP)] == ["Halo dari Sigap", "Pengingat"]


def test_a_reporters_moved_chat_gets_the_message_and_the_reporter_keeps_the_new_id(session, clock, settings,
                                                                                  telegram_api):
    reporter = Reporter(telegram_chat_id=GROUP, language="id", created_at=clock.now())
    session.add(reporter)
    session.flush()
    message = _message(session, clock, recipient=str(GROUP), reporter_id=reporter.id)
    session.commit()
    telegram_api.migrate_chat(GROUP, SUPERGROUP)
    _deliver(session, clock, settings)
    session.refresh(reporter)
    assert message.status == "sent" and message.recipient == str(SUPERGROUP)
    assert reporter.telegram_chat_id == SUPERGROUP and reporter.unreachable is False


def test_an_escalation_contacts_moved_group_is_updated(session, clock, settings, telegram_api):
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "banyuwangi"))
    contact = EscalationContact(jurisdiction_id=jurisdiction.id, level="camat", name="Grup Camat Glagah",
                                telegram_chat_id=GROUP, channel="telegram", created_at=clock.now())
    session.add(contact)
    session.flush()
    message = _message(session, clock, recipient=str(GROUP), recipient_kind="staff",
                       extra={"contact_id": contact.id})
    session.commit()
    telegram_api.migrate_chat(GROUP, SUPERGROUP)
    _deliver(session, clock, settings)
    session.refresh(contact)
    assert message.status == "sent"
    assert contact.telegram_chat_id == SUPERGROUP


def test_a_moved_chat_whose_new_id_is_already_a_reporters_is_still_reached(session, clock, settings, telegram_api):
    old = Reporter(telegram_chat_id=GROUP, language="id", created_at=clock.now())
    new = Reporter(telegram_chat_id=SUPERGROUP, language="id", created_at=clock.now())
    session.add_all([old, new])
    session.flush()
    message = _message(session, clock, recipient=str(GROUP), reporter_id=old.id)
    session.commit()
    telegram_api.migrate_chat(GROUP, SUPERGROUP)
    _deliver(session, clock, settings)
    session.refresh(old)
    assert message.status == "sent" and message.recipient == str(SUPERGROUP)
    assert old.telegram_chat_id == GROUP  # chat ids of reporters are unique: the old row keeps its own
