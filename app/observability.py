"""Observability for every route (wired by create_app): request ids, JSON logs without personal data,
GET /metrics in Prometheus text format, and 503 + Retry-After while the database is unreachable.

A scrape never recounts history: gauges read open rows through indexes that hold only those, and
counters were counted when things happened (app/metrics.py says which are kept where, and why)."""
from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections import Counter

from flask import Flask, Response, current_app, g, has_request_context, request
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import bindparam, func, select
from sqlalchemy import exc as sa_exc

from app.db import is_outage
from app.errors import error_response
from app.extensions import db_session, now
from app.metrics import total_families
from app.models import OPEN_STATUSES, Breach, Complaint, OutboxMessage
from app.models.outbox import WAITING_STATUSES
from app.ratelimit_store import app_store
from app.services.messaging import outbox, webhook_withdrawal

log = logging.getLogger("sigap.request")

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
DB_RETRY_AFTER_SECONDS = 5
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


class DevServerAccessFilter(logging.Filter):
    """Drops the development server's own access line ('127.0.0.1 - - [...] "GET / HTTP/1.1" 200 -'):
    every request is logged once, by sigap.request, with its route, status and duration."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.INFO and '] "%s" %s %s' in str(record.msg))


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
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, DevServerAccessFilter) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(DevServerAccessFilter())


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


# ---- figures read from the database at scrape time -----------------------------------------------

class OpenRowsCollector:
    """Gauges of what is still open, each one query served by an index over open rows only
    (`ix_complaints_open_sla`, `ix_outbox_messages_waiting`, `ix_breaches_unmet`; the status index
    for the few handled complaints awaiting the citizen): closed complaints, events and delivered
    messages are never read. Counters of what happened are counted when it happens instead
    (app/metrics.py)."""

    def __init__(self, session, at):
        self.session, self.at = session, at

    def collect(self):
        yield from self._complaints()
        yield self._unmet_breaches()
        yield from self._outbox()
        from app.services.sla import heartbeat

        age = heartbeat.age_seconds(self.session, self.at)
        beat = GaugeMetricFamily("sigap_scheduler_heartbeat_age_seconds",
                                 "Seconds since the newest scheduler heartbeat (-1: never seen)")
        beat.add_metric((), -1 if age is None else age)
        yield beat

    def _complaints(self):
        from app.services.reporting import dashboard

        s = self.session
        state = dashboard.state_expression(s.get_bind().dialect.name).label("sla_state")
        open_ = Complaint.status.in_(_literal("open_statuses", OPEN_STATUSES))
        # Past their handle deadline they are "breached" whatever else holds, and at 10M complaints they
        # are nearly the whole open backlog (195,000): counted per status from an index of open rows
        # (no state arithmetic on each), less those not yet due, whose state is worked out. Not a
        # "deadline passed" range: on the full deadline index that range is the whole history.
        due = bindparam("sla_now", type_=Complaint.handle_due_at.type)
        open_counts = dict(s.execute(select(Complaint.status, func.count()).where(open_)
                                     .group_by(Complaint.status)).all())
        not_due = s.execute(select(Complaint.status, state, func.count())
                            .where(open_, Complaint.handle_due_at > due)
                            .group_by(Complaint.status, state), dashboard.at(self.at)).all()
        ahead = Counter()
        for status, _state, count in not_due:
            ahead[status] += count
        rows = [*not_due, *((status, "breached", count - ahead[status])
                            for status, count in open_counts.items() if count > ahead[status])]
        by_status = GaugeMetricFamily("sigap_complaints_by_status", "Complaints in each status not yet closed or "
                                      "rejected", labels=("status",))
        by_state = GaugeMetricFamily("sigap_complaints_open", "Open complaints by status and SLA state (as on the "
                                     "staff board: on_track, reminder, warned, breached)",
                                     labels=("status", "sla_state"))
        totals = dict.fromkeys(OPEN_STATUSES + AWAITING_CONFIRMATION, 0)
        for status, sla_state, count in rows:
            totals[status] += count
            by_state.add_metric((status, sla_state), count)
        # Handled, awaiting the citizen until the nightly close (3 days): few, found through the status index.
        totals.update(s.execute(select(Complaint.status, func.count())
                                .where(Complaint.status.in_(_literal("awaiting", AWAITING_CONFIRMATION)))
                                .group_by(Complaint.status)).all())
        for status, count in totals.items():
            by_status.add_metric((status,), count)
        yield by_status
        yield by_state

    def _unmet_breaches(self):
        unmet = GaugeMetricFamily("sigap_breaches_unmet", "Breaches whose deadline is still not met", labels=("kind",))
        counts = dict.fromkeys(BREACH_KINDS, 0)
        counts.update(self.session.execute(
            select(Breach.kind, func.count()).where(Breach.met_at.is_(None)).group_by(Breach.kind)).all())
        for kind, count in counts.items():
            unmet.add_metric((kind,), count)
        return unmet

    def _outbox(self):
        by_status = GaugeMetricFamily("sigap_outbox_messages", "Messages waiting in the outbox, by status "
                                      "(pending, sending, failed)", labels=("status",))
        backlog = GaugeMetricFamily("sigap_outbox_backlog", "Messages not yet delivered (pending, failed, sending)",
                                    labels=("channel",))
        statuses, channels, oldest = dict.fromkeys(WAITING_STATUSES, 0), dict.fromkeys(OUTBOX_CHANNELS, 0), None
        for status, channel, count, first in self.session.execute(
                select(OutboxMessage.status, OutboxMessage.channel, func.count(), func.min(OutboxMessage.created_at))
                .where(OutboxMessage.status.in_(_literal("waiting_statuses", WAITING_STATUSES)))
                .group_by(OutboxMessage.status, OutboxMessage.channel)):
            statuses[status] += count
            channels[channel] = channels.get(channel, 0) + count
            oldest = first if oldest is None or first < oldest else oldest
        for status, count in statuses.items():
            by_status.add_metric((status,), count)
        for channel, count in sorted(channels.items()):
            backlog.add_metric((channel,), count)
        age = GaugeMetricFamily("sigap_outbox_oldest_undelivered_age_seconds",
                                "Age of the oldest undelivered message (0 when none)")
        age.add_metric((), max((self.at - oldest).total_seconds(), 0.0) if oldest else 0.0)
        yield from (by_status, backlog, age)


AWAITING_CONFIRMATION = ("handled", "resolved")
# Shown at 0 rather than missing while nothing is there.
BREACH_KINDS = ("triage", "acknowledge", "handle")
OUTBOX_CHANNELS = outbox.CHANNELS + (webhook_withdrawal.CHANNEL,)


def _literal(name: str, values: tuple[str, ...]):
    # Written into the SQL rather than bound: a plan the server caches for a prepared statement must
    # still see that the IN list matches the partial index's WHERE.
    return bindparam(name, list(values), expanding=True, literal_execute=True)


class TotalsCollector:
    """The schedulers' counters, kept in metric_totals (app/metrics.py): one small table read."""

    def __init__(self, session):
        self.session = session

    def collect(self):
        yield from total_families(self.session)


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
    registry.register(OpenRowsCollector(session, now()))
    registry.register(TotalsCollector(session))
    registry.register(RateLimitStoreCollector(app_store(current_app)))
    body = generate_latest(registry)
    # Ends the read with COMMIT, not ROLLBACK: psycopg forgets its prepared statements on a ROLLBACK,
    # and prepared (after 5 scrapes on a connection), the outbox's query over every monthly partition
    # is no longer planned on each scrape (9 ms of planning for 1 ms of work at 124 partitions).
    session.commit()
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
