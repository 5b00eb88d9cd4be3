"""The bot attacked: twenty taps on "Kirim" at once, unstorable text, malformed updates, and buttons
forged to name complaints the chat does not own."""
from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from app.models import Complaint, OutboxMessage, Reporter, User
from app.models.telegram import TelegramUpdate
from app.services import intake, lifecycle
from app.services.conversations import telegram_dialogue

CHAT_ID = 700100200  # the chat of the `updates` fixture
WEBHOOK_SECRET = "webhook-secret-for-tests"

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET, "Content-Type": "application/json"}
STAFF_CHAT = 700100300
STRANGER_CHAT = 700100999


def _to_chat(session, chat_id: int = CHAT_ID) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == str(chat_id))
                                .order_by(OutboxMessage.id)))


# --- one confirmation, one complaint ----------------------------------------------------------------

def test_twenty_simultaneous_taps_on_send_file_exactly_one_complaint(committed_app, updates):
    sigap = committed_app.extensions["sigap"]
    sigap.settings.telegram_webhook_secret = WEBHOOK_SECRET
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}

    def post(update):
        with committed_app.test_client() as client:
            response = client.post("/webhooks/telegram", json=update, headers=headers)
            return response.status_code, response.get_json()

    for update in (updates.message("/lapor"), updates.callback("cat:hunger"), updates.message("Kemiren"),
                   updates.message("Mbah Sumi (80) tinggal sendiri, sudah dua hari tidak makan.")):
        assert post(update)[0] == 200
    taps = [updates.callback("rep:send") for _ in range(20)]
    start = threading.Barrier(len(taps))

    def tap(update):
        start.wait(timeout=30)
        return post(update)

    with ThreadPoolExecutor(max_workers=len(taps)) as pool:
        results = list(pool.map(tap, taps))

    assert [status for status, _ in results] == [200] * 20
    with sigap.sessionmaker() as session:
        complaints = session.scalars(select(Complaint).join(Reporter)
                                     .where(Reporter.telegram_chat_id == CHAT_ID)).all()
        assert len(complaints) == 1
        handled = session.scalar(select(func.count()).select_from(TelegramUpdate)
                                 .where(TelegramUpdate.update_id.in_([u["update_id"] for u in taps])))
        assert handled == 20
        receipts = [m for m in _to_chat(session) if complaints[0].ticket in m.body]
        assert len(receipts) == 1
    # Every other tap is told, on the button itself, that the report has gone already.
    answers = sorted((body or {}).get("text", "") for _, body in results)
    assert answers.count("") == 1
    assert all("sudah dikirim" in text for text in answers[1:])


# --- text that cannot be stored as it came ----------------------------------------------------------

def _raw(client, body: str):
    return client.post("/webhooks/telegram", data=body.encode(), headers=HEADERS)


def test_a_description_with_nul_and_a_lone_surrogate_is_filed_cleaned_and_answered(client, post_update,
                                                                                   updates, session):
    post_update(updates.message("/lapor"))
    post_update(updates.callback("cat:hunger"))
    post_update(updates.message("Kemiren"))
    update = updates.message("PLACEHOLDER")
    # The escapes as Telegram (or an attacker with the secret) would write them in the JSON body.
    body = json.dumps(update).replace("PLACEHOLDER", "Mbah Sumi\\u0000 tidak makan \\ud800 dua hari")
    assert _raw(client, body).status_code == 200
    summary = _to_chat(session)[-1]
    assert "Mbah Sumi tidak makan \ufffd dua hari" in summary.body
    post_update(updates.callback("rep:send"))
    complaint = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()
    assert complaint.description == "Mbah Sumi tidak makan \ufffd dua hari"
    assert complaint.reporter.telegram_chat_id == CHAT_ID
    assert complaint.ticket in _to_chat(session)[-1].body


def test_a_sender_name_with_nul_and_a_lone_surrogate_is_stored_cleaned(post_update, updates, session):
    updates.first_name = "Si\x00ti \udfff"  # sent as the JSON escapes \u0000 and \udfff
    for update in (updates.message("/lapor"), updates.callback("cat:hunger"), updates.message("Kemiren"),
                   updates.message("Mbah Sumi (80) tinggal sendiri, sudah dua hari tidak makan."),
                   updates.callback("rep:send")):
        assert post_update(update).status_code == 200
    reporter = session.scalar(select(Reporter).where(Reporter.telegram_chat_id == CHAT_ID))
    assert reporter.name == "Siti \ufffd"
    complaint = session.scalar(select(Complaint).where(Complaint.reporter_id == reporter.id))
    assert complaint.ticket in _to_chat(session)[-1].body


# --- malformed updates ---------------------------------------------------------------------------

USER = {"id": CHAT_ID, "is_bot": False, "first_name": "Siti"}
CHAT = {"id": CHAT_ID, "type": "private", "first_name": "Siti"}
MALFORMED = {
    "a message without chat": {"message": {"message_id": 1, "from": USER, "date": 1795000000, "text": "halo"}},
    "a message without from": {"message": {"message_id": 2, "chat": CHAT, "date": 1795000000, "text": "halo"}},
    "a message that is text": {"message": "halo"},
    "a message that is a list": {"message": [1, 2]},
    "a chat without an id": {"message": {"message_id": 3, "from": USER, "chat": {"type": "private"},
                                         "date": 1795000000, "text": "halo"}},
    "a chat id too big to store": {"message": {"message_id": 4, "from": USER, "chat": {**CHAT, "id": 10 ** 30},
                                               "date": 1795000000, "text": "halo"}},
    "text that is a number": {"message": {"message_id": 5, "from": USER, "chat": CHAT, "date": 1795000000,
                                          "text": 12345}},
    "a location that is not a place": {"message": {"message_id": 6, "from": USER, "chat": CHAT, "date": 1795000000,
                                                   "location": {"latitude": 1e308, "longitude": "x"}}},
    "an edit without chat": {"edited_message": {"message_id": 7, "from": USER, "date": 1795000000,
                                                "edit_date": 1795000001, "text": "halo"}},
    "a button without its message": {"callback_query": {"id": "q1", "from": USER, "chat_instance": "1",
                                                        "data": "rep:send"}},
    "a button without message or sender": {"callback_query": {"id": "q2", "chat_instance": "1", "data": "rep:send"}},
    "a button without an id": {"callback_query": {"from": USER, "chat_instance": "1", "data": "rep:send"}},
}


def test_malformed_updates_are_answered_200_and_recorded_once(client, session):
    for number, (name, fields) in enumerate(MALFORMED.items()):
        update_id = 880000001 + number
        body = json.dumps({"update_id": update_id, **fields})
        first, again = _raw(client, body), _raw(client, body)
        assert (name, first.status_code, again.status_code) == (name, 200, 200), first.get_data(as_text=True)
        recorded = session.scalar(select(func.count()).select_from(TelegramUpdate)
                                  .where(TelegramUpdate.update_id == update_id))
        assert (name, recorded) == (name, 1)
    # Only what could be read got an answer, once each: the message without a sender and the ones the
    # bot cannot read in a known chat; nothing for shapes without a chat.
    bodies = [m.body for m in _to_chat(session)]
    assert len(bodies) == 3, bodies


def test_a_body_nested_thousands_deep_is_a_400_not_a_500(client):
    body = '{"update_id": 1, "message": ' + "[" * 5000 + "]" * 5000 + "}"
    response = _raw(client, body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_an_unexpected_failure_is_recorded_and_the_citizen_is_told(post_update, updates, session, monkeypatch):
    def broken(turn, default_jurisdiction):
        raise RuntimeError("a bug")

    monkeypatch.setattr(telegram_dialogue, "_command", broken)
    update = updates.message("/start")
    assert post_update(update).status_code == 200
    assert post_update(update).status_code == 200
    [apology] = _to_chat(session)
    assert apology.template == "telegram.failed" and "coba lagi" in apology.body
    assert session.get(TelegramUpdate, update["update_id"]) is not None


# --- buttons name only what the chat may see ------------------------------------------------------

def _complaint(session, clock, chat_id: int, category: str = "hunger") -> Complaint:
    return intake.submit(session, clock.now(), jurisdiction="banyuwangi", category=category,
                         description="Mbah Sumi sudah dua hari tidak makan.", village="Kemiren",
                         reporter={"name": "Warga", "telegram_chat_id": chat_id}, channel="telegram")


def _answer_and_messages(post_update, updates, session, data: str, chat_id: int):
    before = len(_to_chat(session, chat_id))
    answer = post_update(updates.callback(data)).get_json()
    return answer.get("text"), [m.body for m in _to_chat(session, chat_id)[before:]]


def test_a_confirm_button_for_someone_elses_complaint_is_answered_like_one_that_does_not_exist(
        post_update, updates, session, clock):
    theirs = _complaint(session, clock, STRANGER_CHAT)
    mine = _complaint(session, clock, CHAT_ID)  # this chat is a reporter too
    missing_id = theirs.id + mine.id + 1000
    made_up = theirs.ticket[:-6] + "999999"
    answers = {}
    for data in (f"confirm:no:#{theirs.id}", f"confirm:no:#{missing_id}", f"confirm:yes:#{theirs.id}",
                 f"confirm:no:{theirs.ticket}", f"confirm:no:{made_up}", f"confirm:yes:{theirs.ticket}"):
        answers[data] = _answer_and_messages(post_update, updates, session, data, CHAT_ID)
    expired = ("Tombol ini sudah tidak berlaku.", [])
    assert answers == {data: expired for data in answers}
    session.refresh(theirs)
    assert theirs.status == "assigned" and theirs.reopened_count == 0

    # An older button naming the chat's own complaint by row still works.
    officer = session.scalar(select(User).where(User.username == "officer.dinsos"))
    lifecycle.handle(session, clock.now(), mine.ticket, telegram_dialogue.staff_actor(officer), note="Sembako diantar.")
    _text, bodies = _answer_and_messages(post_update, updates, session, f"confirm:no:#{mine.id}", CHAT_ID)
    session.refresh(mine)
    assert mine.status == "assigned" and mine.reopened_count == 1
    assert any("dibuka kembali" in body for body in bodies)


@pytest.fixture
def linked_officer(app, post_update, updates):
    import re

    result = app.test_cli_runner().invoke(args=["telegram", "link-code", "--user", "officer.dinsos"])
    code = re.match(r"([A-Z0-9]{8})\n", result.output).group(1)
    updates.chat_id = STAFF_CHAT
    post_update(updates.message(f"/link {code}"))
    return STAFF_CHAT


def test_an_acknowledge_button_for_another_agencys_complaint_is_answered_like_one_that_does_not_exist(
        linked_officer, post_update, updates, session, clock):
    dinkes = _complaint(session, clock, STRANGER_CHAT, category="medical_care")
    assert dinkes.agency.code == "bwi-dinkes"
    made_up = dinkes.ticket[:-6] + "999999"
    answers = {}
    for data in (f"ack:#{dinkes.id}", f"ack:#{dinkes.id + 1000}", f"ack:{dinkes.ticket}", f"ack:{made_up}"):
        answers[data] = _answer_and_messages(post_update, updates, session, data, STAFF_CHAT)
    expired = ("Tombol ini sudah tidak berlaku.", [])
    assert answers == {data: expired for data in answers}
    session.refresh(dinkes)
    assert dinkes.status == "assigned"
