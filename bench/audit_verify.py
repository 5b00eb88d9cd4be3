"""Benchmark: `audit verify` (chains, heads, facts and breaches) over N complaints on PostgreSQL.

    .venv/bin/python bench/audit_verify.py --rows 100000 [--url postgresql://postgres@127.0.0.1:5432/test]

Builds a throw-away schema (migrations + demo seed), files a few complaints through the real
services (on time; acknowledged and handled late with two breaches; sent to triage, breached,
assigned; transferred; reopened and handled again), then clones their histories to N complaints
(each clone's chain re-hashed under its own ticket with the key, so every chain is genuine and
verifies), and times the whole verification as `flask --app wsgi audit verify` runs it, printing
complaints/s and an extrapolation to 1M (the walk is keyset batches of constant size, so its cost
grows linearly with the number of complaints and events). It also counts the statements and times
one intake, to show what keeping the chain head costs a write. The schema is dropped afterwards."""
from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

T0 = datetime(2026, 10, 5, 1, 0, tzinfo=timezone.utc)
KEY = "bench-audit-key-0123456789abcdef"


def _staff(session, username):
    from app.domain.actor import Actor
    from app.models import User

    user = session.scalar(select(User).where(User.username == username))
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.jurisdiction_id, name=user.name)


def templates(session: Session) -> list[int]:
    """Five real histories, filed and acted on through the services."""
    from app.services import intake, lifecycle
    from app.services.sla import escalation

    def at(minutes):
        return T0 + timedelta(minutes=minutes)

    def submit(**kw):
        fields = dict(jurisdiction="banyuwangi", category="hunger", village="Kampunganyar",
                      description="Nenek tinggal sendiri, tidak makan sejak kemarin",
                      reporter={"name": "Bu Sri", "phone": "+6281230000001"})
        fields.update(kw)
        return intake.submit(session, at(0), **fields)

    officer, supervisor = _staff(session, "officer.dinsos"), _staff(session, "supervisor")
    on_time, late, triaged, moved, reopened = (submit(), submit(), submit(
        category="medical_care", jurisdiction="sabu_raijua", village="Mebba"), submit(), submit())
    lifecycle.acknowledge(session, at(5), on_time.ticket, officer)
    lifecycle.handle(session, at(40), on_time.ticket, officer, note="Beras diantar")
    lifecycle.transfer(session, at(8), moved.ticket, officer, agency="bwi-dispendik")
    lifecycle.handle(session, at(30), reopened.ticket, officer, note="Dikunjungi")
    escalation.run_due_steps(session, at(45))
    lifecycle.assign(session, at(50), triaged.ticket, _staff(session, "supervisor.srj"), agency="srj-dinsos")
    lifecycle.acknowledge(session, at(55), late.ticket, officer)
    lifecycle.handle(session, at(70), moved.ticket, _staff(session, "officer.dispendik"), note="Sekolah dihubungi")
    lifecycle.reopen(session, at(90), reopened.ticket, supervisor, note="Warga: belum ada yang datang")
    escalation.run_due_steps(session, at(250))
    lifecycle.handle(session, at(275), late.ticket, officer, note="Beras diantar")
    lifecycle.handle(session, at(280), reopened.ticket, officer, note="Dikunjungi lagi")
    return [c.id for c in (on_time, late, triaged, moved, reopened)]


def clone(engine, template_ids: list[int], rows: int, batch: int = 2000) -> None:
    """N complaints copied from the templates, each chain re-hashed under its own ticket."""
    from app.domain.audit_chain import GENESIS, event_hash, head_seal
    from app.models import Breach, Complaint, Event

    key = KEY.encode()
    with Session(engine) as session:
        shapes = []
        for cid in template_ids:
            row = session.execute(select(Complaint.__table__).where(Complaint.__table__.c.id == cid)).one()._asdict()
            events = [e._asdict() for e in session.execute(select(Event.__table__).where(
                Event.__table__.c.complaint_id == cid).order_by(Event.__table__.c.seq))]
            breaches = [b._asdict() for b in session.execute(select(Breach.__table__).where(
                Breach.__table__.c.complaint_id == cid))]
            shapes.append((row, events, breaches))
        next_id = (session.scalar(select(func.max(Complaint.id))) or 0) + 1
        next_seq = 5_000_000  # far above what the sequences of the intake timed afterwards issue
    made = 0
    while made < rows:
        complaints, events, breaches = [], [], []
        for _ in range(min(batch, rows - made)):
            row, evs, brs = shapes[made % len(shapes)]
            jur_prefix = row["ticket"].split("-")[0]
            ticket = f"{jur_prefix}-2026-{next_seq:07d}"
            prev = GENESIS
            for e in evs:
                digest = event_hash(ticket=ticket, seq=e["seq"], kind=e["kind"], at=e["at"], actor=e["actor"],
                                    note=e["note"], data=e["data"], prev_hash=prev, key=key)
                events.append({**{k: v for k, v in e.items() if k != "id"}, "complaint_id": next_id,
                               "prev_hash": prev, "hash": digest})
                prev = digest
            complaints.append({**row, "id": next_id, "ticket": ticket, "seq": next_seq,
                               "audit_seq": len(evs), "audit_seal": head_seal(key, ticket, len(evs), prev)})
            breaches += [{**{k: v for k, v in b.items() if k != "id"}, "complaint_id": next_id} for b in brs]
            next_id += 1
            next_seq += 1
            made += 1
        with engine.begin() as conn:
            conn.execute(insert(Complaint.__table__), complaints)
            conn.execute(insert(Event.__table__), events)
            if breaches:
                conn.execute(insert(Breach.__table__), breaches)
        print(f"  built {made} of {rows}", end="\r", flush=True)
    with engine.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('complaints', 'id'), :n)"), {"n": next_id})
        conn.execute(text("ANALYZE complaints"))
        conn.execute(text("ANALYZE events"))
        conn.execute(text("ANALYZE breaches"))
    print()


def time_verify(maker, batch: int, jobs: int) -> None:
    from app.services import audit

    def show(p):
        print(f"  verified {p.done} of {p.total} ({p.done / max(p.seconds, 1e-9):,.0f}/s)", end="\r", flush=True)

    with maker() as session:
        total = audit.count_complaints(session)
        events = session.execute(text("SELECT count(*) FROM events")).scalar()
        started = time.perf_counter()
        if jobs > 1:
            problems = audit.verify_parallel(maker, jobs, batch=batch, progress=show)
        else:
            problems = list(audit.iter_problems(session, batch=batch, progress=show))
        seconds = time.perf_counter() - started
    print()
    rate = total / seconds
    print(f"verify --jobs {jobs}: {total} complaints, {events} events in {seconds:.1f} s = {rate:,.0f} complaints/s "
          f"({events / seconds:,.0f} events/s), {len(problems)} problems")
    print(f"  extrapolated to 1,000,000 complaints of the same shape: {1_000_000 / rate / 60:.1f} min "
          "(linear: constant-size keyset batches; more events per complaint cost proportionally more)")
    if problems:
        print("  first problems:", *problems[:5], sep="\n    ")


def time_intake(engine, maker) -> None:
    """Statements and time of one intake (the chain head goes in the complaint's own INSERT)."""
    from app.services import intake

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement.split(None, 3)[:3])

    with maker() as session:
        intake.submit(session, T0, jurisdiction="banyuwangi", category="hunger", village="Kampunganyar",
                      description="pemanasan")  # caches warm
        event.listen(engine, "before_cursor_execute", count)
        intake.submit(session, T0, jurisdiction="banyuwangi", category="hunger", village="Kampunganyar",
                      description="Nenek tidak makan")
        event.remove(engine, "before_cursor_execute", count)
        n = 200
        started = time.perf_counter()
        for i in range(n):
            intake.submit(session, T0, jurisdiction="banyuwangi", category="hunger", village="Kampunganyar",
                          description=f"Nenek tidak makan {i}")
        per = (time.perf_counter() - started) / n * 1000
    updates = [s for s in statements if s and s[0].upper() == "UPDATE"]
    print(f"intake: {len(statements)} statements per complaint ({len(updates)} UPDATE), {per:.2f} ms each "
          f"over {n} sequential intakes; the chain head adds no statement here (it is in the INSERT)")
    from app.domain.audit_chain import event_hash, head_seal

    k = KEY.encode()
    started = time.perf_counter()
    for i in range(10_000):
        head_seal(k, "BWI-2026-000001", i, event_hash(ticket="BWI-2026-000001", seq=i, kind="received", at=T0,
                                                     actor="system", note=None, data={"channel": "sms"},
                                                     prev_hash="0" * 64, key=k))
    print(f"  keyed hash + head seal: {(time.perf_counter() - started) / 10_000 * 1e6:.1f} µs per event")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="complaints (default 100000)")
    parser.add_argument("--url", default=os.environ.get("TEST_DATABASE_URL",
                                                        "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--batch", type=int, default=2000, help="complaints per verify query (default 2000)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2],
                        help="verify with each of these process counts (default: 1 2)")
    parser.add_argument("--keep", action="store_true", help="keep the schema (its name is printed)")
    args = parser.parse_args()

    from bench._schema import drop_schema, migrate_and_seed, scratch_schema
    from app.db import make_sessionmaker

    if not args.url.startswith("postgres"):
        sys.exit("the benchmark runs on PostgreSQL: give --url postgresql://...")
    schema = f"bench_audit_{uuid.uuid4().hex[:8]}"
    admin, engine, _url = scratch_schema(args.url, schema)
    try:
        maker = make_sessionmaker(engine, KEY)
        migrate_and_seed(engine, T0 - timedelta(days=1), maker).close()
        with maker() as session:
            ids = templates(session)
        started = time.perf_counter()
        clone(engine, ids, args.rows)
        print(f"built {args.rows} complaints in {time.perf_counter() - started:.0f} s")
        for jobs in args.jobs:
            time_verify(maker, args.batch, jobs)
        time_intake(engine, maker)
        with open("/proc/loadavg") as f:
            print("load " + " ".join(f.read().split()[:3]) + f" on {os.cpu_count()} cores")
    finally:
        engine.dispose()
        if args.keep:
            print(f"kept schema {schema}")
        else:
            drop_schema(admin, schema)
        admin.dispose()


if __name__ == "__main__":
    main()
