"""A partner system that retries, races and hurries: Idempotency-Key on POSTs and per-token rate limits."""
from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from app.models import ApiToken, Complaint
from app.models.partner import IdempotencyKey
from app.services.access import accounts
from app.services import intake
from app.services.intake import idempotency
from tests.conftest import requires_postgresql

BODY = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon",
        "description": "Seorang lansia tidak makan sejak kemarin", "reporter": {"name": "Siti", "phone": "081234567890"}}


def count(session):
    return session.scalar(select(func.count(Complaint.id)))


def test_a_retried_submission_creates_one_complaint_and_gets_the_same_response(client, bearer, session):
    headers = {**bearer("partner"), "Idempotency-Key": "c0ffee-1"}
    before = count(session)
    first = client.post("/api/v1/complaints", json=BODY, headers=headers)
    again = client.post("/api/v1/complaints", json=dict(reversed(list(BODY.items()))), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert count(session) == before + 1


def test_the_same_key_with_a_different_body_is_422(client, bearer, session):
    headers = {**bearer("partner"), "Idempotency-Key": "c0ffee-2"}
    client.post("/api/v1/complaints", json=BODY, headers=headers)
    before = count(session)
    r = client.post("/api/v1/complaints", json={**BODY, "category": "school_dropout"}, headers=headers)
    assert r.status_code == 422 and r.json["error"]["code"] == "idempotency_key_reused"
    assert count(session) == before


def test_keys_belong_to_one_token_and_a_failed_request_frees_its_key(client, bearer, session):
    key = {"Idempotency-Key": "shared-key"}
    a, b = bearer("partner"), bearer("partner")
    assert client.post("/api/v1/complaints", json={**BODY, "category": "flood"}, headers={**a, **key}).status_code == 422
    first = client.post("/api/v1/complaints", json=BODY, headers={**a, **key})
    other = client.post("/api/v1/complaints", json=BODY, headers={**b, **key})
    assert first.status_code == other.status_code == 201
    assert first.json["ticket"] != other.json["ticket"]


def test_a_key_is_forgotten_after_24_hours(client, bearer, clock):
    headers = {**bearer("partner"), "Idempotency-Key": "day-old"}
    first = client.post("/api/v1/complaints", json=BODY, headers=headers).json["ticket"]
    clock.advance(hours=24, minutes=1)
    later = client.post("/api/v1/complaints", json=BODY, headers=headers)
    assert later.status_code == 201 and later.json["ticket"] != first


def test_actions_are_idempotent_too(client, bearer):
    ticket = client.post("/api/v1/complaints", json=BODY, headers=bearer("partner")).json["ticket"]
    officer = {**bearer("officer", agency="bwi-dinsos"), "Idempotency-Key": "ack-1"}
    first = client.post(f"/api/v1/complaints/{ticket}/actions", json={"action": "acknowledge"}, headers=officer)
    again = client.post(f"/api/v1/complaints/{ticket}/actions", json={"action": "acknowledge"}, headers=officer)
    assert first.status_code == again.status_code == 200  # not 409: the retry is answered, not re-done
    assert again.json == first.json


class Crash(BaseException):
    """The process dying: nothing of the request runs after it."""


@contextmanager
def dying_after_the_commit_that(saved, connection):
    """The request dies at its next step (a new transaction) after the first commit for which
    saved(connection) holds: what a crash between two commits would leave. One that has no next
    step finishes."""
    state = {"saved": False, "dead": False}

    def after_commit(_session):
        state["saved"] = state["saved"] or saved(connection)

    def after_begin(_session, _transaction, _connection):
        if state["saved"] and not state["dead"]:
            state["dead"] = True
            raise Crash

    event.listen(Session, "after_commit", after_commit)
    event.listen(Session, "after_begin", after_begin)
    try:
        yield
    except Crash:
        pass
    finally:
        event.remove(Session, "after_commit", after_commit)
        event.remove(Session, "after_begin", after_begin)
    assert state["saved"]


def key_status(connection, key: str) -> str | None:
    return connection.scalar(select(IdempotencyKey.status).where(IdempotencyKey.key == key))


def test_a_crash_right_after_the_complaint_is_saved_never_lets_the_retry_make_a_second(client, bearer, session,
                                                                                     connection, clock):
    headers = {**bearer("partner"), "Idempotency-Key": "crash-1"}
    before = count(session)
    with dying_after_the_commit_that(lambda conn: count(conn) > before, connection):
        client.post("/api/v1/complaints", json=BODY, headers=headers)
    [ticket] = session.scalars(select(Complaint.ticket).order_by(Complaint.id.desc()).limit(1))
    clock.advance(minutes=3)  # past the lease of a key left unfinished
    again = client.post("/api/v1/complaints", json=BODY, headers=headers)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json["ticket"] == ticket and again.headers["Location"].endswith(ticket)
    assert count(session) == before + 1


def test_the_complaint_and_its_keys_stored_answer_are_saved_by_one_commit(client, bearer, session, connection):
    headers = {**bearer("partner"), "Idempotency-Key": "one-commit"}
    before = count(session)
    seen = []

    def snapshot(_session):
        seen.append((count(connection) - before, key_status(connection, "one-commit")))

    event.listen(Session, "after_commit", snapshot)
    try:
        first = client.post("/api/v1/complaints", json=BODY, headers=headers)
    finally:
        event.remove(Session, "after_commit", snapshot)
    assert first.status_code == 201
    # After the token's own bookkeeping: the key is claimed, then the complaint and the finished key together.
    assert [s for s in seen if s != (0, None)] == [(0, "started"), (1, "done")]


def test_a_crash_right_after_an_action_is_saved_gets_the_retry_its_answer_not_a_409(client, bearer, connection,
                                                                                  clock):
    ticket = client.post("/api/v1/complaints", json=BODY, headers=bearer("partner")).json["ticket"]
    officer = {**bearer("officer", agency="bwi-dinsos"), "Idempotency-Key": "ack-crash"}

    def acknowledged(conn):
        return conn.scalar(select(Complaint.status).where(Complaint.ticket == ticket)) == "acknowledged"

    with dying_after_the_commit_that(acknowledged, connection):
        client.post(f"/api/v1/complaints/{ticket}/actions", json={"action": "acknowledge"}, headers=officer)
    clock.advance(minutes=3)
    again = client.post(f"/api/v1/complaints/{ticket}/actions", json={"action": "acknowledge"}, headers=officer)
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json["ticket"] == ticket and again.json["status"] == "acknowledged"


def test_a_slow_first_request_and_its_retry_past_the_lease_make_one_complaint(session, clock, make_token):
    token, _secret = make_token("partner")
    claim = {"token_id": token.id, "key": "slow-1"}
    fields = {k: v for k, v in BODY.items() if k != "reporter"}
    assert idempotency.begin(session, clock.now(), fingerprint="f", **claim) is None  # the first request
    clock.advance(minutes=3)
    assert idempotency.begin(session, clock.now(), fingerprint="f", **claim) is None  # its retry takes the key over
    before = count(session)
    first = intake.stage(session, clock.now(), **fields)
    idempotency.finish(session, clock.now(), status=201, body=first.ticket, headers={}, **claim)
    session.commit()
    intake.stage(session, clock.now(), **fields)  # the retry, finishing second, gives way
    with pytest.raises(idempotency.KeyInProgress):
        idempotency.finish(session, clock.now(), status=201, body="second", headers={}, **claim)
    session.rollback()
    assert count(session) == before + 1
    stored = idempotency.begin(session, clock.now(), fingerprint="f", **claim)
    assert stored is not None and stored.body == first.ticket


@pytest.mark.parametrize("key", ["", "x" * 201, "has space", "ünïcode"])
def test_a_malformed_key_is_422(client, bearer, key):
    r = client.post("/api/v1/complaints", json=BODY, headers={**bearer("partner"), "Idempotency-Key": key})
    assert r.status_code == 422 and "Idempotency-Key" in r.json["error"]["message"]


def test_a_key_still_in_progress_is_409_and_an_abandoned_one_is_taken_over(session, clock, make_token):
    token, _secret = make_token("partner")
    assert idempotency.begin(session, clock.now(), token_id=token.id, key="k", fingerprint="f") is None
    with pytest.raises(idempotency.KeyInProgress):
        idempotency.begin(session, clock.now(), token_id=token.id, key="k", fingerprint="f")
    clock.advance(minutes=3)
    assert idempotency.begin(session, clock.now(), token_id=token.id, key="k", fingerprint="f") is None


def test_old_keys_are_purged(session, clock, make_token):
    token, _secret = make_token("partner")
    idempotency.begin(session, clock.now(), token_id=token.id, key="old", fingerprint="f")
    clock.advance(days=2)
    assert idempotency.purge(session, clock.now()) >= 1


def _race(committed_app, secret: str, n: int) -> list:
    barrier = threading.Barrier(n)
    results = []

    def post():
        with committed_app.test_client() as c:
            barrier.wait()
            r = c.post("/api/v1/complaints", json=BODY,
                       headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "race-1"})
            results.append((r.status_code, r.json))

    threads = [threading.Thread(target=post) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def committed_partner(committed_app, committed_sessionmaker, clock):
    with committed_sessionmaker() as s:
        token, secret = accounts.create_token(s, clock.now(), role="partner", name="race")
        s.commit()
        token_id = token.id
    yield secret
    with committed_sessionmaker() as s:
        s.execute(delete(IdempotencyKey).where(IdempotencyKey.token_id == token_id))
        s.execute(delete(ApiToken).where(ApiToken.id == token_id))
        s.commit()


def _check_race(results, committed_sessionmaker):
    statuses = sorted(code for code, _body in results)
    created = [body for code, body in results if code == 201]
    assert set(statuses) <= {201, 409}, results
    assert len({b["ticket"] for b in created}) == 1  # every 201 is the same complaint
    with committed_sessionmaker() as s:
        assert s.scalar(select(func.count(Complaint.id)).where(Complaint.ticket == created[0]["ticket"])) == 1
        assert s.scalar(select(func.count(Complaint.id))) == 1


def test_concurrent_duplicates_make_one_complaint_on_sqlite(committed_app, committed_partner,
                                                            committed_sessionmaker):
    _check_race(_race(committed_app, committed_partner, 4), committed_sessionmaker)


@requires_postgresql()
def test_concurrent_duplicates_make_one_complaint_on_postgresql(committed_app, committed_partner,
                                                                committed_sessionmaker):
    _check_race(_race(committed_app, committed_partner, 6), committed_sessionmaker)


def test_each_token_has_its_own_rate_limit_with_retry_after(app, client, bearer):
    app.config["SIGAP_API_RATE_LIMIT"] = "2/minute"
    mine, other = bearer("admin"), bearer("admin")
    assert [client.get("/api/v1/complaints", headers=mine).status_code for _ in range(3)] == [200, 200, 429]
    r = client.get("/api/v1/complaints", headers=mine)
    assert r.status_code == 429 and r.json["error"]["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/complaints", headers=other).status_code == 200


def test_several_limits_and_off_are_understood(app, client, bearer):
    app.config["SIGAP_API_RATE_LIMIT"] = "100/minute;1/hour"
    headers = bearer("admin")
    assert [client.get("/api/v1/complaints", headers=headers).status_code for _ in range(2)] == [200, 429]
    app.config["SIGAP_API_RATE_LIMIT"] = "off"
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200



def test_nul_characters_in_the_api_are_dropped_or_refused_never_a_500(client, bearer):
    r = client.post("/api/v1/complaints", json={**BODY, "description": "Tolong\u0000 segera"}, headers=bearer("partner"))
    assert r.status_code == 201 and r.json["description"] == "Tolong segera"
    admin = bearer("admin")
    for query in ("agency=dinsos\x00", "category=hun\x00ger", "jurisdiction=\x00"):
        # NUL is dropped from every query value (app/inbound.py): the answer is the one without it.
        without = client.get(f"/api/v1/complaints?{query.replace(chr(0), '')}", headers=admin)
        assert client.get(f"/api/v1/complaints?{query}", headers=admin).status_code == without.status_code
    assert client.get("/api/v1/complaints/BWI\x00", headers=admin).status_code in (400, 404)


def test_a_lone_surrogate_escape_in_the_json_is_stored_as_a_replacement_character(client, bearer):
    """"\\ud800" is valid JSON but encodes no character: UTF-8 (and so the database) cannot take it."""
    raw = ('{"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon", '
           '"description": "Nenek \\ud800 tidak makan", "reporter": {"name": "Warga \\udfff"}}').encode()
    for headers in (bearer("partner"), {**bearer("supervisor"), "Idempotency-Key": "surrogate-1"}):
        r = client.post("/api/v1/complaints", data=raw, headers={**headers, "Content-Type": "application/json"})
        assert r.status_code == 201, r.json
        assert r.json["description"] == "Nenek \ufffd tidak makan"
