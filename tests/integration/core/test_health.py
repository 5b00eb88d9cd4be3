"""/healthz tells a load balancer whether deadlines are being enforced."""
from datetime import timedelta

from app.services.sla import heartbeat


def test_health_is_degraded_before_any_scheduler_ran(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json["database"] == "ok" and r.json["scheduler"]["status"] == "never_seen"


def test_health_is_ok_with_a_fresh_heartbeat_and_503_when_it_goes_stale(client, session, clock):
    heartbeat.beat(session, clock.now(), "worker-1", clock.now())
    clock.advance(seconds=20)
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok"
    assert r.json["scheduler"]["heartbeat_age_seconds"] == 20.0
    clock.advance(timedelta(minutes=5))
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json["scheduler"]["status"] == "stale"
