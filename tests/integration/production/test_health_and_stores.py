"""What a load balancer and an on-call operator read from /healthz and /metrics: no scheduler means
503 in production once the start-up grace is over, and the rate-limit store's loss and return."""
from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from app import create_app
from app.services.sla import heartbeat


def make_app(settings, clock, engine, connection, **overrides):
    for key, value in overrides.items():
        setattr(settings, key, value)
    application = create_app(settings=settings, clock=clock, engine=engine)
    application.extensions["sigap"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    return application


def test_in_production_no_scheduler_ever_seen_is_starting_during_the_grace_then_503(settings, clock, engine,
                                                                                   connection):
    client = make_app(settings, clock, engine, connection, production=True).test_client()
    starting = client.get("/healthz")
    assert starting.status_code == 200
    assert starting.json["status"] == "starting"
    assert starting.json["dependencies"]["scheduler"] == "never_seen"
    clock.advance(seconds=119)
    assert client.get("/healthz").json["status"] == "starting"
    clock.advance(seconds=2)  # 121 s after the start: the default grace of 120 s is over
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json["status"] == "unhealthy"
    assert down.json["scheduler"]["status"] == "never_seen"
    assert "python -m jobs" in down.json["scheduler"]["detail"]


def test_in_production_a_stale_heartbeat_is_503_after_the_grace_and_a_fresh_one_is_ok(settings, clock, engine,
                                                                                     connection, session):
    client = make_app(settings, clock, engine, connection, production=True,
                      health_startup_grace_seconds=30).test_client()
    heartbeat.beat(session, clock.now(), "jobs-host:1", clock.now())
    assert client.get("/healthz").json["status"] == "ok"
    clock.advance(seconds=61)  # the scheduler died right after its first beat
    stale = client.get("/healthz")
    assert stale.status_code == 503 and stale.json["dependencies"]["scheduler"] == "stale"
    heartbeat.beat(session, clock.now(), "jobs-host:2", clock.now())
    fresh = client.get("/healthz")
    assert fresh.status_code == 200 and fresh.json["status"] == "ok"


def test_outside_production_a_scheduler_never_seen_stays_200_and_is_named_plainly(client, clock):
    clock.advance(hours=1)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["dependencies"] == {"database": "ok", "scheduler": "never_seen", "rate_limit_store": "ok"}
    assert "no scheduler has ever" in response.json["scheduler"]["detail"]


# --- the rate-limit store going away and coming back --------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A private redis-server this test starts and stops (never the shared one)."""

    def __init__(self, port: int):
        self.port, self.process = port, None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server program")
    server = RedisServer(free_port())
    yield server
    server.stop()


def errors_total() -> float:
    return REGISTRY.get_sample_value("sigap_rate_limit_store_errors_total", {"store": "redis"}) or 0.0


def test_the_store_is_tried_again_after_the_back_off_and_its_return_and_next_loss_are_logged_once_each(
        settings, clock, engine, connection, redis_server, caplog):
    caplog.set_level(logging.INFO, logger="sigap.ratelimit")
    client = make_app(settings, clock, engine, connection,
                      ratelimit_storage_uri=f"redis://127.0.0.1:{redis_server.port}/0").test_client()
    logged = lambda: [r.getMessage() for r in caplog.records if r.name == "sigap.ratelimit"]  # noqa: E731
    errors = errors_total()

    for _ in range(5):  # not started yet: refused
        assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").json["dependencies"]["rate_limit_store"] == "unreachable"
    assert errors_total() == errors + 1 and len(logged()) == 1
    clock.advance(seconds=6)  # past the back-off: tried once more, still away, not logged again
    client.get("/healthz")
    client.get("/healthz")
    assert errors_total() == errors + 2 and len(logged()) == 1

    redis_server.start()
    clock.advance(seconds=6)
    back = client.get("/healthz")
    assert back.json["dependencies"]["rate_limit_store"] == "ok" and back.json["status"] != "unhealthy"
    assert len(logged()) == 2 and "reachable again" in logged()[1]
    assert "sigap_rate_limit_store_unreachable 0.0" in client.get("/metrics").get_data(as_text=True)

    redis_server.stop()
    clock.advance(timedelta(seconds=1))
    client.get("/healthz")
    assert len(logged()) == 3 and "unreachable" in logged()[2]
    assert "sigap_rate_limit_store_unreachable 1.0" in client.get("/metrics").get_data(as_text=True)
