"""A fake Twilio REST API on 127.0.0.1 (records what the real twilio Client sent, can answer with
Twilio error codes, holds WhatsApp to its rules) and helpers that post inbound webhooks and status
callbacks signed exactly as Twilio signs them.

WhatsApp as Twilio enforces it: free text to a number that has not written in the last 24 hours is
accepted (201, queued) and fails afterwards by status callback with error 63016; a template goes
only by a ContentSid the fake knows (else 21655) with every variable filled (else 21656). Status
callbacks wait in `reports` until the test delivers them (`deliver_reports`): asynchronous, as on Twilio."""
from __future__ import annotations

import itertools
import json
from datetime import timedelta
from urllib.parse import parse_qsl, urlparse

import pytest
from twilio.request_validator import RequestValidator

from app import create_app
from config import load_settings
from tests.fakes import LocalHttpFake, QuietHandler

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+6281100001111"
PUBLIC_BASE_URL = "https://sigap.example.go.id"
CITIZEN = "+6281234500001"


class FakeTwilio(LocalHttpFake):
    """Answers POST /2010-04-01/Accounts/{sid}/Messages.json like Twilio; `fail_next` scripts an error."""

    def __init__(self):
        self.requests: list[dict] = []
        self._failures: list[tuple[int, dict]] = []
        self._failing_numbers: dict[str, tuple[int, dict]] = {}
        self._ids = itertools.count(1)
        self.clock = None  # the test's clock: WhatsApp's 24-hour window is measured on it
        self.wrote_at: dict[str, object] = {}  # WhatsApp number -> when it last wrote to us
        self.templates: dict[str, object] = {}  # approved ContentSid -> its template (variables, buttons)
        self.reports: list[dict] = []  # status callbacks Twilio will post, oldest first
        self.media: dict[str, tuple[str, bytes]] = {}  # path -> (content type, bytes) of inbound photos
        super().__init__()

    def wrote(self, number: str, at) -> None:
        """The WhatsApp user `number` sent us a message at `at` (opens their 24-hour window)."""
        self.wrote_at[number.removeprefix("whatsapp:")] = at

    def approve(self, sid: str, template) -> None:
        self.templates[sid] = template

    def _window_open(self, number: str) -> bool:
        at = self.wrote_at.get(number)
        return at is not None and self.clock is not None and self.clock.now() - at < timedelta(hours=24)

    def _report(self, sid: str, form: dict, *statuses, error_code: int | None = None) -> None:
        for status in statuses:
            self.reports.append({"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID,
                                 "To": form.get("To", ""), "From": form.get("From", ""), "ApiVersion": "2010-04-01",
                                 **({"ErrorCode": str(error_code)} if error_code and status in ("failed", "undelivered")
                                    else {})})

    def _whatsapp_rules(self, form: dict):
        """None when the send is accepted; else (status, error body) as Twilio answers at once."""
        sid = form.get("ContentSid")
        if not sid:
            return None
        template = self.templates.get(sid)
        if template is None:
            return 400, {"code": 21655, "message": "The ContentSid is Invalid", "status": 400}
        try:
            values = json.loads(form.get("ContentVariables") or "{}")
        except ValueError:
            values = None
        wanted = {str(n) for n in range(1, len(template.variables) + 1)}
        if not isinstance(values, dict) or set(values) != wanted or not all(str(v).strip() for v in values.values()):
            return 400, {"code": 21656, "message": "The ContentVariables Parameter is invalid", "status": 400}
        return None

    def deliver_reports(self, twilio: "Twilio", statuses: tuple[str, ...] | None = None) -> list[dict]:
        """Post the waiting status callbacks (those with a status in `statuses`, or all) to Sigap."""
        due = [r for r in self.reports if statuses is None or r["MessageStatus"] in statuses]
        self.reports = [r for r in self.reports if r not in due]
        for report in due:
            response = twilio.post("/webhooks/twilio/status", report)
            assert response.status_code == 204, response.get_data(as_text=True)
        return due

    def sent_to(self, number: str) -> list[dict]:
        return [f for f in self.sent if f.get("To", "").removeprefix("whatsapp:") == number]

    def fail_to(self, number: str, code: int, message: str, status: int = 400) -> None:
        """Every message to `number` fails as Twilio fails it (e.g. 21211 naming the 'To' number)."""
        self._failing_numbers[number] = (status, {"code": code, "message": message, "status": status,
                                                  "more_info": f"https://www.twilio.com/docs/errors/{code}"})

    def fail_next(self, code: int, status: int = 400, message: str = "error") -> None:
        self._failures.append((status, {"code": code, "message": message, "status": status,
                                        "more_info": f"https://www.twilio.com/docs/errors/{code}"}))

    @property
    def sent(self) -> list[dict]:
        return [r["form"] for r in self.requests if r["path"].endswith("/Messages.json")]

    def _answer(self, path: str, form: dict):
        with self._lock:
            if self._failures:
                return self._failures.pop(0)
            if form.get("To", "").removeprefix("whatsapp:") in self._failing_numbers:
                return self._failing_numbers[form["To"].removeprefix("whatsapp:")]
        if not path.startswith(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"):
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        to = form.get("To", "")
        if to.startswith("whatsapp:"):
            refused = self._whatsapp_rules(form)
            if refused is not None:
                return refused
        sid = f"SM{next(self._ids):032x}"
        if to.startswith("whatsapp:") and not form.get("ContentSid") and not self._window_open(to[9:]):
            self._report(sid, form, "failed", error_code=63016)  # accepted now, refused later
        else:
            self._report(sid, form, "sent", "delivered")
        return 201, {"sid": sid, "account_sid": ACCOUNT_SID, "to": form.get("To"), "from": form.get("From"),
                     "body": form.get("Body"), "status": "queued", "num_segments": "1", "direction": "outbound-api",
                     "api_version": "2010-04-01", "date_created": "Mon, 23 Nov 2026 02:00:00 +0000",
                     "error_code": None, "error_message": None, "price": None,
                     "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"}

    def add_media(self, data: bytes, content_type: str = "image/jpeg") -> str:
        """A photo a WhatsApp user sent: its MediaUrl0, served only with the account's basic auth."""
        path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{len(self.media):032x}/Media/ME{len(self.media):032x}"
        self.media[path] = (content_type, data)
        return self.url + path

    def _handler(self):
        fake = self

        class Handler(QuietHandler):
            def do_GET(self):
                import base64

                expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
                found = fake.media.get(urlparse(self.path).path)
                fake.requests.append({"path": urlparse(self.path).path, "form": {},
                                      "authorization": self.headers.get("Authorization")})
                if self.headers.get("Authorization") != expected:
                    self.reply(401, b'{"code": 20003, "message": "Authenticate", "status": 401}')
                elif found is None:
                    self.reply(404, b'{"code": 20404, "status": 404}')
                else:
                    self.reply(200, found[1], found[0])

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                path = urlparse(self.path).path
                fake.requests.append({"path": path, "form": form, "authorization": self.headers.get("Authorization")})
                status, body = fake._answer(path, form)
                self.reply(status, json.dumps(body).encode())

        return Handler


@pytest.fixture
def twilio_api():
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(settings, twilio_api, clock):
    twilio_api.clock = clock
    settings.twilio_account_sid = ACCOUNT_SID
    settings.twilio_auth_token = AUTH_TOKEN
    settings.twilio_from_number = FROM_NUMBER
    settings.twilio_api_base_url = twilio_api.url
    settings.public_base_url = PUBLIC_BASE_URL
    return settings


@pytest.fixture
def console_app(engine, connection, clock, database_url):
    """The app as `make run` starts it: no Twilio credentials (console mode), demo page registered."""
    plain = load_settings(env={"DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-0123456789"})
    application = create_app(settings=plain, clock=clock, engine=engine)
    application.config["TESTING"] = True
    application.extensions["sigap"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    if "sms_demo" not in application.blueprints:
        from app.channels.sms.demo import demo_bp

        application.register_blueprint(demo_bp, url_prefix="/demo")
    return application


class Twilio:
    """Posts webhooks the way Twilio does: form-encoded, signed over PUBLIC_BASE_URL + path + params."""

    def __init__(self, client, token: str = AUTH_TOKEN, fake: FakeTwilio | None = None, clock=None):
        self.client, self.validator = client, RequestValidator(token)
        self._sids = itertools.count(1)
        self.fake, self.clock = fake, clock

    def sign(self, path: str, form: dict) -> str:
        return self.validator.compute_signature(PUBLIC_BASE_URL + path, form)

    def post(self, path: str, form: dict, signature: str | None = None):
        signature = self.sign(path, form) if signature is None else signature
        if self.fake is not None and path == "/webhooks/twilio/sms" and form.get("From", "").startswith("whatsapp:"):
            self.fake.wrote(form["From"], self.clock.now())  # Twilio saw the user write: the window opens
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})

    def inbound_form(self, body: str, sender: str = CITIZEN, sid: str | None = None, whatsapp: bool = False,
                     **extra) -> dict:
        prefix = "whatsapp:" if whatsapp else ""
        sid = sid or f"SM{next(self._sids):032d}"
        form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": prefix + sender,
                "To": prefix + FROM_NUMBER, "Body": body, "NumMedia": "0", "NumSegments": "1",
                "ApiVersion": "2010-04-01", "FromCountry": "ID", "ToCountry": "ID"}
        form.update(extra)
        return form

    def send(self, body: str, **kwargs):
        """Deliver one inbound message; returns the response."""
        return self.post("/webhooks/twilio/sms", self.inbound_form(body, **kwargs))

    def replies(self, body: str, **kwargs) -> list[str]:
        """Deliver one inbound message and return the texts of the TwiML reply."""
        response = self.send(body, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        return twiml_messages(response.get_data(as_text=True))


def twiml_messages(xml: str) -> list[str]:
    from xml.etree import ElementTree

    root = ElementTree.fromstring(xml)
    assert root.tag == "Response"
    return [element.text or "" for element in root.findall("Message")]


@pytest.fixture
def twilio(client, twilio_api, clock):
    return Twilio(client, fake=twilio_api, clock=clock)
