"""A nation's decade: fill a PostgreSQL schema with N complaints across R regencies from the
gazetteer (with their events, breaches and outbox messages), resumably, then time what officials
and the scheduler do at that size.

    python -m bench.national fill --complaints 10000000 --regencies 50      # ~25 min on 2 cores; Ctrl-C and run again to resume
    python -m bench.national measure                                        # dashboard, report, tick, metrics, search
    python -m bench.national drop

The schema (default bench_national) keeps a progress row, so `fill` continues where it stopped, a
batch (default 200 000 complaints) per transaction. Regencies: Banyuwangi and Malang from the demo
seed, then the gazetteer's regencies in code order, each given the demo's agencies, routing rules
and SLA policies. Complaints are spread over ten years (2017-2026) and over every regency, district
and category: 95 % closed, 2 % open, 3 % rejected; about four events each (received,
acknowledged, handled, closed), two outbox messages (receipt, handled notice), breaches for the
late ones. The events' hashes are placeholders: `audit verify`'s speed is bench/audit_verify.py's."""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

SCHEMA = "bench_national"
START = "2017-01-01 00:00:00+00"
SPAN_DAYS = 3620  # to late November 2026
AS_OF = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)

SLOTS = """
CREATE TABLE IF NOT EXISTS bench_slots AS
SELECT (row_number() OVER (ORDER BY j.id, d.id, r.id) - 1)::int AS slot, j.id AS jurisdiction_id,
       d.id AS district_id, r.category_id, r.agency_id,
       (SELECT p.id FROM sla_policies p WHERE p.jurisdiction_id = j.id ORDER BY p.effective_from LIMIT 1) AS policy_id,
       j.ticket_prefix
FROM jurisdictions j JOIN districts d ON d.jurisdiction_id = j.id
JOIN routing_rules r ON r.jurisdiction_id = j.id AND r.district_id IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS bench_slots_slot ON bench_slots (slot);
ANALYZE bench_slots
"""

COMPLAINTS = """
WITH n AS (SELECT count(*) AS k FROM bench_slots),
s AS (
  SELECT g, CAST(:start AS timestamptz) + (g::float8 / :total) * (:span * interval '1 day') AS r,
         random() AS u1, random() AS u2, random() AS u3
  FROM generate_series(:lo, :hi) AS g
), ins AS (
INSERT INTO complaints (ticket, jurisdiction_id, year, seq, category_id, description, district_id, channel,
  agency_id, status, sla_policy_id, received_at, ack_due_at, handle_due_at, acknowledged_at, handled_at,
  rejected_at, reject_reason, ack_breached, handle_breached, reopened_count, sla_level, sla_reopened_seen,
  created_at, updated_at)
SELECT b.ticket_prefix || '-' || extract(year FROM s.r)::int || '-' || lpad(s.g::text, 8, '0'), b.jurisdiction_id,
  extract(year FROM s.r)::int, 200000000 + s.g, b.category_id,
  (ARRAY['Seorang lansia tidak makan sejak kemarin', 'Anak tidak sekolah lagi sejak bulan lalu',
         'Warga sakit tidak bisa berobat', 'Rumah hampir roboh tidak layak huni',
         'Nenek tinggal sendiri tidak ada yang merawat'])[1 + s.g % 5] || ' dekat rumah Pak ' ||
  (ARRAY['Karto', 'Sarni', 'Slamet', 'Wagiman', 'Sutini', 'Mbok Jum', 'Paimin'])[1 + (s.g / 5) % 7],
  b.district_id, (ARRAY['telegram', 'sms', 'whatsapp', 'api'])[1 + s.g % 4], b.agency_id,
  CASE WHEN s.u1 < 0.95 THEN 'closed' WHEN s.u1 < 0.96 THEN 'acknowledged' WHEN s.u1 < 0.99 THEN 'rejected'
       ELSE 'assigned' END,
  b.policy_id, s.r, s.r + interval '30 minutes', s.r + interval '240 minutes',
  CASE WHEN s.u1 < 0.96 THEN s.r + s.u3 * interval '40 minutes' END,
  CASE WHEN s.u1 < 0.95 THEN s.r + (20 + s.u2 * 250) * interval '1 minute' END,
  CASE WHEN s.u1 >= 0.96 AND s.u1 < 0.99 THEN s.r + interval '5 minutes' END,
  CASE WHEN s.u1 >= 0.96 AND s.u1 < 0.99 THEN 'spam' END,
  false, false, CASE WHEN s.u3 < 0.03 THEN 1 ELSE 0 END, 0, 0, s.r, s.r
FROM s, n, bench_slots b WHERE b.slot = (s.g::bigint * 7919) % n.k
RETURNING id)
SELECT min(id), max(id) FROM ins
"""

FOLLOWERS = """
INSERT INTO events (complaint_id, seq, kind, at, actor, data, prev_hash, hash)
SELECT id, 1, 'received', received_at, 'system', '{}'::jsonb, '', '' FROM complaints WHERE id BETWEEN :a AND :b;
INSERT INTO events (complaint_id, seq, kind, at, actor, data, prev_hash, hash)
SELECT id, 2, 'acknowledged', acknowledged_at, 'system', '{}'::jsonb, '', '' FROM complaints
WHERE id BETWEEN :a AND :b AND acknowledged_at IS NOT NULL;
INSERT INTO events (complaint_id, seq, kind, at, actor, data, prev_hash, hash)
SELECT id, 3, 'handled', handled_at, 'system', '{}'::jsonb, '', '' FROM complaints
WHERE id BETWEEN :a AND :b AND handled_at IS NOT NULL;
INSERT INTO events (complaint_id, seq, kind, at, actor, data, prev_hash, hash)
SELECT id, 4, 'closed', handled_at + interval '3 days', 'system', '{}'::jsonb, '', '' FROM complaints
WHERE id BETWEEN :a AND :b AND status = 'closed';
INSERT INTO outbox_messages (complaint_id, channel, recipient, recipient_kind, template, language, body, extra, status,
  attempts, created_at, sent_at, delivered_at, delivery_status)
SELECT id, 'sms', '+62812' || lpad((id % 10000000)::text, 7, '0'), 'reporter', t.template, 'id', t.body, '{}'::jsonb,
  'sent', 1, received_at + t.after, received_at + t.after, received_at + t.after, 'delivered'
FROM complaints, (VALUES ('receipt', 'Laporan Anda diterima', interval '1 second'),
                         ('handled', 'Laporan Anda sudah ditangani', interval '5 hours')) AS t(template, body, after)
WHERE id BETWEEN :a AND :b;
INSERT INTO breaches (complaint_id, kind, agency_id, official_id, official_name, due_at, detected_at, met_at,
                      minutes_late, staff_notified, notify_failed)
SELECT c.id, 'handle', c.agency_id, a.head_user_id, a.head_name, c.handle_due_at, c.handle_due_at, c.handled_at,
       CASE WHEN c.handled_at IS NOT NULL THEN (extract(epoch FROM c.handled_at - c.handle_due_at) / 60)::int END,
       c.id % 7 <> 0, c.id % 7 = 0
FROM complaints c JOIN agencies a ON a.id = c.agency_id
WHERE c.id BETWEEN :a AND :b AND c.status <> 'rejected'
  AND (c.handled_at > c.handle_due_at OR (c.handled_at IS NULL AND c.status <> 'closed'));
UPDATE complaints SET handle_breached = true WHERE id BETWEEN :a AND :b AND status <> 'rejected'
  AND (handled_at > handle_due_at OR (handled_at IS NULL AND status <> 'closed'))
"""

CLONE = """
INSERT INTO agencies (jurisdiction_id, code, name, is_supervisor, head_name, head_title, duty_phone)
SELECT :jid, :code_prefix || substr(a.code, 4), a.name, a.is_supervisor, a.head_name, a.head_title, NULL
FROM agencies a WHERE a.jurisdiction_id = :src;
INSERT INTO routing_rules (jurisdiction_id, category_id, district_id, agency_id)
SELECT :jid, r.category_id, NULL, na.id FROM routing_rules r JOIN agencies a ON a.id = r.agency_id
JOIN agencies na ON na.jurisdiction_id = :jid AND na.name = a.name
WHERE r.jurisdiction_id = :src AND r.district_id IS NULL;
INSERT INTO sla_policies (jurisdiction_id, category_id, effective_from, acknowledge_minutes, handle_minutes,
  triage_minutes, reminder_fractions, escalation_ladder, repeat_minutes, evidence_photo, evidence_location, calendar,
  business_hours, may_pause, note, created_at)
SELECT :jid, category_id, effective_from, acknowledge_minutes, handle_minutes, triage_minutes, reminder_fractions,
  escalation_ladder, repeat_minutes, evidence_photo, evidence_location, calendar, business_hours, may_pause, note,
  created_at FROM sla_policies WHERE jurisdiction_id = :src
"""


def _engine(url: str, schema: str):
    from app.db import make_engine
    from config import normalise_database_url

    base = normalise_database_url(url)
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    return admin, make_engine(base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}")


def _statements(sql: str):
    return [s for s in sql.split(";") if s.strip()]


def setup(engine, regencies: int) -> None:
    """Migrate, seed the demo, add regencies from the gazetteer up to `regencies`: once each."""
    from app import migrate
    from app.services.demo import seed
    from app.services.reference import gazetteer
    from app.services.storage import partitions
    from config import load_settings

    gazetteer_dir = load_settings().gazetteer_dir
    with engine.begin() as conn:
        migrate.upgrade(connection=conn)
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_progress (done bigint NOT NULL, total bigint NOT NULL)"))
    with Session(engine) as session:
        if not session.execute(text("SELECT count(*) FROM jurisdictions")).scalar():
            seed.seed_demo(session, now=datetime(2016, 12, 1, tzinfo=timezone.utc), gazetteer_dir=gazetteer_dir)
            session.commit()
        if not session.execute(text("SELECT EXISTS (SELECT 1 FROM complaints)")).scalar():
            # a month per partition back to 2017, as a database partitioned from the start would have
            made = partitions.extend_back(session, datetime.fromisoformat(START))
            print(f"{len(made)} monthly partitions made back to {START[:7]}")
        have = session.execute(text("SELECT count(*) FROM jurisdictions")).scalar()
        if have >= regencies:
            return
        src = session.execute(text("SELECT id FROM jurisdictions WHERE code = 'banyuwangi'")).scalar_one()
        taken = set(session.execute(text("SELECT regency_code FROM jurisdictions")).scalars())
        codes = [row["code"] for row in gazetteer._rows(gazetteer_dir, "regencies.csv")]
        started = time.perf_counter()
        for code in codes:
            if have >= regencies:
                break
            if code in taken:
                continue
            result = gazetteer.import_regency(session, code, gazetteer_dir=gazetteer_dir)
            jid = result.jurisdiction.id
            for statement in _statements(CLONE):
                session.execute(text(statement), {"jid": jid, "src": src,
                                                  "code_prefix": result.jurisdiction.ticket_prefix.lower()})
            session.commit()
            have += 1
            print(f"  regency {have}/{regencies}: {result.jurisdiction.name}", flush=True)
        print(f"regencies ready in {time.perf_counter() - started:.0f} s")


def fill(engine, total: int, batch: int) -> None:
    with engine.begin() as conn:
        for statement in _statements(SLOTS):
            conn.execute(text(statement))
        row = conn.execute(text("SELECT done, total FROM bench_progress")).first()
        if row is None:
            conn.execute(text("INSERT INTO bench_progress VALUES (0, :t)"), {"t": total})
            done = 0
        else:
            done = row.done
            if row.total != total:
                conn.execute(text("UPDATE bench_progress SET total = :t"), {"t": total})
        slots = conn.execute(text("SELECT count(*) FROM bench_slots")).scalar()
    print(f"{slots:,} (regency, district, category) slots; {done:,} of {total:,} complaints already there")
    started, first = time.perf_counter(), done
    while done < total:
        lo, hi = done + 1, min(done + batch, total)
        with engine.begin() as conn:
            conn.execute(text("SELECT setseed(:s)"), {"s": (lo % 1000) / 1000})
            a, b = conn.execute(text(COMPLAINTS), {"lo": lo, "hi": hi, "total": total, "start": START,
                                                   "span": SPAN_DAYS}).one()
            for statement in _statements(FOLLOWERS):
                conn.execute(text(statement), {"a": a, "b": b})
            conn.execute(text("UPDATE bench_progress SET done = :d"), {"d": hi})
        done = hi
        rate = (done - first) / (time.perf_counter() - started)
        print(f"  {done:>12,} / {total:,} complaints  {rate:,.0f}/s  ETA {(total - done) / rate / 60:.0f} min  "
              f"(load {os.getloadavg()[0]:.1f})", flush=True)
    print("VACUUM ANALYZE ...", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        sizes = {t: conn.execute(text(  # a partitioned table's estimate is its partitions' sum
            "SELECT coalesce((SELECT sum(greatest(c.reltuples, 0)) FROM pg_class c JOIN pg_inherits i "
            "ON i.inhrelid = c.oid WHERE i.inhparent = to_regclass(:t)), "
            "(SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = to_regclass(:t)))::bigint"), {"t": t}).scalar()
                 for t in ("complaints", "events", "outbox_messages", "breaches", "jurisdictions")}
    print("stored (estimates): " + ", ".join(f"{v:,} {k}" for k, v in sizes.items() if v is not None))


def _p(samples: list[float]) -> str:
    samples = sorted(samples)
    return (f"p50 {statistics.median(samples) * 1000:7.1f} ms  "
            f"p95 {samples[max(0, round(0.95 * len(samples)) - 1)] * 1000:7.1f} ms")


def _time(fn, repeat: int) -> list[float]:
    for _ in range(5):  # warm: psycopg prepares a statement on a connection from its 5th run on
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def measure(engine, url: str, repeat: int, only: str | None = None) -> None:
    from app import create_app
    from app.clock import FrozenClock
    from app.domain.actor import SYSTEM, Actor
    from app.domain.visibility import Scope
    from app.services.reporting import dashboard, performance
    from app.services.reporting import rollup as performance_rollup
    from app.services.reporting import search as finder
    from app.services.sla import escalation
    from config import load_settings

    with Session(engine) as session:
        taken = performance_rollup.refresh_all(session, limit=20_000_000)
    if taken:
        # The drained queue's statistics still count millions of rows until autovacuum gets to it;
        # plans built on them read the dead pages (seconds). Do now what autovacuum does shortly.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE performance_pending"))
    with Session(engine) as session:
        rows = session.execute(text("SELECT reltuples::bigint FROM pg_class WHERE oid = 'complaints'::regclass")).scalar()
        regencies = session.execute(text("SELECT count(*) FROM jurisdictions")).scalar()
        jur = session.execute(text("SELECT id FROM jurisdictions WHERE code = 'banyuwangi'")).scalar_one()
    print(f"{rows:,} complaints in {regencies} regencies (rollup took in {taken:,}); {repeat} calls each; "
          f"load {os.getloadavg()[0]:.1f}")
    scope = dashboard.Scope(jurisdiction_id=jur)
    supervisor = Actor(kind="user", id=0, role="supervisor", jurisdiction_id=jur, name="bench")
    with Session(engine) as session:
        cases = [
            ("dashboard data (board)", lambda: dashboard.board(session, AS_OF, scope)),
            ("dashboard, all regencies", lambda: dashboard.board(session, AS_OF, Scope())),
            ("year report per agency", lambda: performance.report(session, AS_OF, SYSTEM, jurisdiction="banyuwangi",
                                                                 period="2025", group_by="agency")),
            ("year report per official", lambda: performance.report(session, AS_OF, SYSTEM, jurisdiction="banyuwangi",
                                                                   period="2025", group_by="official")),
            ("year report per district", lambda: performance.report(session, AS_OF, SYSTEM, jurisdiction="banyuwangi",
                                                                   period="2025", group_by="district")),
            ("year report, all regencies", lambda: performance.report(session, AS_OF, SYSTEM, period="2025",
                                                                     group_by="agency")),
            ("SLA tick, nothing due", lambda: (escalation.run_due_steps(session, AS_OF),
                                               escalation.next_due_at(session))),
            ("search: a word", lambda: finder.search(session, supervisor, finder.Criteria(text="lansia"))),
            ("search: a name, closed", lambda: finder.search(session, supervisor,
                                                             finder.Criteria(text="sarni", state="closed"))),
        ]
        for label, fn in cases:
            if only and only not in label:
                continue
            print(f"  {label:<26} {_p(_time(fn, repeat))}", flush=True)
    settings = load_settings(env={"DATABASE_URL": str(engine.url.render_as_string(hide_password=False)),
                                  "SECRET_KEY": "bench-secret-key-0123456789"})
    client = create_app(settings=settings, clock=FrozenClock(AS_OF), engine=engine).test_client()
    if only and only not in "GET /metrics":
        return
    print(f"  {'GET /metrics':<26} {_p(_time(lambda: client.get('/metrics'), repeat))}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.national", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("fill", "measure", "drop"))
    parser.add_argument("--complaints", type=int, default=10_000_000)
    parser.add_argument("--regencies", type=int, default=50)
    parser.add_argument("--batch", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", help="measure: only the calls whose label contains this")
    parser.add_argument("--schema", default=SCHEMA)
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    admin, engine = _engine(args.database_url, args.schema)
    try:
        if args.step == "drop":
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {args.schema} CASCADE"))
            print(f"schema {args.schema} dropped")
        elif args.step == "fill":
            setup(engine, args.regencies)
            fill(engine, args.complaints, args.batch)
        else:
            measure(engine, args.database_url, args.repeat, args.only)
    finally:
        engine.dispose()
        admin.dispose()


if __name__ == "__main__":
    main()
