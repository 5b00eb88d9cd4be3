"""Security a browser, a scanner or a flood would notice: headers, body limits, rate limits,
constant-time secret checks, and a dependency audit where the advisory database can be reached."""
from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys

import pytest

from app import create_app
from tests.conftest import ROOT
from tests.integration.production.conftest import post_telegram


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/openapi.json", "/web/signin", "/no/such/page"])
def test_every_response_has_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_answers_with_personal_data_are_never_cached_and_static_assets_may_be(client, auth):
    headers = auth("supervisor", jurisdiction="banyuwangi")
    for path in ("/api/v1/complaints", "/open311/v2/requests.json", "/signin", "/no/such/page"):
        assert client.get(path, headers=headers).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get("/web/static/sigap.css").headers.get("Cache-Control", "")


def test_hsts_is_sent_over_https_and_in_production_only(client, settings, clock, engine, connection):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    assert "max-age=" in client.get("/healthz", base_url="https://localhost").headers["Strict-Transport-Security"]
    settings.production = True
    production = create_app(settings=settings, clock=clock, engine=engine)
    # the test's open transaction holds SQLite's write lock: a second connection would wait for it
    production.extensions["sigap"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    response = production.test_client().get("/healthz")
    assert response.json["database"] == "ok"
    assert "Strict-Transport-Security" in response.headers


def test_a_huge_webhook_body_is_refused_with_413_before_it_is_read(client):
    update = {"update_id": 1, "message": {"text": "x" * 100_000}}
    response = post_telegram(client, update)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "payload_too_large"


def test_a_huge_api_body_is_refused_with_413(client, auth):
    body = {"jurisdiction": "banyuwangi", "category": "hunger", "description": "x" * 300_000}
    response = client.post("/api/v1/complaints", json=body, headers=auth("supervisor", jurisdiction="banyuwangi"))
    assert response.status_code == 413


def test_webhooks_are_rate_limited_per_source_address_with_retry_after(settings, clock, engine, connection):
    settings.webhook_rate_limit = "3 per minute"
    app = create_app(settings=settings, clock=clock, engine=engine)
    app.extensions["sigap"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    client = app.test_client()
    codes = [post_telegram(client, {"update_id": 9100 + i}).status_code for i in range(4)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
    limited = post_telegram(client, {"update_id": 9200})
    assert limited.json["error"]["code"] == "rate_limited" and int(limited.headers["Retry-After"]) > 0
    other = client.post("/webhooks/telegram", json={"update_id": 9300}, environ_base={"REMOTE_ADDR": "10.9.8.7"},
                        headers={"X-Telegram-Bot-Api-Secret-Token": "production-webhook-secret"})
    assert other.status_code == 200  # another address has its own allowance


def test_webhook_secrets_are_compared_in_constant_time():
    from twilio import request_validator

    from app.channels.sms import _refuse_unsigned
    from app.channels.telegram import webhook

    assert "hmac.compare_digest" in inspect.getsource(webhook.webhook)
    assert "RequestValidator" in inspect.getsource(_refuse_unsigned)
    # twilio compares every character whatever the first mismatch (signatures have a fixed length).
    assert "result &= c1 == c2" in inspect.getsource(request_validator.compare)


def test_api_tokens_are_stored_only_as_hashes(session, clock):
    from app.models import ApiToken
    from app.services.access import accounts

    token, secret = accounts.create_token(session, clock.now(), role="partner", name="hash check")
    session.flush()
    stored = {column.name: getattr(token, column.key) for column in ApiToken.__table__.columns
              if isinstance(getattr(token, column.key), str)}
    assert all(secret not in value for value in stored.values())


def test_dependencies_have_no_known_vulnerabilities():
    if shutil.which("pip-audit", path=str(ROOT / ".venv" / "bin")) is None:
        pytest.skip("pip-audit is not installed (make install)")
    # The advisory database (OSV, PyPI) is on the internet, which this machine and its CI cannot reach;
    # where it can, set SIGAP_AUDIT_ONLINE=1 (or run `make audit`).
    if os.environ.get("SIGAP_AUDIT_ONLINE") != "1":
        pytest.skip("the vulnerability database cannot be reached from here: set SIGAP_AUDIT_ONLINE=1 where it can, "
                    "or run `make audit`")
    result = subprocess.run([sys.executable, "-m", "pip_audit", "-r", str(ROOT / "requirements.txt"),
                             "--vulnerability-service", "osv", "--progress-spinner", "off"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
