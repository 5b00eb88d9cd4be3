"""The webhook: secret token, parsing, idempotency on update_id, odd updates never a 500."""
from __future__ import annotations

from sqlalchemy import event, func, select

from app.models import OutboxMessage
from app.models.telegram import TelegramConversation, TelegramUpdate
from tests.conftest import requires_postgresql

CHAT_ID = 700100200  # the chat of the `updates` fixture


def _outbox(session):
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "telegram")
                                .order_by(OutboxMessage.id)))


def test_webhook_refuses_an_update_without_the_secret_token(post_update, session):
    response = post_update({"update_id": 1, "message": {}}, secret=None)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert session.scalar(select(func.count()).select_from(TelegramUpdate)) == 0


def test_webhook_refuses_a_wrong_secret_token(post_update, updates):
    response = post_update(updates.message("/start"), secret="guess")
    assert response.status_code == 401


def test_webhook_refuses_everything_when_no_secret_is_configured(post_update, updates, settings):
    settings.telegram_webhook_secret = None
    response = post_update(updates.message("/start"), secret="")
    assert response.status_code == 401


def test_malformed_json_is_a_400_json_error(client):
    response = client.post("/webhooks/telegram", data=b"{not json",
                           headers={"X-Telegram-Bot-Api-Secret-Token": "webhook-secret-for-tests",
                                    "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_a_body_without_update_id_is_a_400(post_update):
    assert post_update({"message": {"text": "hi"}}).status_code == 400
    assert post_update([1, 2]).status_code == 400


def test_the_webhook_answers_with_and_without_a_trailing_slash(client, updates):
    headers = {"X-Telegram-Bot-Api-Secret-Token": "webhook-secret-for-tests"}
    assert client.post("/webhooks/telegram", json=updates.message("/start"), headers=headers).status_code == 200
    assert client.post("/webhooks/telegram/", json=updates.message("/start"), headers=headers).status_code == 200


def test_start_greets_in_indonesian_through_the_outbox(post_update, updates, session):
    response = post_update(updates.message("/start"))
    assert response.status_code == 200
    messages = _outbox(session)
    assert len(messages) == 1
    assert messages[0].recipient == str(CHAT_ID)
    assert messages[0].recipient_kind == "reporter"
    assert messages[0].status == "pending"
    assert "Banyuwangi" in messages[0].body and "/lapor" in messages[0].body
    assert messages[0].language == "id"


def test_a_redelivered_update_changes_nothing(post_update, updates, session):
    update = updates.message("/start")
    assert post_update(update).status_code == 200
    assert post_update(update).status_code == 200
    assert len(_outbox(session)) == 1
    assert session.scalar(select(func.count()).select_from(TelegramUpdate)) == 1


def test_unknown_update_types_are_accepted_and_ignored(post_update, session):
    response = post_update({"update_id": 777, "my_chat_member": {
        "chat": {"id": CHAT_ID, "type": "private", "first_name": "Siti"},
        "from": {"id": CHAT_ID, "is_bot": False, "first_name": "Siti"}, "date": 1795000000,
        "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "Sigap"}},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": {"id": 1, "is_bot": True, "first_name": "Sigap"}}}})
    assert response.status_code == 200
    assert _outbox(session) == []
    response = post_update({"update_id": 778, "some_future_field": {"x": 1}})
    assert response.status_code == 200


def test_bahasa_switches_to_english_and_back(post_update, updates, session):
    post_update(updates.message("/bahasa"))
    post_update(updates.message("/start"))
    post_update(updates.message("/bahasa"))
    bodies = [m.body for m in _outbox(session)]
    assert bodies[0].startswith("Language switched to English")
    assert bodies[1].startswith("Hello! This is Sigap")
    assert bodies[2].startswith("Bahasa diganti")
    assert session.get(TelegramConversation, CHAT_ID).language == "id"


def test_unknown_commands_stickers_and_edits_never_fail(post_update, updates, session):
    assert post_update(updates.message("/foo")).status_code == 200
    assert post_update(updates.sticker()).status_code == 200
    assert post_update(updates.edited("/lapor")).status_code == 200
    bodies = [m.body for m in _outbox(session)]
    assert len(bodies) == 2  # the edit is ignored
    assert "Perintah tidak dikenal" in bodies[0]
    assert "tidak bisa dibaca" in bodies[1]


def test_group_chats_get_a_pointer_to_the_private_chat_and_nothing_else(post_update, updates, session):
    post_update(updates.message("/lapor", chat_type="group"))
    post_update(updates.message("tolong ada warga kelaparan", chat_type="group"))
    bodies = [m.body for m in _outbox(session)]
    assert len(bodies) == 1 and "chat pribadi" in bodies[0]
    assert session.get(TelegramConversation, -100987654321).step is None


def test_a_pressed_button_is_answered_in_the_webhook_response(post_update, updates):
    post_update(updates.message("/lapor"))
    update = updates.callback("cat:hunger")
    response = post_update(update)
    body = response.get_json()
    assert body["method"] == "answerCallbackQuery"
    assert body["callback_query_id"] == update["callback_query"]["id"]


def test_the_same_update_delivered_twice_at_once_is_handled_once(committed_app, updates):
    """Two workers get the same update concurrently: the unique update_id lets exactly one through."""
    import threading

    from sqlalchemy import delete

    sigap = committed_app.extensions["sigap"]
    sigap.settings.telegram_webhook_secret = "webhook-secret-for-tests"
    update = updates.message("/start")
    update["update_id"] = 990000001
    statuses = []

    def deliver():
        with committed_app.test_client() as client:
            statuses.append(client.post("/webhooks/telegram", json=update,
                                        headers={"X-Telegram-Bot-Api-Secret-Token": "webhook-secret-for-tests"})
                            .status_code)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        with sigap.sessionmaker() as session:
            assert statuses == [200, 200]
            replies = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == str(CHAT_ID))).all()
            assert len(replies) == 1
    finally:
        with sigap.sessionmaker() as session:
            session.execute(delete(TelegramUpdate).where(TelegramUpdate.update_id == 990000001))
            session.execute(delete(TelegramConversation).where(TelegramConversation.chat_id == CHAT_ID))
            session.commit()


@requires_postgresql()
def test_a_known_chats_button_costs_its_claim_and_one_write_on_postgresql(post_update, updates, session):
    """The claim with the chat's read, then the conversation's UPDATE with the reply's INSERT in one
    statement; the category from the reference cache (no SELECT of its own), no flush at the commit."""
    post_update(updates.message("/lapor"))
    sent: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        sent.append(" ".join(statement.split()))

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = post_update(updates.callback("cat:hunger"))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    statements = [s for s in sent if not s.upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO"))]
    assert len(statements) == 2, statements
    assert statements[0].startswith("WITH claimed AS (INSERT INTO telegram_updates")
    assert statements[1].startswith("WITH w0 AS (UPDATE telegram_conversations SET step")
    assert "INSERT INTO outbox_messages" in statements[1]
    session.expire_all()
    conversation = session.get(TelegramConversation, CHAT_ID)
    assert (conversation.step, conversation.draft) == ("location", {"category": "hunger"})
