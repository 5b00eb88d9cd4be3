"""Fixtures for the hostile-input tests: browsers signed in per role, API tokens, signed webhooks, a
complaint to act on, and a digest of everything stored (to prove that a refusal changed nothing)."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app.models import Base
from app.services import intake
from app.services.access import accounts
from tests.conftest import without_rate_limits
from tests.integration.web.conftest import Browser

TELEGRAM_SECRET = "hostile-webhook-secret"
TWILIO_SID = "AC" + "0a1b2c3d4e5f6789" * 2
TWILIO_TOKEN = "hostile-auth-token-0123456789"
PUBLIC_BASE_URL = "https://sigap.example.go.id"
STAFF = {"admin": "admin", "supervisor": "supervisor", "officer": "officer.dinsos", "agency_head": "head.dinsos",
         "official": "official"}

# What may change on a refused request: when a token or an account was last used, and the
# bookkeeping of sign-in failures (another issue's concern).
VOLATILE_COLUMNS = {"api_tokens": {"last_used_at"}, "users": {"failed_logins", "locked_until"}}
VOLATILE_TABLES = {"scheduler_heartbeats", "idempotency_keys"}
GAZETTEER_TABLES = {"districts", "villages"}  # written by the gazetteer command only


@pytest.fixture
def settings(settings):
    settings.telegram_webhook_secret = TELEGRAM_SECRET
    settings.public_base_url = PUBLIC_BASE_URL
    return settings


@pytest.fixture
def app(app):
    """No rate limit gets in the way of a few thousand requests from one address."""
    return without_rate_limits(app)


@pytest.fixture
def browsers(app):
    """A signed-in browser per staff role, and `None` for a stranger."""
    signed = {}
    for role, username in STAFF.items():
        browser = Browser(app.test_client())
        response = browser.sign_in(username)
        assert response.status_code == 302, (username, response.status_code)
        signed[role] = browser
    stranger = Browser(app.test_client())
    stranger.get("/signin")
    signed[None] = stranger
    return signed


@pytest.fixture
def complaint(session, clock):
    """An open Dinas Sosial complaint in Banyuwangi, 20 minutes old."""
    made = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger",
                         description="Ibu Sumi tidak bisa makan sejak dua hari", district="Glagah",
                         reporter={"name": "Pak Budi", "phone": "+6281234567890"}, channel="counter",
                         received_at=clock.now() - timedelta(minutes=20))
    session.commit()
    return made


@pytest.fixture
def tokens(session, clock):
    """API bearer headers per role."""
    made = {}
    for role, kwargs in {"admin": {}, "partner": {}, "supervisor": {"jurisdiction_code": "banyuwangi"},
                         "officer": {"agency_code": "bwi-dinsos"}}.items():
        _token, secret = accounts.create_token(session, clock.now(), role=role, name=f"hostile {role}", **kwargs)
        made[role] = {"Authorization": f"Bearer {secret}"}
    session.commit()
    return made


def table_digests(connection, names=None) -> dict[str, str]:
    """A hash of each table's rows (all the app keeps, or the tables named), less the columns that
    change on any request."""
    digests = {}
    for table in Base.metadata.sorted_tables:
        if table.name in VOLATILE_TABLES | GAZETTEER_TABLES or (names is not None and table.name not in names):
            continue
        skip = VOLATILE_COLUMNS.get(table.name, set())
        columns = [c for c in table.columns if c.name not in skip]
        rows = connection.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode("utf-8", "surrogatepass")).hexdigest()
    return digests


class SignedTwilio:
    """Posts a form to a Twilio webhook signed exactly as Twilio signs it."""

    def __init__(self, client):
        self.client, self.validator = client, RequestValidator(TWILIO_TOKEN)

    def post(self, path: str, form: dict):
        signature = self.validator.compute_signature(PUBLIC_BASE_URL + path, form)
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})


@pytest.fixture
def twilio(app, client):
    """Twilio connected (the demo page is then gone): signed posts to the SMS webhooks."""
    settings = app.extensions["sigap"].settings
    settings.twilio_account_sid, settings.twilio_auth_token = TWILIO_SID, TWILIO_TOKEN
    settings.twilio_from_number = "+6281100002222"
    return SignedTwilio(client)


@pytest.fixture
def open311_key(session, clock):
    _token, secret = accounts.create_token(session, clock.now(), role="partner", name="hostile open311",
                                           jurisdiction_code="banyuwangi")
    session.commit()
    return secret
