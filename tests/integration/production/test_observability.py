"""What an operator sees: /metrics figures, request ids, JSON logs without personal data, and a
clean 503 while the database is away."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.db import make_engine
from app.observability import PersonalDataFilter, json_formatter, mask
from app.services.sla import escalation


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


COMPLAINT = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Kemiren",
             "description": "Mbah Sumi tidak makan sejak kemarin", "reporter": {"name": "Siti", "phone": "081234567890"}}


def test_metrics_count_complaints_by_channel_and_request_latency(client, auth):
    before = scrape(client)
    headers = auth("supervisor", jurisdiction="banyuwangi")
    assert client.post("/api/v1/complaints", json=COMPLAINT, headers=headers).status_code == 201
    assert client.post("/api/v1/complaints", json={**COMPLAINT, "channel": "counter"}, headers=headers).status_code == 201
    after = scrape(client)
    received = "sigap_complaints_received_total"
    assert value(after, received, channel="api", jurisdiction="banyuwangi") \
        == value(before, received, channel="api", jurisdiction="banyuwangi") + 1
    assert value(after, received, channel="counter", jurisdiction="banyuwangi") \
        == value(before, received, channel="counter", jurisdiction="banyuwangi") + 1
    latency = [k for k in after if k[0] == "sigap_http_request_duration_seconds_count"
               and dict(k[1]).get("route") == "/api/v1/complaints" and dict(k[1]).get("status") == "201"]
    assert latency and after[latency[0]] >= 2


def test_metrics_show_breaches_steps_with_their_lateness_and_the_outbox_backlog(client, auth, session, clock):
    headers = auth("supervisor", jurisdiction="banyuwangi")
    assert client.post("/api/v1/complaints", json=COMPLAINT, headers=headers).status_code == 201
    before = scrape(client)
    # The scheduler was away: every step up to the handle breach fires late, at once.
    late_by = timedelta(hours=4, minutes=10)
    clock.advance(late_by)
    fired = escalation.run_due_steps(session, clock.now())
    assert fired >= 2
    after = scrape(client)
    assert value(after, "sigap_breaches_total", kind="acknowledge") == value(before, "sigap_breaches_total",
                                                                           kind="acknowledge") + 1
    assert value(after, "sigap_breaches_unmet", kind="handle") >= 1
    steps = sum(value(after, "sigap_sla_steps_fired_total", kind=k) - value(before, "sigap_sla_steps_fired_total", kind=k)
                for k in ("reminded", "warned", "breached", "escalated"))
    assert steps == fired
    # Every one of them fired late: none in the "within a second" bucket, all under a day.
    new_on_time = sum(value(after, "sigap_sla_step_lateness_seconds_bucket", kind=k, le="1.0")
                      - value(before, "sigap_sla_step_lateness_seconds_bucket", kind=k, le="1.0")
                      for k in ("reminded", "warned", "breached", "escalated"))
    assert new_on_time == 0
    assert value(after, "sigap_sla_step_lateness_seconds_sum", kind="breached") \
        > value(before, "sigap_sla_step_lateness_seconds_sum", kind="breached")
    backlog = sum(v for (name, _labels), v in after.items() if name == "sigap_outbox_backlog")
    assert backlog >= 1  # the receipt and the alerts wait for the delivery job
    assert ("sigap_scheduler_heartbeat_age_seconds", ()) in after


def test_every_response_carries_a_request_id_and_a_sane_one_is_kept(client):
    given = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.42"})
    assert given.headers["X-Request-Id"] == "lb-7f3a.42"
    made = client.get("/healthz", headers={"X-Request-Id": "<script>alert(1)</script>"})
    assert made.headers["X-Request-Id"] != "<script>alert(1)</script>" and len(made.headers["X-Request-Id"]) == 32
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and missing.headers["X-Request-Id"]


def test_log_lines_are_json_with_the_request_id_and_no_phone_numbers_or_names(client):
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.setFormatter(json_formatter())
    from app.observability import RequestIdFilter

    handler.addFilter(RequestIdFilter())
    handler.addFilter(PersonalDataFilter())
    logger = logging.getLogger("sigap.request")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        client.get("/healthz", headers={"X-Request-Id": "req-0001"})
        with client.application.test_request_context(headers={"X-Request-Id": "req-0002"}):
            from flask import g

            g.request_id = "req-0002"
            logger.info("SMS from +6281234567890 (name=Siti Aminah) via whatsapp:+628129876543",
                        extra={"reporter_name": "Siti Aminah"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    lines = [json.loads(line) for line in records]
    assert any(line["request_id"] == "req-0001" and "/healthz" in line["message"] for line in lines)
    masked = next(line for line in lines if line["request_id"] == "req-0002")
    text = json.dumps(masked)
    assert "6281234567890" not in text and "628129876543" not in text and "Siti" not in text
    assert "890" in masked["message"] and masked["level"] == "INFO" and masked["logger"] == "sigap.request"


def test_masking_keeps_tickets_times_and_ids_readable():
    assert mask("BWI-2026-000123 at 2026-11-23T02:00:00Z") == "BWI-2026-000123 at 2026-11-23T02:00:00Z"
    assert mask("complaint 42 took 12.5ms") == "complaint 42 took 12.5ms"
    assert mask("call 0812-3456-7890 now") == "call *********890 now"
    assert mask('{"first_name": "Budi", "id": 7}') == '{"first_name": "***", "id": 7}'
    assert mask("mail budi@example.com") == "mail ***@***"


def test_an_unreachable_database_answers_503_with_retry_after_not_a_stack_trace(settings, clock):
    # Nothing listens on port 1: every connection is refused, as during a PostgreSQL restart.
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/sigap?connect_timeout=2")
    app = create_app(settings=settings, clock=clock, engine=engine)
    client = app.test_client()
    from app.services.access.accounts import TOKEN_PREFIX

    bearer = {"Authorization": f"Bearer {TOKEN_PREFIX}{'a' * 43}"}
    response = client.post("/api/v1/complaints", json=COMPLAINT, headers=bearer)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json["error"]["code"] == "unavailable"
    assert "Traceback" not in response.get_data(as_text=True)
    assert client.get("/api/v1/complaints", headers=bearer).status_code == 503
    engine.dispose()


def _unreachable_app(settings, clock):
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/sigap?connect_timeout=2")
    return create_app(settings=settings, clock=clock, engine=engine), engine


def test_an_sms_webhook_during_a_database_outage_gets_503_so_nothing_is_acknowledged_unsaved(settings, clock):
    from tests.integration.production.conftest import SignedTwilio

    app, engine = _unreachable_app(settings, clock)
    response = SignedTwilio(app.test_client()).post("LAPOR MAKAN Kemiren: nenek tidak makan")
    assert response.status_code == 503 and response.headers["Retry-After"]
    engine.dispose()


def test_a_telegram_update_during_a_database_outage_is_not_acknowledged(settings, clock):
    from tests.integration.production.conftest import post_telegram

    app, engine = _unreachable_app(settings, clock)
    update = {"update_id": 4242, "message": {"message_id": 1, "date": 1795000000, "text": "/lapor",
                                             "chat": {"id": 5, "type": "private"},
                                             "from": {"id": 5, "is_bot": False, "first_name": "A"}}}
    response = post_telegram(app.test_client(), update)
    engine.dispose()
    # Telegram re-sends an update until it gets a 2xx: a 503 here means the report is not lost.
    assert response.status_code >= 500
