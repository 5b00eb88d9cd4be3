"""Observability for every route (wired by create_app): request ids, JSON logs without personal data,
GET /metrics in Prometheus text format, and 503 + Retry-After while the database is unreachable."""
from __future__ import annotations

import logging
import os
import re
import time
import uuid

from flask import Flask, Response, current_app, g, has_request_context, request
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import case, func, select
from sqlalchemy import exc as sa_exc

from app.db import is_outage
from app.errors import error_response
from app.extensions import db_session, now
from app.models import Breach, Complaint, Event, Jurisdiction, OutboxMessage
from app.ratelimit_store import app_store

log = logging.getLogger("sigap.request")

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
DB_RETRY_AFTER_SECONDS = 5
STEP_EVENT_KINDS = ("reminded", "warned", "breached", "escalated")
LATENESS_BUCKETS = (0, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# Per process; under gunicorn with PROMETHEUS_MULTIPROC_DIR set, prometheus_client writes it to
# files there and /metrics sums every worker's (see docs/deploy.md).
REQUEST_LATENCY = Histogram(
    "sigap_http_request_duration_seconds", "Time to answer an HTTP request, by route and status",
    ("method", "route", "status"), buckets=LATENCY_BUCKETS,
)


# ---- personal data out of logs ----------------------------------------------------------------

# E.164 or local Indonesian numbers (+62..., 62..., 08...), also inside "whatsapp:+62...".
PHONE = re.compile(r"(?<![\w+\-/.])((?:\+\d{1,3}|0|62)[\d \-]{6,14}\d)(?!\w)")
NAME_KEYS = ("name", "first_name", "last_name", "full_name", "username", "reporter_name", "official_name",
             "official", "nama")
NAME_FIELD = re.compile(r"""(?P<key>["']?\b(?:%s)\b["']?\s*[:=]\s*)(?P<q>["']?)(?P<value>[^"',;}\])|&\n]{1,200})(?P=q)"""
                        % "|".join(NAME_KEYS), re.IGNORECASE)
# Keys callers may pass in `extra=`; "name" itself is the logger's name on a LogRecord.
EXTRA_KEYS = tuple(k for k in NAME_KEYS if k != "name") + ("phone", "recipient", "from_address", "to_address")
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")


def _mask_phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group(1))
    if len(digits) < 8:
        return match.group(0)
    return match.group(0)[: 1 if match.group(1).startswith("+") else 0] + "*" * (len(digits) - 3) + digits[-3:]


def mask(text: str) -> str:
    """Mask phone numbers (keeping the last 3 digits), e-mail addresses and name=... fields."""
    text = NAME_FIELD.sub(lambda m: f"{m.group('key')}{m.group('q')}***{m.group('q')}", text)
    text = EMAIL.sub("***@***", text)
    return PHONE.sub(_mask_phone, text)


class PersonalDataFilter(logging.Filter):
    """Rewrites each record's message (and name-like extras) with personal data masked; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = str(record.msg)
        record.msg, record.args = mask(message), None
        for key in EXTRA_KEYS:
            value = record.__dict__.get(key)
            if isinstance(value, str) and value:
                record.__dict__[key] = "***"
        if record.exc_info and not record.exc_text:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


def json_formatter() -> logging.Formatter:
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         json_ensure_ascii=False)


def configure_logging(json_logs: bool) -> None:
    """Masking and request ids on every root handler (all loggers propagate there); JSON lines if asked.
    Idempotent: create_app runs once per worker, and many times in tests."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO)
    for handler in root.handlers:
        if not any(isinstance(f, PersonalDataFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
            handler.addFilter(PersonalDataFilter())
        if json_logs and type(handler) is logging.StreamHandler:
            handler.setFormatter(json_formatter())


# ---- request ids and latency ------------------------------------------------------------------

def _begin_request() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _REQUEST_ID_OK.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _end_request(response: Response) -> Response:
    response.headers[REQUEST_ID_HEADER] = g.get("request_id") or uuid.uuid4().hex
    started = g.pop("request_started", None)
    if started is not None:
        elapsed = time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
        REQUEST_LATENCY.labels(request.method, route, str(response.status_code)).observe(elapsed)
        if request.path != "/metrics":
            log.info("%s %s %s %.1fms", request.method, route, response.status_code, elapsed * 1000,
                     extra={"method": request.method, "route": route, "status": response.status_code,
                            "duration_ms": round(elapsed * 1000, 2)})
    return response


# ---- figures derived from the database at scrape time ------------------------------------------

class DatabaseCollector:
    """Counts read from rows that are never deleted, so every worker reports the same exact figures."""

    def __init__(self, session, at):
        self.session, self.at = session, at

    def collect(self):
        s = self.session
        received = CounterMetricFamily("sigap_complaints_received", "Complaints received, by channel and jurisdiction",
                                       labels=("channel", "jurisdiction"))
        for channel, code, count in s.execute(
                select(Complaint.channel, Jurisdiction.code, func.count())
                .join(Jurisdiction, Jurisdiction.id == Complaint.jurisdiction_id)
                .group_by(Complaint.channel, Jurisdiction.code)):
            received.add_metric((channel, code), count)
        yield received

        open_ = GaugeMetricFamily("sigap_complaints_by_status", "Complaints now in each status", labels=("status",))
        for status, count in s.execute(select(Complaint.status, func.count()).group_by(Complaint.status)):
            open_.add_metric((status,), count)
        yield open_

        yield from self._steps()

        breaches = CounterMetricFamily("sigap_breaches", "Deadlines missed, by kind", labels=("kind",))
        unmet = GaugeMetricFamily("sigap_breaches_unmet", "Breaches whose deadline is still not met", labels=("kind",))
        for kind, total, still in s.execute(
                select(Breach.kind, func.count(), func.sum(case((Breach.met_at.is_(None), 1), else_=0)))
                .group_by(Breach.kind)):
            breaches.add_metric((kind,), total)
            unmet.add_metric((kind,), int(still or 0))
        yield breaches
        yield unmet

        yield from self._outbox()

        from app.services.sla import heartbeat

        age = heartbeat.age_seconds(s, self.at)
        beat = GaugeMetricFamily("sigap_scheduler_heartbeat_age_seconds",
                                 "Seconds since the newest scheduler heartbeat (-1: never seen)")
        beat.add_metric((), -1 if age is None else age)
        yield beat

    def _steps(self):
        late = Event.data["late_seconds"].as_integer()
        columns = [func.count(), func.coalesce(func.sum(late), 0)]
        columns += [func.sum(case((late <= bound, 1), else_=0)) for bound in LATENESS_BUCKETS]
        fired = CounterMetricFamily("sigap_sla_steps_fired", "SLA steps fired (reminders, warnings, breaches, "
                                    "escalations)", labels=("kind",))
        lateness = HistogramMetricFamily("sigap_sla_step_lateness_seconds",
                                         "How long after its due time each SLA step fired", labels=("kind",))
        rows = {row[0]: row[1:] for row in self.session.execute(
            select(Event.kind, *columns).where(Event.kind.in_(STEP_EVENT_KINDS)).group_by(Event.kind))}
        for kind in STEP_EVENT_KINDS:
            count, total, *cumulative = rows.get(kind, (0, 0) + (0,) * len(LATENESS_BUCKETS))
            fired.add_metric((kind,), count)
            buckets = [(str(bound), int(c or 0)) for bound, c in zip(LATENESS_BUCKETS, cumulative)]
            lateness.add_metric((kind,), buckets + [("+Inf", count)], sum_value=float(total or 0))
        yield fired
        yield lateness

    def _outbox(self):
        s = self.session
        by_status = GaugeMetricFamily("sigap_outbox_messages", "Outbox messages in each status", labels=("status",))
        failures = CounterMetricFamily("sigap_outbox_send_failures",
                                       "Failed send attempts (retried or given up), by channel", labels=("channel",))
        backlog = GaugeMetricFamily("sigap_outbox_backlog", "Messages not yet delivered (pending, failed, sending)",
                                    labels=("channel",))
        attempts_failed = OutboxMessage.attempts - case(
            (OutboxMessage.status.in_(("sent", "sending")), 1), else_=0)
        waiting = OutboxMessage.status.in_(("pending", "failed", "sending"))
        for status, count in s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)):
            by_status.add_metric((status,), count)
        for channel, failed, queued in s.execute(
                select(OutboxMessage.channel, func.coalesce(func.sum(attempts_failed), 0),
                       func.sum(case((waiting, 1), else_=0))).group_by(OutboxMessage.channel)):
            failures.add_metric((channel,), max(int(failed or 0), 0))
            backlog.add_metric((channel,), int(queued or 0))
        oldest = s.scalar(select(func.min(OutboxMessage.created_at)).where(waiting))
        age = GaugeMetricFamily("sigap_outbox_oldest_undelivered_age_seconds",
                                "Age of the oldest undelivered message (0 when none)")
        age.add_metric((), max((self.at - oldest).total_seconds(), 0.0) if oldest else 0.0)
        yield from (by_status, failures, backlog, age)


class RateLimitStoreCollector:
    """Whether this process finds the rate-limit store unreachable now (its failures are counted in
    sigap_rate_limit_store_errors_total, app/ratelimit_store.py, summed over workers)."""

    def __init__(self, store):
        self.store = store

    def collect(self):
        down = GaugeMetricFamily("sigap_rate_limit_store_unreachable",
                                 "1 while the rate-limit store (Redis) is unreachable from the answering worker: "
                                 "limits are counted per process")
        down.add_metric((), 0 if self.store is None or self.store.check() else 1)
        if self.store is not None:
            self.store.errors()  # the counter shows 0 from the first scrape, not from the first failure
        yield down


def _process_registry() -> CollectorRegistry | None:
    # prometheus_client itself reads PROMETHEUS_MULTIPROC_DIR; this mirrors its choice.
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def metrics() -> Response:
    session = db_session()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(session, now()))
    registry.register(RateLimitStoreCollector(app_store(current_app)))
    body = generate_latest(registry)
    session.rollback()
    from prometheus_client import REGISTRY

    body += generate_latest(_process_registry() or REGISTRY)
    return Response(body, mimetype=None, content_type=CONTENT_TYPE_LATEST)


# ---- the database going away -------------------------------------------------------------------

def _database_unavailable(exc: Exception):
    if not is_outage(exc):
        # A constraint or data error is a bug to see, not an outage.
        logging.getLogger("sigap.errors").exception("unhandled database error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "Something went wrong on our side; nothing was half-saved")
    log.warning("database unavailable on %s %s: %s", request.method, request.path, type(exc).__name__)
    try:
        db_session().rollback()
    except Exception:  # noqa: BLE001 - the connection is already gone
        pass
    return error_response(503, "unavailable", "The database is unreachable for a moment; nothing was saved. "
                          "Please retry.", {"Retry-After": str(DB_RETRY_AFTER_SECONDS)})


def init_app(app: Flask) -> None:
    settings = app.extensions["sigap"].settings
    json_logs = getattr(settings, "log_format", None) == "json" or (
        getattr(settings, "log_format", None) is None and settings.production)
    configure_logging(json_logs)
    app.before_request(_begin_request)
    app.after_request(_end_request)
    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
    for exc_class in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError, sa_exc.PendingRollbackError):
        app.register_error_handler(exc_class, _database_unavailable)
    app.register_error_handler(sa_exc.DBAPIError, _database_unavailable)
    app.extensions["sigap_json_logs"] = json_logs
