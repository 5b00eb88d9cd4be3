"""An attacker trying made-up API tokens: every credential that is unknown or revoked counts against
the caller's address, and past its allowance the address gets 429 before any token is looked up."""
from __future__ import annotations

import base64
import secrets
import socket
import uuid

import pytest
from sqlalchemy import event

from app import create_app
from app.services.access import accounts

GUESSER = {"REMOTE_ADDR": "203.0.113.66"}
PARTNER = {"REMOTE_ADDR": "198.51.100.7"}


def made_up() -> str:
    return accounts.TOKEN_PREFIX + secrets.token_urlsafe(32)


class Queries:
    """Counts the SQL statements the app sends while in the `with` block."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _seen(self, *_args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_300_made_up_tokens_from_one_address_get_429_after_20_and_cost_no_query_a_valid_token_elsewhere_is_unaffected(
        client, bearer, engine):
    valid = bearer("partner")
    with Queries(engine) as looked_up:
        statuses = [client.get("/api/v1/complaints", headers={"Authorization": f"Bearer {made_up()}"},
                               environ_base=GUESSER).status_code for _ in range(20)]
    assert statuses == [401] * 20 and looked_up.count >= 20
    with Queries(engine) as queries:
        refused = [client.get("/api/v1/complaints", headers={"Authorization": f"Bearer {made_up()}"},
                              environ_base=GUESSER) for _ in range(280)]
    assert {r.status_code for r in refused} == {429}
    assert queries.count == 0  # refused before the token lookup
    assert refused[-1].json["error"]["code"] == "rate_limited"
    assert "unknown or revoked token" in refused[-1].json["error"]["message"]
    assert 1 <= int(refused[-1].headers["Retry-After"]) <= 60
    assert client.get("/api/v1/complaints", headers=valid, environ_base=PARTNER).status_code == 200


def test_made_up_tokens_from_one_ipv6_subscribers_many_addresses_share_one_allowance(client):
    """An IPv6 subscriber has a /64 of addresses: the unknown-token limit counts the /64."""
    def guess(address: str) -> int:
        return client.get("/api/v1/complaints", headers={"Authorization": f"Bearer {made_up()}"},
                          environ_base={"REMOTE_ADDR": address}).status_code

    statuses = [guess(f"2001:db8:66:1:{i:x}::1") for i in range(25)]
    assert statuses[:20] == [401] * 20 and set(statuses[20:]) == {429}
    assert guess("2001:db8:66:2::1") == 401  # another subscriber


def test_basic_passwords_api_keys_and_malformed_headers_share_the_one_allowance_of_the_address(app, client):
    app.config["SIGAP_UNKNOWN_TOKEN_RATE_LIMIT"] = "6/minute"
    basic = "Basic " + base64.b64encode(f"partner:{made_up()}".encode()).decode()
    attempts = [
        lambda: client.get("/api/v1/complaints", headers={"Authorization": basic}, environ_base=GUESSER),
        lambda: client.get(f"/api/v1/complaints?api_key={made_up()}", environ_base=GUESSER),
        lambda: client.get("/api/v1/complaints", headers={"Authorization": "Bearer not-even-a-token"},
                           environ_base=GUESSER),
    ]
    statuses = [attempts[i % 3]().status_code for i in range(9)]
    assert statuses == [401] * 6 + [429] * 3


def test_a_token_that_worked_from_the_guessing_address_keeps_its_own_limit(app, client, bearer):
    app.config["SIGAP_API_RATE_LIMIT"] = "5/minute"
    valid = bearer("partner")
    assert client.get("/api/v1/complaints", headers=valid, environ_base=GUESSER).status_code == 200
    guesses = [client.get("/api/v1/complaints", headers={"Authorization": f"Bearer {made_up()}"},
                          environ_base=GUESSER).status_code for _ in range(25)]
    assert guesses[-1] == 429  # the address has spent its allowance for guesses
    assert [client.get("/api/v1/complaints", headers=valid, environ_base=GUESSER).status_code
            for _ in range(5)] == [200] * 4 + [429]  # its own 5/minute, not the address's


def test_a_revoked_token_counts_against_the_address_like_a_made_up_one(app, client, make_token, session, clock):
    app.config["SIGAP_UNKNOWN_TOKEN_RATE_LIMIT"] = "3/minute"
    token, secret = make_token("partner")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/complaints", headers=headers, environ_base=GUESSER).status_code == 200
    accounts.revoke_token(session, clock.now(), token.prefix)
    session.commit()
    statuses = [client.get("/api/v1/complaints", headers=headers, environ_base=GUESSER).status_code
                for _ in range(5)]
    assert statuses == [401] * 3 + [429] * 2


def test_open311_made_up_api_keys_get_429_after_the_allowance_and_a_valid_key_elsewhere_is_unaffected(
        client, make_token):
    _token, key = make_token("partner")
    statuses = [client.get(f"/open311/v2/requests.json?api_key={made_up()}", environ_base=GUESSER).status_code
                for _ in range(300)]
    assert statuses[:20] == [403] * 20 and set(statuses[20:]) == {429}
    last = client.get(f"/open311/v2/requests.json?api_key={made_up()}", environ_base=GUESSER)
    assert last.json[0]["code"] == 429 and int(last.headers["Retry-After"]) >= 1
    assert client.get(f"/open311/v2/requests.json?api_key={key}", environ_base=PARTNER).status_code == 200


def test_the_guessing_allowance_is_shared_by_the_api_and_open311(app, client):
    app.config["SIGAP_UNKNOWN_TOKEN_RATE_LIMIT"] = "4/minute"
    for _ in range(2):
        client.get("/api/v1/complaints", headers={"Authorization": f"Bearer {made_up()}"}, environ_base=GUESSER)
        client.get(f"/open311/v2/requests.json?api_key={made_up()}", environ_base=GUESSER)
    assert client.get("/api/v1/complaints", headers={"Authorization": f"Bearer {made_up()}"},
                      environ_base=GUESSER).status_code == 429


REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_listens() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_listens(), reason="needs Redis on 127.0.0.1:6379 (the production shape's store)")
def test_a_token_that_worked_through_another_worker_is_not_refused_at_a_guessing_address(
        settings, clock, engine, connection, bearer):
    """Two apps on one Redis stand for two gunicorn workers."""
    settings.ratelimit_storage_uri = REDIS_URL
    workers = []
    for _ in range(2):
        worker = create_app(settings=settings, clock=clock, engine=engine)
        worker.extensions["sigap"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
        worker.config["SIGAP_UNKNOWN_TOKEN_RATE_LIMIT"] = "3/minute"
        workers.append(worker.test_client())
    first, second = workers
    # Addresses of this test run only: the shared Redis also holds other runs' counters.
    guesser = {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"}
    valid = bearer("partner")
    assert first.get("/api/v1/complaints", headers=valid, environ_base=guesser).status_code == 200
    statuses = [second.get("/api/v1/complaints", headers={"Authorization": f"Bearer {made_up()}"},
                           environ_base=guesser).status_code for _ in range(4)]
    assert statuses == [401] * 3 + [429]
    assert first.get("/api/v1/complaints", headers={"Authorization": f"Bearer {made_up()}"},
                     environ_base=guesser).status_code == 429  # counted in Redis, for every worker
    assert second.get("/api/v1/complaints", headers=valid, environ_base=guesser).status_code == 200
