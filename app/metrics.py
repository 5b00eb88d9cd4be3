"""Counters of what happens in Sigap, counted when it happens, so that GET /metrics never recounts
history (it used to run GROUP BYs over every complaint, event and message at each scrape).

Services call one function here at the moment something happens (a complaint received, an SLA step
fired, a breach, a message settled); the count is staged on the Session and applied only when its
transaction commits, so a rollback (or a savepoint rolled back) counts nothing. There are two
kinds, chosen by which process does the work:

- **Process counters** (prometheus_client): complaints received and webhook updates. Only web
  workers do these. Under gunicorn with PROMETHEUS_MULTIPROC_DIR every worker writes its counts to
  a file there and any worker's /metrics sums them; they start from zero when the web tier starts,
  which Prometheus's rate() and increase() take as any counter reset. Intake is the hot path: a
  database row per (channel, jurisdiction) would make concurrent intakes queue on it at every
  commit, where a process counter costs nothing.
- **Durable totals** (rows of `metric_totals`, app/models/metrics.py): SLA steps fired with their
  lateness, breaches, and what the outbox did with each message (sent, failed, given up). The
  schedulers do this work, in `python -m jobs` processes that may run on other hosts than the web
  (docs/deploy.md, Procfile), several at once, restarted on their own; a multiprocess directory
  only reaches processes of one host, and gunicorn empties it at every start. A row is seen by every
  web worker on every host, survives restarts of either side, and commits or rolls back with the
  work it counts. The additions of a transaction are one multi-row upsert issued at its commit, in
  key order, so the row locks are held only for the commit itself and two schedulers cannot
  deadlock on them. A scrape reads the whole table: a few dozen rows, one per series.

Migration 0013 starts the durable totals from the rows already stored, so they continue the figures
the old scrape computed."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from prometheus_client import Counter
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from app.models.metrics import MetricTotal

# Upper bounds (seconds) of the SLA step lateness histogram.
LATENESS_BUCKETS = (0, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 21600, 86400)
STEP_KINDS = ("reminded", "warned", "breached", "escalated")

# Labelled, so that nothing (and, under PROMETHEUS_MULTIPROC_DIR, no file) exists before the first
# count: a CLI command importing this module must not need the metrics directory.
COMPLAINTS_RECEIVED = Counter("sigap_complaints_received", "Complaints received, by channel and jurisdiction",
                              ("channel", "jurisdiction"))
WEBHOOK_UPDATES = Counter("sigap_webhook_updates", "Inbound webhook calls handled (Telegram updates, Twilio "
                          "messages and status callbacks), by what came of them", ("webhook", "outcome"))

# Durable totals: the sample names stored in metric_totals.
LATENESS_BUCKET = "sigap_sla_step_lateness_seconds_bucket"  # per bucket, not cumulative (summed at read)
LATENESS_SUM = "sigap_sla_step_lateness_seconds_sum"
BREACHES = "sigap_breaches_total"
BREACHES_WITHDRAWN = "sigap_breaches_withdrawn_total"
MESSAGES_SENT = "sigap_outbox_messages_sent_total"
SEND_FAILURES = "sigap_outbox_send_failures_total"
MESSAGES_DEAD = "sigap_outbox_messages_dead_total"

_STAGED = "sigap_metrics_staged"  # Session.info: counts waiting for the commit


# ---- what services call ----------------------------------------------------------------------

def complaint_received(session: Session, *, channel: str, jurisdiction: str) -> None:
    _stage(session, _Count(COMPLAINTS_RECEIVED, (channel, jurisdiction)))


def step_fired(session: Session, kind: str, late_seconds: int) -> None:
    """An SLA step (reminded, warned, breached, escalated) fired `late_seconds` after its due time."""
    late = max(int(late_seconds), 0)
    bound = next((str(b) for b in LATENESS_BUCKETS if late <= b), "+Inf")
    _stage(session, _Count(LATENESS_BUCKET, encode(kind=kind, le=bound)))
    _stage(session, _Count(LATENESS_SUM, encode(kind=kind), late))


def breach_recorded(session: Session, kind: str) -> None:
    _stage(session, _Count(BREACHES, encode(kind=kind)))


def breach_withdrawn(session: Session, kind: str) -> None:
    """A breach taken back (the deadline was met; the alert raced the action): still counted in
    sigap_breaches_total, which never goes down."""
    _stage(session, _Count(BREACHES_WITHDRAWN, encode(kind=kind)))


def message_settled(session: Session, channel: str, status: str) -> None:
    """The outbox recorded a send: sent, failed (retried later) or dead (given up)."""
    if status == "sent":
        _stage(session, _Count(MESSAGES_SENT, encode(channel=channel)))
        return
    _stage(session, _Count(SEND_FAILURES, encode(channel=channel)))
    if status == "dead":
        _stage(session, _Count(MESSAGES_DEAD, encode(channel=channel)))


def messages_given_up(session: Session, channel: str, count: int) -> None:
    """Queued messages withdrawn before any send (a partner's webhook revoked): dead, not failed."""
    if count:
        _stage(session, _Count(MESSAGES_DEAD, encode(channel=channel), count))


def webhook_update(webhook: str, outcome: str) -> None:
    """Counted by the webhook's view once its service has returned (and so committed)."""
    WEBHOOK_UPDATES.labels(webhook, outcome).inc()


# ---- staging until the commit ----------------------------------------------------------------

@dataclass
class _Count:
    target: object  # a prometheus_client Counter, or the sample name of a durable total
    labels: tuple | str
    amount: int = 1
    transaction: SessionTransaction | None = None


def encode(**labels: str) -> str:
    """Labels as stored in metric_totals.labels: "k=v" pairs sorted by key, joined by commas."""
    for key, value in labels.items():
        if not isinstance(value, str) or not value or "," in value or "=" in value:
            raise ValueError(f"label {key}={value!r} cannot be stored")
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def decode(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split(",")) if text else {}


def _stage(session: Session, count: _Count) -> None:
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    count.transaction = transaction
    session.info.setdefault(_STAGED, []).append(count)


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "before_commit")
def _write_totals(session: Session) -> None:
    staged = session.info.get(_STAGED)
    if not staged:
        return
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for count in staged:
        if isinstance(count.target, str):
            totals[(count.target, count.labels)] += count.amount
    if not totals:
        return
    session.info[_STAGED] = [count for count in staged if not isinstance(count.target, str)]
    table = MetricTotal.__table__
    dialect = session.connection().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # Key order: two transactions adding to the same rows lock them in the same order.
    rows = [{"name": name, "labels": labels, "value": value} for (name, labels), value in sorted(totals.items())]
    statement = insert(table).values(rows)
    session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.name, table.c.labels], set_={"value": table.c.value + statement.excluded.value}))


@event.listens_for(Session, "after_commit")
def _count_in_process(session: Session) -> None:
    staged = session.info.pop(_STAGED, None)
    for count in staged or ():
        count.target.labels(*count.labels).inc(count.amount)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    staged = session.info.get(_STAGED)
    if staged:
        session.info[_STAGED] = [c for c in staged if not _within(c.transaction, previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _forget_on_close(session: Session, transaction: SessionTransaction) -> None:
    # Session.close() ends the transaction without a rollback event: what it staged is void too.
    if transaction.parent is None:
        session.info.pop(_STAGED, None)


# ---- reading the durable totals (GET /metrics) -----------------------------------------------

def total_families(session: Session) -> Iterable:
    """The durable totals as Prometheus metric families (one small table read)."""
    values: dict[str, dict[str, int]] = defaultdict(dict)
    for name, labels, value in session.execute(select(MetricTotal.name, MetricTotal.labels, MetricTotal.value)):
        values[name][labels] = int(value)

    fired = CounterMetricFamily("sigap_sla_steps_fired", "SLA steps fired (reminders, warnings, breaches, "
                                "escalations)", labels=("kind",))
    lateness = HistogramMetricFamily("sigap_sla_step_lateness_seconds",
                                     "How long after its due time each SLA step fired", labels=("kind",))
    per_bucket: dict[str, dict[str, int]] = defaultdict(dict)
    for labels, value in values[LATENESS_BUCKET].items():
        parsed = decode(labels)
        per_bucket[parsed["kind"]][parsed["le"]] = value
    sums = {decode(labels)["kind"]: value for labels, value in values[LATENESS_SUM].items()}
    for kind in sorted(set(STEP_KINDS) | set(per_bucket)):
        counts, running, buckets = per_bucket.get(kind, {}), 0, []
        for bound in [str(b) for b in LATENESS_BUCKETS] + ["+Inf"]:
            running += counts.get(bound, 0)
            buckets.append((bound, running))
        fired.add_metric((kind,), running)
        lateness.add_metric((kind,), buckets, sum_value=float(sums.get(kind, 0)))
    yield fired
    yield lateness

    for name, documentation, label in (
            (BREACHES, "Deadlines missed, by kind (withdrawn ones included)", "kind"),
            (BREACHES_WITHDRAWN, "Breaches taken back because the deadline was met after all "
                                 "(the alert raced the action), by kind", "kind"),
            (MESSAGES_SENT, "Messages the outbox handed to their channel, by channel", "channel"),
            (SEND_FAILURES, "Failed send attempts (retried or given up), by channel", "channel"),
            (MESSAGES_DEAD, "Messages the outbox gave up (retries exhausted, a permanent error, or "
                            "withdrawn), by channel", "channel")):
        family = CounterMetricFamily(name.removesuffix("_total"), documentation, labels=(label,))
        for labels, value in sorted(values[name].items()):
            family.add_metric((decode(labels)[label],), value)
        yield family
