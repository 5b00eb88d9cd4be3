"""Events and outbox messages in monthly partitions (PostgreSQL, migration 0029): an existing
database keeps every row through the migration, months are made ahead, the outbox's expired months
are dropped whole (and only when nothing in them still waits); SQLite deletes expired rows."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from app import migrate
from app.domain import partitions as months
from app.models import Complaint, Event, OutboxMessage
from app.models.performance_rollup import PerformancePending
from app.services import audit
from app.services.messaging import outbox
from app.services.storage import partitions
from tests.conftest import requires_postgresql


def _message(session, at, status="sent"):
    message = outbox.enqueue(session, at, channel="console", recipient="+6281234567890", recipient_kind="staff",
                             template="test", language="id", body="uji", status=status)
    session.flush()
    return message


def _where(session, table, row_id) -> str:
    return session.execute(text(f"SELECT tableoid::regclass::text FROM {table} WHERE id = :i"), {"i": row_id}).scalar()


@requires_postgresql()
def test_an_existing_database_is_partitioned_without_losing_a_row_and_its_trail_still_verifies(
        connection, session, submit, clock):
    complaints = [submit() for _ in range(3)]
    session.commit()
    migrate.downgrade(revision="0018", connection=connection)
    before = connection.execute(text("SELECT count(*), sum(id) FROM events")).one()
    assert connection.execute(text("SELECT relkind FROM pg_class WHERE oid = 'events'::regclass")).scalar() == "r"
    migrate.upgrade(connection=connection)

    assert connection.execute(text("SELECT count(*), sum(id) FROM events")).one() == before
    names = {p.name for p in partitions.list_partitions(session, "events")}
    assert {"events_legacy", "events_default"} <= names
    assert _where(session, "events", session.scalar(select(func.max(Event.id)))) == "events_legacy"
    session.expire_all()
    assert audit.verify_all(session) == []
    # new rows keep coming: ids from the same sequence, the trail appends as before
    later = submit()
    session.commit()
    assert later.id > max(c.id for c in complaints)
    assert audit.verify_all(session) == []


@requires_postgresql()
def test_months_are_made_ahead_and_a_row_that_fell_into_the_default_moves_into_its_month(session, clock):
    far = clock.now() + timedelta(days=800)
    early = _message(session, far)
    session.commit()
    assert _where(session, "outbox_messages", early.id) == "outbox_messages_default"

    created = partitions.ensure_months(session, far)

    month = months.month_start(far)
    assert months.partition_name("outbox_messages", month) in created
    assert months.partition_name("events", months.next_month(months.next_month(months.next_month(month)))) in created
    assert _where(session, "outbox_messages", early.id) == months.partition_name("outbox_messages", month)
    assert partitions.ensure_months(session, far) == []  # nothing more to make


@requires_postgresql()
def test_the_outbox_drops_expired_months_whole_but_keeps_a_month_with_a_message_still_waiting(session, clock):
    far = clock.now() + timedelta(days=800)
    partitions.ensure_months(session, far)
    old_month = months.month_start(far) - timedelta(days=400)
    delivered = _message(session, months.as_utc(months.month_start(old_month)) + timedelta(days=2))
    waiting_at = months.as_utc(months.next_month(months.month_start(old_month))) + timedelta(days=2)
    waiting = _message(session, waiting_at, status="pending")
    recent = _message(session, far - timedelta(days=3))
    session.commit()
    ids = delivered.id, waiting.id, recent.id
    delivered_part = _where(session, "outbox_messages", ids[0])
    waiting_part = _where(session, "outbox_messages", ids[1])

    result = partitions.drop_expired_outbox(session, far + timedelta(days=60), retention_days=365)

    assert delivered_part in result.dropped and waiting_part in result.kept_waiting
    session.expire_all()
    remaining = set(session.scalars(select(OutboxMessage.id)))
    assert ids[0] not in remaining and {ids[1], ids[2]} <= remaining
    assert delivered_part not in {p.name for p in partitions.list_partitions(session, "outbox_messages")}


@requires_postgresql()
def test_history_loaded_into_a_new_database_gets_its_own_months_and_a_used_first_partition_is_refused(
        session, submit, clock):
    created = partitions.extend_back(session, clock.now() - timedelta(days=70))

    assert months.partition_name("events", months.month_start(clock.now() - timedelta(days=70))) in created
    assert "events_legacy" not in {p.name for p in partitions.list_partitions(session, "events")}
    complaint = submit()
    session.commit()
    event_id = session.scalar(select(Event.id).where(Event.complaint_id == complaint.id))
    assert _where(session, "events", event_id) == months.partition_name("events", months.month_start(clock.now()))


@requires_postgresql()
def test_months_cannot_be_split_out_of_a_first_partition_that_holds_rows(session, submit, clock):
    submit()
    session.commit()
    with pytest.raises(ValueError, match="events_legacy holds rows"):
        partitions.extend_back(session, clock.now() - timedelta(days=70))


@requires_postgresql()
def test_the_performance_queue_trigger_fires_for_events_in_every_partition(session, submit, clock):
    """A transfer recorded on a closed complaint queues it for the rollups (migration 0008's
    trigger), whether the event lands in the first partition or in a month made later."""
    complaint = submit()
    session.execute(update(Complaint).where(Complaint.id == complaint.id).values(status="closed"))
    far = clock.now() + timedelta(days=800)
    partitions.ensure_months(session, far)
    for seq, at in ((90, clock.now()), (91, far)):
        session.execute(delete(PerformancePending))
        session.execute(insert(Event).values(complaint_id=complaint.id, seq=seq, kind="transferred", at=at,
                                             actor="system", data={}, prev_hash="", hash=""))
        assert session.scalars(select(PerformancePending.complaint_id)).all() == [complaint.id], at


def test_on_sqlite_the_expired_delivered_messages_are_deleted_and_waiting_ones_kept(session, clock, engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL drops whole months: see the tests above")
    old = _message(session, clock.now() - timedelta(days=500))
    stuck = _message(session, clock.now() - timedelta(days=500), status="failed")
    recent = _message(session, clock.now() - timedelta(days=10))
    session.commit()
    ids = old.id, stuck.id, recent.id

    result = partitions.drop_expired_outbox(session, clock.now(), retention_days=400)

    assert result.rows_deleted == 1
    remaining = set(session.scalars(select(OutboxMessage.id)))
    assert ids[0] not in remaining and {ids[1], ids[2]} <= remaining


@requires_postgresql()
def test_prepared_indexes_and_bound_are_what_the_migration_uses(connection, session, submit, clock):
    submit()
    session.commit()
    migrate.downgrade(revision="0018", connection=connection)
    # prepare-partitions runs CREATE INDEX CONCURRENTLY in autocommit; inside this test's
    # transaction the same statements run plainly (the function takes whatever connection it gets)
    done = partitions.prepare(_NoConcurrently(connection), clock.now())
    assert any("events_part_id built" in line for line in done)
    migrate.upgrade(connection=connection)

    legacy = next(p for p in partitions.list_partitions(session, "events") if p.name == "events_legacy")
    assert legacy.upper == months.next_month(months.next_month(months.month_start(clock.now())))


def test_the_partitions_command_lists_them_or_says_there_are_none(app, engine):
    result = app.test_cli_runner().invoke(args=["db", "partitions"])
    assert result.exit_code == 0
    if engine.dialect.name == "postgresql":
        assert "events_legacy" in result.output and "outbox_messages_default" in result.output
    else:
        assert "no partitions" in result.output


class _NoConcurrently:
    """The connection with CONCURRENTLY taken out (not allowed inside a transaction block)."""

    def __init__(self, connection):
        self._connection = connection
        self.dialect = connection.dialect

    def execute(self, statement, params=None):
        return self._connection.execute(text(str(statement).replace(" CONCURRENTLY", "")), params or {})


@requires_postgresql()
def test_the_drained_rollup_queue_is_vacuumed_after_thousands_of_rows_not_a_fifth_of_its_peak(session):
    """After a backfill of millions the default (20 % of the last count) left the planner believing
    the empty queue held them, and every year's report read its dead pages (docs/scaling.md)."""
    options = session.execute(text("SELECT reloptions FROM pg_class WHERE oid = 'performance_pending'::regclass")
                              ).scalar()
    assert set(options) >= {"autovacuum_vacuum_scale_factor=0", "autovacuum_vacuum_threshold=5000",
                            "autovacuum_analyze_scale_factor=0", "autovacuum_analyze_threshold=5000"}
