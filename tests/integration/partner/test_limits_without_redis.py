"""Redis, where the rate-limit counters live, goes away (or hangs): partners, webhooks and sign-in
are still served, the loss is logged once and shows in /healthz and /metrics."""
from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from tests.integration.web.conftest import Browser

# Nothing listens on port 1: every connection is refused, as when Redis is stopped.
UNREACHABLE = "redis://127.0.0.1:1/0"
TELEGRAM_SECRET = "limits-test-secret"
COMPLAINT = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Kemiren",
             "description": "Mbah Sumi tidak makan sejak kemarin", "reporter": {"name": "Siti", "phone": "081234567890"}}


def app_with_store(uri, settings, clock, engine, connection):
    settings.ratelimit_storage_uri = uri
    settings.telegram_webhook_secret = TELEGRAM_SECRET
    application = create_app(settings=settings, clock=clock, engine=engine)
    application.config["TESTING"] = True
    application.extensions["sigap"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    return application


def metric(client, name, **labels) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def store_logs(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "sigap.ratelimit"]


def test_with_the_store_unreachable_partners_webhooks_and_sign_in_are_served_and_the_loss_is_logged_once(
        settings, clock, engine, connection, make_token, caplog):
    app = app_with_store(UNREACHABLE, settings, clock, engine, connection)
    client = app.test_client()
    caplog.set_level(logging.INFO)
    errors_before = REGISTRY.get_sample_value("sigap_rate_limit_store_errors_total", {"store": "redis"}) or 0.0
    _token, secret = make_token("partner")
    bearer = {"Authorization": f"Bearer {secret}"}

    created = client.post("/api/v1/complaints", json=COMPLAINT, headers=bearer)
    assert created.status_code == 201, created.get_data(as_text=True)
    for _ in range(5):
        assert client.get("/api/v1/complaints", headers=bearer).status_code == 200
        assert client.get(f"/open311/v2/requests.json?api_key={secret}").status_code == 200
        assert client.get("/open311/v2/services.json").status_code == 200
    update = {"update_id": 7001}
    assert client.post("/webhooks/telegram", json=update,
                       headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}).status_code == 200
    assert Browser(client).sign_in("supervisor").status_code == 302

    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json["status"] == "degraded"
    assert health.json["dependencies"]["rate_limit_store"] == "unreachable"
    assert metric(client, "sigap_rate_limit_store_unreachable") == 1
    # One failed call: after it the store is left alone for the back-off, not tried per request.
    assert metric(client, "sigap_rate_limit_store_errors_total", store="redis") == errors_before + 1
    logged = store_logs(caplog)
    assert len(logged) == 1 and "unreachable" in logged[0] and "127.0.0.1:1" in logged[0]
    assert not [r for r in caplog.records if r.name.startswith("flask-limiter")]


def test_limits_still_hold_per_process_while_the_store_is_away(settings, clock, engine, connection, make_token):
    app = app_with_store(UNREACHABLE, settings, clock, engine, connection)
    app.config["SIGAP_API_RATE_LIMIT"] = "3/minute"
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {make_token('partner')[1]}"}
    assert [client.get("/api/v1/complaints", headers=bearer).status_code for _ in range(4)] == [200] * 3 + [429]


@pytest.fixture
def hanging_redis():
    """A server that accepts connections and never answers (a Redis stuck on a full disk or a swap storm)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held, stop = [], threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_store_that_accepts_connections_but_never_answers_cannot_hold_requests(
        settings, clock, engine, connection, make_token, hanging_redis):
    app = app_with_store(hanging_redis, settings, clock, engine, connection)
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {make_token('partner')[1]}"}
    started = time.monotonic()
    statuses = [client.get("/api/v1/complaints", headers=bearer).status_code for _ in range(10)]
    elapsed = time.monotonic() - started
    assert statuses == [200] * 10
    assert elapsed < 3, f"10 calls took {elapsed:.1f} s"  # one short socket timeout, then the back-off
