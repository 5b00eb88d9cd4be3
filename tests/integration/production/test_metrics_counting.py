"""What an operator's /metrics says is counted when it happens, once, and only once its transaction
commits; and a scrape reads open rows only, however much history is stored."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from app import metrics
from app.models import Complaint, OutboxMessage
from app.services import intake
from app.services.messaging import outbox
from app.services.messaging.outbox import ConsoleSender, SendResult
from app.services.sla import escalation
from tests.conftest import BACKEND
from tests.integration.production.test_observability import COMPLAINT, scrape, value

SMS_REPORT = "LAPOR MAKAN Kemiren: nenek tidak makan sejak kemarin"


def _submit(session, clock, **fields):
    return intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger", village="Kemiren",
                         description="Mbah Sumi tidak makan sejak kemarin", **fields)


def test_a_complaint_received_by_sms_is_counted_once_under_sms_and_a_twilio_retry_not_again(client, twilio):
    received = ("sigap_complaints_received_total", {"channel": "sms", "jurisdiction": "banyuwangi"})
    before = scrape(client)
    assert twilio.post(SMS_REPORT, sid="SM" + "7" * 32).status_code == 200
    once = scrape(client)
    assert value(once, received[0], **received[1]) == value(before, received[0], **received[1]) + 1
    assert value(once, "sigap_webhook_updates_total", webhook="sms", outcome="complaint") \
        == value(before, "sigap_webhook_updates_total", webhook="sms", outcome="complaint") + 1
    # Twilio delivers the same message again (it did not see our answer): no second complaint, no second count.
    assert twilio.post(SMS_REPORT, sid="SM" + "7" * 32).status_code == 200
    again = scrape(client)
    assert value(again, received[0], **received[1]) == value(once, received[0], **received[1])
    assert value(again, "sigap_webhook_updates_total", webhook="sms", outcome="duplicate") \
        == value(once, "sigap_webhook_updates_total", webhook="sms", outcome="duplicate") + 1


def test_an_intake_rolled_back_counts_nothing_and_the_next_one_counts(client, session, clock, monkeypatch):
    labels = {"channel": "counter", "jurisdiction": "banyuwangi"}
    before = value(scrape(client), "sigap_complaints_received_total", **labels)

    def lost_connection(*_args, **_kwargs):
        raise RuntimeError("the connection dropped before the commit")

    with monkeypatch.context() as patched:
        patched.setattr(intake.submission.notifications, "on_event", lost_connection)
        with pytest.raises(RuntimeError):
            _submit(session, clock, channel="counter")
    session.rollback()
    assert value(scrape(client), "sigap_complaints_received_total", **labels) == before

    _submit(session, clock, channel="counter")
    assert value(scrape(client), "sigap_complaints_received_total", **labels) == before + 1


def test_a_count_made_inside_a_savepoint_rolled_back_is_dropped_and_the_rest_commits(client, session):
    before = scrape(client)
    metrics.breach_recorded(session, "handle")
    with pytest.raises(RuntimeError):
        with session.begin_nested():
            metrics.breach_recorded(session, "acknowledge")
            raise RuntimeError("the nested step failed")
    session.commit()
    after = scrape(client)
    assert value(after, "sigap_breaches_total", kind="handle") \
        == value(before, "sigap_breaches_total", kind="handle") + 1
    assert value(after, "sigap_breaches_total", kind="acknowledge") == value(before, "sigap_breaches_total",
                                                                             kind="acknowledge")


def test_steps_and_breaches_fired_by_a_scheduler_elsewhere_reach_the_web_metrics(committed_app,
                                                                                committed_sessionmaker, clock):
    web = committed_app.test_client()
    with committed_sessionmaker() as scheduler_session:
        _submit(scheduler_session, clock, channel="api")
    before = scrape(web)
    clock.advance(timedelta(hours=5))
    # Another process: its own session and connection, committing its own transactions.
    with committed_sessionmaker() as scheduler_session:
        fired = escalation.run_due_steps(scheduler_session, clock.now())
    assert fired >= 2
    after = scrape(web)
    steps = sum(value(after, "sigap_sla_steps_fired_total", kind=k)
                - value(before, "sigap_sla_steps_fired_total", kind=k) for k in metrics.STEP_KINDS)
    assert steps == fired
    assert value(after, "sigap_breaches_total", kind="acknowledge") == value(before, "sigap_breaches_total",
                                                                           kind="acknowledge") + 1
    assert value(after, "sigap_breaches_total", kind="handle") \
        == value(before, "sigap_breaches_total", kind="handle") + 1
    # The scheduler's counts are rows of the database, not of this process's registry.
    from prometheus_client import REGISTRY

    assert REGISTRY.get_sample_value("sigap_breaches_total", {"kind": "handle"}) is None


class Scripted:
    def __init__(self, channel, *results):
        self.channel, self.results = channel, list(results)

    def send(self, _message):
        return self.results.pop(0)


def test_the_outbox_counts_messages_sent_failed_and_given_up_per_channel(client, session, clock, auth):
    telegram_complaint = _submit(session, clock, channel="telegram",
                                 reporter={"name": "Ani", "telegram_chat_id": 515151})
    sms_complaint = _submit(session, clock, channel="counter", reporter={"name": "Bu Sri", "phone": "+6281230000101"})
    waiting = session.scalars(select(OutboxMessage).where(OutboxMessage.complaint_id.in_(
        (telegram_complaint.id, sms_complaint.id)), OutboxMessage.recipient_kind == "reporter")).all()
    assert sorted(m.channel for m in waiting) == ["sms", "telegram"]
    before = scrape(client)
    assert value(before, "sigap_outbox_messages", status="pending") >= 2
    senders = {c: ConsoleSender(c) for c in outbox.CHANNELS}
    senders["telegram"] = Scripted("telegram", SendResult(ok=True, provider_id="T1"))
    senders["sms"] = Scripted("sms", SendResult(ok=False, error="timeout"),
                              SendResult(ok=False, error="number does not exist", permanent=True))
    outbox.deliver_due(session, clock.now(), senders)
    clock.advance(timedelta(hours=2))
    outbox.deliver_due(session, clock.now(), senders)
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("sigap_outbox_messages_sent_total", channel="telegram") == 1
    assert delta("sigap_outbox_send_failures_total", channel="sms") == 2
    assert delta("sigap_outbox_messages_dead_total", channel="sms") == 1
    assert delta("sigap_outbox_messages_dead_total", channel="telegram") == 0
    assert delta("sigap_outbox_send_failures_total", channel="telegram") == 0


def test_webhook_messages_withdrawn_for_a_removed_partner_webhook_count_as_given_up(client, session, clock):
    from app.services.access import accounts
    from app.services.messaging import partner_webhooks

    before = value(scrape(client), "sigap_outbox_messages_dead_total", channel="webhook")
    token, _secret = accounts.create_token(session, clock.now(), role="partner", jurisdiction_code="banyuwangi",
                                           name="partner with a webhook")
    hook, _ = partner_webhooks.set_webhook(session, clock.now(), token_id=token.id, url="https://partner.example.org/h")
    for n in range(3):
        outbox.enqueue(session, clock.now(), channel="webhook", recipient=f"webhook:{hook.id}:{n}",
                       recipient_kind="partner", template="webhook", language="en", body="{}")
    session.commit()
    partner_webhooks.remove_webhook(session, clock.now(), token_id=token.id)
    assert value(scrape(client), "sigap_outbox_messages_dead_total", channel="webhook") == before + 3


def test_open_complaints_are_shown_by_status_and_sla_state_as_on_the_staff_board(client, auth, clock):
    headers = auth("supervisor", jurisdiction="banyuwangi")
    before = scrape(client)
    assert client.post("/api/v1/complaints", json=COMPLAINT, headers=headers).status_code == 201
    fresh = scrape(client)
    assert value(fresh, "sigap_complaints_open", status="assigned", sla_state="on_track") \
        == value(before, "sigap_complaints_open", status="assigned", sla_state="on_track") + 1
    assert value(fresh, "sigap_complaints_by_status", status="assigned") \
        == value(before, "sigap_complaints_by_status", status="assigned") + 1
    clock.advance(timedelta(days=30))  # every deadline long past
    late = scrape(client)
    assert value(late, "sigap_complaints_open", status="assigned", sla_state="breached") >= 1
    assert value(late, "sigap_complaints_open", status="assigned", sla_state="on_track") == 0


# ---- a scrape reads open rows only ----------------------------------------------------------------

OPEN_COMPLAINTS = "status IN ('received', 'triage', 'assigned', 'acknowledged')"
# Handled, awaiting the citizen's word until the nightly close: a few days' worth, never the closed ones.
AWAITING_COMPLAINTS = "status IN ('handled', 'resolved')"
WAITING_MESSAGES = "status IN ('pending', 'failed', 'sending')"
HISTORY = ("complaints", "events", "outbox_messages", "breaches")
# Partial indexes over the open rows (and the heartbeats' own small index).
def _parent_index(connection, name: str) -> str:
    """The index of the partitioned table a partition's index belongs to (itself otherwise)."""
    parent = connection.execute(text(
        "SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent "
        "WHERE i.inhrelid = to_regclass(:n)"), {"n": name}).scalar()
    return parent or name


OPEN_ROW_INDEXES = {"ix_complaints_open_sla", "ix_complaints_open_by_due", "ix_complaints_open_counts",
                    "ix_outbox_messages_waiting", "ix_breaches_unmet", "ix_scheduler_heartbeats_beat_at", "pk_metric_totals"}
# The one condition each history table must be read under (a partial index has the same WHERE).
ONLY = {"complaints": (OPEN_COMPLAINTS, AWAITING_COMPLAINTS), "outbox_messages": (WAITING_MESSAGES,),
        "breaches": ("met_at IS NULL",)}


def _tables(statement: str) -> set[str]:
    return set(re.findall(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', statement, re.IGNORECASE))


def _add_closed_history(connection, n: int) -> None:
    """n closed complaints of last year, copied from the newest one (rolled back with the test)."""
    columns = [c.name for c in Complaint.__table__.columns if c.name != "id"]
    over = {"ticket": "'HIST-' || g", "seq": "900000 + g", "status": "'closed'",
            "received_at": "received_at - interval '400 days'", "handle_due_at": "handle_due_at - interval '400 days'",
            "ack_due_at": "ack_due_at - interval '400 days'"}
    values = ", ".join(over.get(c, c) for c in columns)
    connection.execute(text(f"INSERT INTO complaints ({', '.join(columns)}) SELECT {values} FROM complaints, "
                            f"generate_series(1, {n}) AS g WHERE id = (SELECT max(id) FROM complaints)"))


def test_a_scrape_reads_only_open_complaints_waiting_messages_and_unmet_breaches(client, connection, session, clock,
                                                                                  auth):
    headers = auth("supervisor", jurisdiction="banyuwangi")
    assert client.post("/api/v1/complaints", json=COMPLAINT, headers=headers).status_code == 201
    clock.advance(timedelta(hours=5))
    escalation.run_due_steps(session, clock.now())
    statements = []

    def keep(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append((" ".join(statement.split()), parameters))

    event.listen(connection, "before_cursor_execute", keep)
    try:
        scrape(client)
    finally:
        event.remove(connection, "before_cursor_execute", keep)
    reads = [(s, p) for s, p in statements if s.upper().startswith("SELECT")]
    assert reads
    for statement, _ in reads:
        tables = _tables(statement)
        assert "events" not in tables, statement
        for table in tables & set(ONLY):
            assert any(where in statement for where in ONLY[table]), f"{table} read beyond its open rows: {statement}"
    if BACKEND == "postgresql":
        # Plans for the shape a scrape meets in production: a long closed history around a few open
        # complaints. On a near-empty table every index costs the same and the planner's pick is a
        # tie, sometimes a full scan of an unrelated index.
        _add_closed_history(connection, 3000)
        connection.execute(text("ANALYZE complaints"))
        # With sequential scans priced out, a read no index over open rows can serve still shows one.
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        for statement, parameters in reads:
            plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
            # (a partitioned table's months are <table>_legacy, <table>_y2027m01, ...: migration 0029)
            scanned = [t for t in HISTORY if re.search(rf"Seq Scan on {t}(_(legacy|default|y\d{{4}}m\d{{2}}))?\b", plan)]
            assert scanned == [], f"{statement}\n{plan}"
            # Each index either holds open rows only, or is entered at those statuses alone; a
            # partition's index counts as the parent's index it belongs to.
            indexes = {_parent_index(connection, name)
                       for name in re.findall(r"(?:using|Bitmap Index Scan on) (\w+)", plan)}
            entered = (r"Index Cond: \((\(status\)::text|status) = ANY "
                       r"\('\{(received,triage,assigned,acknowledged|handled,resolved)\}")
            # ...or at deadlines still ahead: only the last hours' complaints, never the history.
            ahead = r"Index Cond: \(handle_due_at > "
            assert indexes <= OPEN_ROW_INDEXES or re.search(entered, plan) or re.search(ahead, plan), \
                f"{statement}\n{plan}"
        connection.execute(text("SET LOCAL enable_seqscan = on"))



def test_upgrading_starts_the_running_totals_from_the_figures_the_old_scrape_computed(client, connection, session,
                                                                                        clock):
    from alembic.script import ScriptDirectory

    from app import migrate

    _submit(session, clock, channel="counter", reporter={"name": "Bu Sri", "phone": "+6281230000102"})
    clock.advance(timedelta(hours=5))
    escalation.run_due_steps(session, clock.now())
    senders = {c: Scripted(c, SendResult(ok=False, error="timeout")) for c in outbox.CHANNELS}
    outbox.deliver_due(session, clock.now(), senders)
    counted = scrape(client)
    continued = [key for key in counted if key[0].startswith(("sigap_sla_steps_fired", "sigap_sla_step_lateness",
                                                              "sigap_breaches_total", "sigap_outbox_send_failures"))]
    assert value(counted, "sigap_breaches_total", kind="handle") >= 1
    assert sum(counted[key] for key in continued if key[0] == "sigap_outbox_send_failures_total") >= 1

    before = ScriptDirectory.from_config(migrate.alembic_config()).get_revision("0013").down_revision
    migrate.downgrade(revision=before, connection=connection)
    migrate.upgrade(connection=connection)
    recomputed = scrape(client)
    assert {key: recomputed.get(key) for key in continued} == {key: counted[key] for key in continued}
