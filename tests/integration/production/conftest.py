"""Fixtures for the production checks: API tokens per role, webhook secrets, signed Twilio posts."""
from __future__ import annotations

import itertools

import pytest
from twilio.request_validator import RequestValidator

from app.services.access import accounts

TELEGRAM_SECRET = "production-webhook-secret"
TWILIO_SID = "AC" + "fedcba9876543210" * 2
TWILIO_TOKEN = "production-auth-token-0123456789"
PUBLIC_BASE_URL = "https://sigap.example.go.id"


@pytest.fixture
def settings(settings):
    settings.telegram_webhook_secret = TELEGRAM_SECRET
    settings.twilio_account_sid = TWILIO_SID
    settings.twilio_auth_token = TWILIO_TOKEN
    settings.twilio_from_number = "+6281100002222"
    settings.public_base_url = PUBLIC_BASE_URL
    return settings


@pytest.fixture
def auth(session, clock):
    """Authorization headers for a new token: auth("officer", agency="bwi-dinsos")."""

    def _auth(role: str, agency: str | None = None, jurisdiction: str | None = None) -> dict:
        _token, secret = accounts.create_token(session, clock.now(), role=role, agency_code=agency,
                                               jurisdiction_code=jurisdiction, name=f"test {role}")
        session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return _auth


class SignedTwilio:
    """Posts inbound SMS the way Twilio does: form-encoded and signed over PUBLIC_BASE_URL + path."""

    def __init__(self, client):
        self.client, self.validator = client, RequestValidator(TWILIO_TOKEN)
        self._sids = itertools.count(1)

    def post(self, body: str, sender: str = "+6281234500077", sid: str | None = None, path="/webhooks/twilio/sms"):
        sid = sid or f"SM{next(self._sids):032d}"
        form = {"MessageSid": sid, "AccountSid": TWILIO_SID, "From": sender, "To": "+6281100002222",
                "Body": body, "NumMedia": "0"}
        signature = self.validator.compute_signature(PUBLIC_BASE_URL + path, form)
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def twilio(client):
    return SignedTwilio(client)


def post_telegram(client, update: dict, secret: str = TELEGRAM_SECRET):
    return client.post("/webhooks/telegram", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
