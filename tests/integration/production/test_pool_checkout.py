"""Without a pre-ping per request, a pooled connection the server closed (a restart, a terminated
backend) must still never reach a request: it is found at checkout and replaced."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from app import create_app
from app.db import make_engine
from app.models import Complaint
from app.models.telegram import TelegramUpdate
from app.services.access import accounts
from tests.conftest import requires_postgresql
from tests.integration.production.conftest import SignedTwilio, post_telegram

pytestmark = requires_postgresql()

COMPLAINT = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Kemiren",
             "description": "Mbah Sumi tidak makan sejak kemarin", "reporter": {"name": "Siti", "phone": "081234567891"}}


def _lapor(update_id: int) -> dict:
    return {"update_id": update_id, "message": {"message_id": 1, "date": 1795000000, "text": "/lapor",
                                                "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
                                                "chat": {"id": update_id, "type": "private"},
                                                "from": {"id": update_id, "is_bot": False, "first_name": "A"}}}


def _terminate_pooled_connections(engine, database_url) -> None:
    """What a PostgreSQL restart does to the connections idle in the pool: the server ends them."""
    held = [engine.connect() for _ in range(engine.pool.checkedin())]  # every connection in the pool
    pids = [conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() for conn in held]
    for conn in held:
        conn.close()
    admin = create_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")  # fresh pg_stat_activity
    with admin.connect() as conn:
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        for _ in range(100_000):  # until the backend has exited (the signal is asynchronous)
            gone = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                                {"pids": pids}).scalar() == 0
            if gone:
                break
        assert gone
    admin.dispose()


@pytest.fixture
def pooled_app(committed_app, database_url, settings, clock):
    """An app on an engine of its own (the connections it pools are the ones terminated); rows it
    commits are removed after by committed_app."""
    engine = make_engine(database_url)
    app = create_app(settings=settings, clock=clock, engine=engine)
    yield app
    engine.dispose()


def test_a_connection_the_server_closed_in_the_pool_fails_no_request(pooled_app, database_url, clock):
    sigap = pooled_app.extensions["sigap"]
    assert not sigap.engine.pool._pre_ping  # no round trip before each request
    with sigap.sessionmaker() as s:
        _token, secret = accounts.create_token(s, clock.now(), role="supervisor", jurisdiction_code="banyuwangi",
                                               name="pool test")
        s.commit()
    client = pooled_app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.post("/api/v1/complaints", json=COMPLAINT, headers=bearer).status_code == 201
    assert sigap.engine.pool.checkedin() >= 1

    _terminate_pooled_connections(sigap.engine, database_url)
    created = client.post("/api/v1/complaints", json=COMPLAINT, headers=bearer)
    assert created.status_code == 201

    _terminate_pooled_connections(sigap.engine, database_url)
    assert SignedTwilio(client).post("LAPOR MAKAN Kemiren: nenek tidak makan", sender="+6281234500078").status_code == 200

    _terminate_pooled_connections(sigap.engine, database_url)
    assert post_telegram(client, _lapor(987_654_321)).status_code == 200

    with sigap.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Complaint).where(Complaint.channel == "api")) == 2
        assert s.scalar(select(func.count()).select_from(Complaint).where(Complaint.channel == "sms")) == 1
        assert s.get(TelegramUpdate, 987_654_321) is not None
        assert s.scalar(select(Complaint.ticket).where(Complaint.ticket == created.json["ticket"]))


def test_sigap_sessions_plan_without_jit_and_keep_the_urls_own_options(database_url):
    """JIT compiling a big report's plan cost 9-22 s at 10M complaints where running it took
    milliseconds (docs/scaling.md); the URL's own options (the tests' search_path) still apply."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
            assert conn.exec_driver_sql("SELECT count(*) FROM jurisdictions").scalar() >= 1  # its own schema
    finally:
        engine.dispose()
    sep = "&" if "?" in database_url else "?"
    chosen = make_engine(database_url.replace("options=", "options=-c%20jit%3Don%20") if "options=" in database_url
                         else database_url + f"{sep}options=-c%20jit%3Don")
    try:
        with chosen.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar() == "on"  # an operator who asks for it gets it
    finally:
        chosen.dispose()
