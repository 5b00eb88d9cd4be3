"""Several scheduler workers on one PostgreSQL database fire each step exactly once, and a worker
killed in the middle of a step loses nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from app.domain import ladder
from app.models import Agency, Breach, Category, Complaint, Event, Jurisdiction, SlaPolicy
from app.services.sla import escalation
from tests.conftest import ROOT, T0, requires_postgresql

COMPLAINTS = 2000


def insert_overdue(session, count: int, now) -> None:
    """Acknowledged complaints whose 4-hour deadline passed ten minutes ago; their reminder and
    warning already fired, so the breach is the one step due for each."""
    jur = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "banyuwangi"))
    cat = session.scalar(select(Category).where(Category.code == "hunger"))
    agency = session.scalar(select(Agency).where(Agency.code == "bwi-dinsos"))
    policy = session.scalar(select(SlaPolicy).where(SlaPolicy.jurisdiction_id == jur.id, SlaPolicy.category_id.is_(None)))
    received = now - timedelta(minutes=250)
    ack_due, handle_due = received + timedelta(minutes=30), received + timedelta(minutes=240)
    fired = [ladder.Step("handle", action, i, handle_due, handle_due).key for i, action in ((0, "remind"), (1, "warn"))]
    breach_key = ladder.Step("handle", "breach", 0, handle_due, handle_due).key
    rows = [dict(
        ticket=f"BWI-2026-9{n:05d}", jurisdiction_id=jur.id, year=2026, seq=900_000 + n, category_id=cat.id,
        description="bulk", channel="api", agency_id=agency.id, status="acknowledged", sla_policy_id=policy.id,
        received_at=received, ack_due_at=ack_due, handle_due_at=handle_due, acknowledged_at=received + timedelta(minutes=5),
        next_step=breach_key, next_step_at=handle_due, sla_fired=fired, created_at=received, updated_at=received,
    ) for n in range(count)]
    session.execute(insert(Complaint), rows)
    session.commit()


KILLED_WORKER = textwrap.dedent("""
    import sys, time
    from datetime import datetime
    from app.db import make_engine, make_sessionmaker
    from app.services.sla import escalation
    now = datetime.fromisoformat(sys.argv[2])
    session = make_sessionmaker(make_engine(sys.argv[1]))()
    for _ in range(25):
        escalation.fire_next(session, now)
    claimed = escalation.claim_next(session, now)          # claim one more step ...
    complaint = session.get(escalation.Complaint, claimed[0])
    escalation.fire(session, complaint, claimed[1], now)   # ... write its breach, event, messages ...
    session.flush()
    print("claimed", claimed[0], flush=True)               # ... and die before committing
    time.sleep(600)
""")


@requires_postgresql()
@pytest.mark.slow
def test_three_workers_and_one_killed_mid_step_give_exactly_one_breach_per_complaint(committed_sessionmaker, database_url):
    now = T0
    with committed_sessionmaker() as session:
        insert_overdue(session, COMPLAINTS, now)

    victim = subprocess.Popen([sys.executable, "-c", KILLED_WORKER, database_url, now.isoformat()], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    line = victim.stdout.readline().split()
    assert line[:1] == ["claimed"], "the doomed worker should hold a claimed step"
    held = int(line[1])

    killed, errors, fired = threading.Event(), [], []

    def worker():
        try:
            with committed_sessionmaker() as session:
                total = 0
                while True:
                    n = escalation.run_due_steps(session, now, limit=100_000)
                    total += n
                    if n == 0 and killed.is_set():
                        total += escalation.run_due_steps(session, now, limit=100_000)
                        break
                    if n == 0:
                        killed.wait(0.05)
                fired.append(total)
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    killed.set()
    for t in threads:
        t.join(timeout=600)
    assert not errors
    assert all(f > 0 for f in fired), "all three workers took part"

    with committed_sessionmaker() as session:
        per_complaint = session.execute(
            select(Breach.complaint_id, func.count()).where(Breach.kind == "handle").group_by(Breach.complaint_id)
        ).all()
        assert len(per_complaint) == COMPLAINTS, "no complaint missed"
        assert {n for _, n in per_complaint} == {1}, "no complaint breached twice"
        assert session.scalar(select(func.count()).select_from(Breach)) == COMPLAINTS
        assert session.scalar(select(func.count()).select_from(Event).where(Event.kind == "breached")) == COMPLAINTS
        assert session.scalar(select(func.count()).select_from(Complaint).where(Complaint.handle_breached.is_(False))) == 0
        assert sum(fired) == COMPLAINTS - 25
        held_events = session.scalars(select(Event.kind).where(Event.complaint_id == held)).all()
        assert held_events == ["breached"], "the killed worker's step fired once, on another worker"
        assert escalation.next_due_at(session) == now + timedelta(minutes=50)  # first escalations, not yet due


@requires_postgresql()
def test_three_delivery_workers_send_each_message_exactly_once(committed_sessionmaker):
    from collections import Counter

    from app.models import OutboxMessage
    from app.services.messaging import outbox

    with committed_sessionmaker() as session:
        session.execute(insert(OutboxMessage), [dict(
            channel="sms", recipient=f"+62812000{n:05d}", recipient_kind="staff", template="core.staff.remind",
            language="id", body=f"message {n}", extra={}, status="pending", attempts=0, next_attempt_at=T0,
            created_at=T0) for n in range(600)])
        session.commit()
    sent, lock = Counter(), threading.Lock()

    class CountingSender:
        channel = "sms"

        def send(self, message):
            with lock:
                sent[message.id] += 1
            return outbox.SendResult(ok=True, provider_id=f"SM{message.id}")

    def worker():
        with committed_sessionmaker() as session:
            while outbox.deliver_due(session, T0, {"sms": CountingSender()}, limit=20):
                pass

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(sent) == 600 and set(sent.values()) == {1}
    with committed_sessionmaker() as session:
        assert outbox.counts(session) == {"sent": 600}
