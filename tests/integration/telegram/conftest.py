"""A fake Telegram Bot API on 127.0.0.1 (records what the real PTB Bot sent, can answer with errors),
and builders for real-shaped Telegram update JSON."""
from __future__ import annotations

import itertools
import json
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl, unquote, urlparse

import pytest

from tests.fakes import LocalHttpFake, QuietHandler

BOT_TOKEN = "123456:TEST-token"
WEBHOOK_SECRET = "webhook-secret-for-tests"
PUBLIC_BASE_URL = "https://sigap.example.go.id"  # a webhook needs it in production; receipts link to the status page
CHAT_ID = 700100200  # fits a 32-bit column too
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Sigap", "username": "sigap_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}


class FakeBotApi(LocalHttpFake):
    """Answers Bot API methods like Telegram does; `fail_next` scripts errors such as 429 or 403,
    `migrate_chat` turns a group into a supergroup. Keeps connections alive (HTTP/1.1) as Telegram
    does, and counts them in `connections`."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        self.files: dict[str, bytes] = {}
        self.pending_updates: list[dict] = []
        self.connections = 0
        self._failures: dict[str, list[tuple[int, dict]]] = {}
        self._migrated: dict[str, int] = {}
        self._ids = itertools.count(1000)
        super().__init__()

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """From now on, sending to old_chat_id answers as Telegram does for an upgraded group."""
        self._migrated[str(old_chat_id)] = new_chat_id

    def fail_next(self, method: str, status: int, description: str, **parameters) -> None:
        body = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self._failures.setdefault(method, []).append((status, body))

    def calls(self, method: str) -> list[dict]:
        return [params for name, params in self.requests if name == method]

    def _answer(self, method: str, params: dict):
        with self._lock:
            queued = self._failures.get(method)
            if queued:
                return queued.pop(0)
        moved_to = self._migrated.get(str(params.get("chat_id")))
        if moved_to is not None:
            return 400, {"ok": False, "error_code": 400,
                         "description": "Bad Request: group chat was upgraded to a supergroup chat",
                         "parameters": {"migrate_to_chat_id": moved_to}}
        if method == "getMe":
            result = BOT_USER
        elif method == "sendMessage":
            result = {"message_id": next(self._ids), "date": 1795000000,
                      "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": params.get("text", "")}
        elif method == "getFile":
            file_id = params["file_id"]
            result = {"file_id": file_id, "file_unique_id": "u" + file_id[-8:],
                      "file_size": len(self.files.get(file_id, b"")), "file_path": f"photos/{file_id}.jpg"}
        elif method == "getUpdates":
            with self._lock:
                result, self.pending_updates = self.pending_updates, []
        else:  # setWebhook, answerCallbackQuery, deleteWebhook ...
            result = True
        return 200, {"ok": True, "result": result}

    def _handler(self):
        fake = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: a client may send many requests on one connection
            disable_nagle_algorithm = True

            def setup(self):
                super().setup()
                with fake._lock:
                    fake.connections += 1

            def stopped(self) -> bool:
                # A stopped fake (scripts/faults.py takes it down for a while) answers nothing more,
                # not even on a connection kept alive from before: it just hangs up.
                if self.server.socket.fileno() != -1:
                    return False
                self.close_connection = True
                return True

            def do_GET(self):
                if self.stopped():
                    return
                path = unquote(urlparse(self.path).path)
                prefix = f"/file/bot{BOT_TOKEN}/photos/"
                file_id = path[len(prefix):].removesuffix(".jpg") if path.startswith(prefix) else None
                if file_id in fake.files:
                    fake.requests.append(("download", {"file_id": file_id}))
                    self.reply(200, fake.files[file_id], "image/jpeg")
                else:
                    self.reply(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')

            def do_POST(self):
                if self.stopped():
                    return
                path = urlparse(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if not path.startswith(f"/bot{BOT_TOKEN}/"):
                    self.reply(401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}')
                    return
                method = path.rsplit("/", 1)[1]
                params = _parse_body(self.headers.get("Content-Type", ""), raw)
                fake.requests.append((method, params))
                status, body = fake._answer(method, params)
                self.reply(status, json.dumps(body).encode())

        return Handler


def _parse_body(content_type: str, raw: bytes) -> dict:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(raw)
    if content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        return {part.get_param("name", header="content-disposition"): part.get_content()
                for part in message.iter_parts()}
    params = dict(parse_qsl(raw.decode()))
    for key in ("reply_markup",):
        if key in params:
            params[key] = json.loads(params[key])
    return params


@pytest.fixture
def telegram_api():
    from app.channels.telegram import bots

    fake = FakeBotApi().start()
    yield fake
    bots.shutdown()  # the next test's fake may get this one's port: no Bot of this one outlives it
    fake.stop()


@pytest.fixture
def settings(settings, telegram_api):
    settings.telegram_bot_token = BOT_TOKEN
    settings.telegram_webhook_secret = WEBHOOK_SECRET
    settings.telegram_api_base_url = telegram_api.url
    settings.public_base_url = PUBLIC_BASE_URL
    return settings


class Updates:
    """Builds Telegram update JSON as the Bot API delivers it, with increasing update_ids."""

    def __init__(self, chat_id: int = CHAT_ID, first_name: str = "Siti", language_code: str = "id"):
        self.chat_id, self.first_name, self.language_code = chat_id, first_name, language_code
        self._update_ids = itertools.count(500000001)
        self._message_ids = itertools.count(1)

    def _user(self):
        return {"id": self.chat_id, "is_bot": False, "first_name": self.first_name,
                "language_code": self.language_code}

    def _message(self, chat_type: str = "private", **fields) -> dict:
        chat = ({"id": self.chat_id, "type": "private", "first_name": self.first_name} if chat_type == "private"
                else {"id": -100987654321, "type": chat_type, "title": "Warga RT 03"})
        return {"message_id": next(self._message_ids), "from": self._user(), "chat": chat, "date": 1795000000,
                **fields}

    def message(self, text: str, chat_type: str = "private", **extra) -> dict:
        fields = {"text": text}
        if text.startswith("/"):
            fields["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
        return {"update_id": next(self._update_ids), "message": self._message(chat_type, **fields, **extra)}

    def callback(self, data: str) -> dict:
        return {"update_id": next(self._update_ids), "callback_query": {
            "id": f"cbq-{next(self._message_ids)}", "from": self._user(), "chat_instance": "-4242",
            "data": data, "message": self._message(text="(the bot's message with buttons)",
                                                   **{"from": BOT_USER})}}

    def location(self, lat: float, lon: float) -> dict:
        return {"update_id": next(self._update_ids),
                "message": self._message(location={"latitude": lat, "longitude": lon})}

    def photo(self, file_id: str = "AgACAgUAAxkBAAIBZ2", caption: str | None = None,
              big_size: int = 120_000) -> dict:
        sizes = [
            {"file_id": file_id + "-s", "file_unique_id": "AQADs1", "file_size": 1_500, "width": 90, "height": 68},
            {"file_id": file_id + "-m", "file_unique_id": "AQADm1", "file_size": 20_000, "width": 320, "height": 240},
            {"file_id": file_id, "file_unique_id": "AQADx1", "file_size": big_size, "width": 1280, "height": 960},
        ]
        fields = {"photo": sizes}
        if caption:
            fields["caption"] = caption
        return {"update_id": next(self._update_ids), "message": self._message(**fields)}

    def sticker(self) -> dict:
        return {"update_id": next(self._update_ids), "message": self._message(sticker={
            "file_id": "CAACAgIAAxkBAAEC", "file_unique_id": "AgADsti", "type": "regular", "width": 512,
            "height": 512, "is_animated": False, "is_video": False, "emoji": "\U0001F44D"})}

    def edited(self, text: str) -> dict:
        return {"update_id": next(self._update_ids),
                "edited_message": {**self._message(text=text), "edit_date": 1795000100}}


@pytest.fixture
def updates():
    return Updates()


@pytest.fixture
def post_update(client):
    """POST an update to the webhook with the right secret; returns the response."""

    def post(update: dict, secret: str | None = WEBHOOK_SECRET):
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return client.post("/webhooks/telegram", json=update, headers=headers)

    return post


@pytest.fixture
def telegram_complaint(session, clock):
    """Files a complaint as the `updates` chat would (through intake), returns it."""
    from app.services import intake

    def make(category: str = "hunger", chat_id: int = CHAT_ID):
        return intake.submit(session, clock.now(), jurisdiction="banyuwangi", category=category,
                             description="Mbah Sumi sudah dua hari tidak makan.", village="Kemiren",
                             reporter={"name": "Siti", "telegram_chat_id": chat_id}, channel="telegram")

    return make
