"""Benchmark of a GET /metrics scrape on PostgreSQL: p50/p95 over repeated scrapes at N complaints and M events.

    python -m bench.metrics_scrape --complaints 1000000 --events 10000000 --repeat 50

Builds its own schema (bench_metrics) of TEST_DATABASE_URL: migrated and seeded, then filled in SQL
(INSERT ... SELECT generate_series): `--open-share` of the complaints open with deadlines around now,
the rest handled over the past year (closed, or awaiting the citizen's word in the last 3 days) or
rejected; M events spread over them (four in ten SLA steps, with their lateness); two outbox messages
per complaint, a few hundred still waiting; a handle breach for one complaint in twenty. The data goes
in at the revision before migration 0013 (which starts its running totals from these rows), then the
schema is upgraded to head, timing that migration. Times the scrape through the app (Flask test
client, as bench.dashboard does), lists what each of its SQL statements scans (EXPLAIN), and drops
the schema at the end.

To time the code before 0013 on the same data, run this file from a checkout of that code with
`--keep` (nothing to upgrade there), then from this one with `--reuse`: the kept schema is upgraded
(the migration timed on it) and dropped after. Figures: docs/benchmarks.md."""
from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from datetime import datetime, timezone

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bench._schema import drop_schema, scratch_schema

SCHEMA = "bench_metrics"
CHUNK = 1_000_000
HISTORY = ("complaints", "events", "outbox_messages", "breaches")

COMPLAINTS = """
INSERT INTO complaints (ticket, jurisdiction_id, year, seq, category_id, description, channel, agency_id,
    district_id, status, sla_policy_id, received_at, ack_due_at, handle_due_at, acknowledged_at, handled_at,
    resolved_at, closed_at, rejected_at, reject_reason, ack_breached, handle_breached, reopened_count, sla_level,
    sla_reopened_seen, lat, lon, created_at, updated_at)
SELECT 'BENCH-' || g, :jur, 2026, g, (:cats)[1 + g % cardinality(:cats)], 'bench',
    (ARRAY['api', 'sms', 'telegram', 'whatsapp', 'counter', 'open311'])[1 + g % 6],
    (:agencies)[1 + g % cardinality(:agencies)], (:districts)[1 + g % cardinality(:districts)],
    CASE WHEN open THEN (ARRAY['assigned', 'acknowledged', 'acknowledged', 'triage'])[1 + g % 4]
         WHEN g % 30 = 0 THEN 'rejected' WHEN due > CAST(:now AS timestamptz) - interval '3 days' THEN 'handled'
         ELSE 'closed' END,
    :policy, due - interval '240 minutes', due - interval '210 minutes', due,
    CASE WHEN NOT open OR g % 4 IN (1, 2) THEN due - interval '225 minutes' END,
    CASE WHEN NOT open AND g % 30 <> 0 THEN due - interval '60 minutes' + (g % 7) * interval '20 minutes' END,
    CASE WHEN NOT open AND g % 30 <> 0 THEN due END,
    CASE WHEN NOT open AND g % 30 <> 0 AND due <= CAST(:now AS timestamptz) - interval '3 days'
         THEN due + interval '3 days' END,
    CASE WHEN NOT open AND g % 30 = 0 THEN due - interval '230 minutes' END,
    CASE WHEN NOT open AND g % 30 = 0 THEN 'spam' END,
    false, g % 20 = 0 AND g % 30 <> 0, 0, 0, 0, -8.2 - (g % 100) * 0.004, 114.3 + (g % 97) * 0.004,
    due - interval '240 minutes', due - interval '240 minutes'
FROM (
    SELECT g, open,
           CASE WHEN open THEN CAST(:now AS timestamptz) - interval '2 hours' + random() * interval '6 hours'
                ELSE CAST(:now AS timestamptz) - interval '2 hours' - random() * interval '365 days' END AS due
    FROM (SELECT g, random() < :share AS open
          FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint)) AS g) AS r
) AS s
"""

# Ten events per complaint in their usual order; reminded, warned, breached and escalated are SLA steps.
KINDS = ("received", "routed", "reminded", "acknowledged", "warned", "note", "breached", "escalated", "handled",
         "closed")
EVENTS = f"""
INSERT INTO events (complaint_id, seq, kind, at, actor, data, prev_hash, hash)
SELECT :first + g % :n, 1 + g / :n, kind, CAST(:now AS timestamptz) - (g % 365) * interval '1 day', 'system',
    CASE WHEN kind IN ('reminded', 'warned', 'breached', 'escalated')
         THEN jsonb_build_object('step', 'h.' || kind, 'late', g % 11 = 0, 'late_seconds', (g * 7919) % 5000,
                                 'recipients', jsonb_build_array('Piket Dinas Sosial (sms)'))
         ELSE jsonb_build_object('channel', 'api') END,
    repeat('a', 64), repeat('b', 64)
FROM (SELECT g, (ARRAY{list(KINDS)!r})[1 + (g / :n) % {len(KINDS)}] AS kind
      FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint)) AS g) AS e
"""

OUTBOX = """
INSERT INTO outbox_messages (complaint_id, channel, recipient, recipient_kind, template, language, body, extra,
    status, attempts, next_attempt_at, last_error, provider_id, created_at, sent_at)
SELECT :first + g % :n, (ARRAY['sms', 'telegram', 'whatsapp'])[1 + g % 3],
    '+62812' || lpad((g % 9999999)::text, 7, '0'),
    CASE WHEN g < :n THEN 'reporter' ELSE 'staff' END, 'core.receipt', 'id',
    repeat('Sigap: laporan Anda diterima, nomor tiket BENCH. ', 3), '{}'::jsonb, status,
    CASE status WHEN 'sent' THEN 1 WHEN 'failed' THEN 2 WHEN 'dead' THEN 8 ELSE 0 END,
    CASE WHEN status IN ('pending', 'failed') THEN CAST(:now AS timestamptz) END,
    CASE WHEN status IN ('failed', 'dead') THEN 'timeout' END,
    CASE WHEN status = 'sent' THEN 'SM' || g END, created, CASE WHEN status = 'sent' THEN created END
FROM (SELECT g, CASE WHEN g % 5000 = 0 THEN 'pending' WHEN g % 5000 = 1 THEN 'failed'
                     WHEN g % 997 = 0 THEN 'dead' ELSE 'sent' END AS status,
             CASE WHEN g % 5000 IN (0, 1) THEN CAST(:now AS timestamptz) - (g % 50) * interval '1 minute'
                  ELSE CAST(:now AS timestamptz) - (g % 365) * interval '1 day' END AS created
      FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint)) AS g) AS o
"""

BREACHES = """
INSERT INTO breaches (complaint_id, kind, agency_id, official_name, due_at, detected_at, met_at, minutes_late,
    staff_notified, notify_failed)
SELECT id, 'handle', agency_id, 'Kepala Dinas', handle_due_at, handle_due_at, handled_at,
    CASE WHEN handled_at IS NOT NULL THEN 20 END, true, false
FROM complaints WHERE seq % 20 = 0
"""


def _ids(session: Session) -> dict:
    from sqlalchemy import select

    from app.models import Agency, Category, District, Jurisdiction, SlaPolicy

    jur = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "banyuwangi"))
    return {
        "jur": jur.id,
        "cats": list(session.scalars(select(Category.id).order_by(Category.id))),
        "agencies": list(session.scalars(select(Agency.id).where(Agency.jurisdiction_id == jur.id,
                                                                 Agency.is_supervisor.is_(False)).order_by(Agency.id))),
        "districts": list(session.scalars(select(District.id).where(District.jurisdiction_id == jur.id))),
        "policy": session.scalar(select(SlaPolicy.id).where(SlaPolicy.jurisdiction_id == jur.id)),
    }


def _revision_before_totals() -> str:
    """The revision the data goes in at: before 0013 (which counts it), or head on code without it."""
    from alembic.script import ScriptDirectory

    from app import migrate

    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    found = [rev for rev in scripts.walk_revisions() if rev.revision == "0013"]
    return found[0].down_revision if found else "head"


def _chunked(conn, sql: str, total: int, params: dict, what: str) -> None:
    started = time.perf_counter()
    for start in range(0, total, CHUNK):
        conn.execute(text(sql), {**params, "start": start, "stop": min(start + CHUNK, total) - 1})
        conn.commit()
        print(f"  {what}: {min(start + CHUNK, total):,} of {total:,} ({time.perf_counter() - started:.0f} s)",
              flush=True)


def build(engine, now: datetime, complaints: int, events: int, open_share: float) -> None:
    from app import migrate
    from app.services.demo import seed
    from config import load_settings

    started = time.perf_counter()
    with engine.begin() as conn:
        migrate.upgrade(connection=conn, revision=_revision_before_totals())
    with Session(engine) as session:
        seed.seed_demo(session, now=now, gazetteer_dir=load_settings().gazetteer_dir)
        session.commit()
        ids = _ids(session)
    print(f"migrated and seeded in {time.perf_counter() - started:.1f} s", flush=True)
    with engine.connect() as conn:
        # Bulk data: the performance rollup's queueing triggers are not what is measured here.
        conn.execute(text("SET session_replication_role = replica"))  # session-wide: survives the commits
        conn.execute(text("SELECT setseed(0.42)"))
        _chunked(conn, COMPLAINTS, complaints, {**ids, "now": now, "share": open_share}, "complaints")
        conn.commit()
        first = conn.execute(text("SELECT min(id) FROM complaints")).scalar_one()
        _chunked(conn, EVENTS, events, {"first": first, "n": complaints, "now": now}, "events")
        conn.commit()
        _chunked(conn, OUTBOX, 2 * complaints, {"first": first, "n": complaints, "now": now}, "outbox messages")
        conn.execute(text(BREACHES))
        conn.commit()
    _settle(engine)


def _settle(engine) -> None:
    """What autovacuum does to a settled table: visibility map and statistics."""
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in HISTORY + ("metric_totals",):
            if conn.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar() is not None:
                conn.execute(text(f"VACUUM ANALYZE {table}"))
    print(f"vacuumed and analysed in {time.perf_counter() - started:.1f} s", flush=True)


def upgrade(engine) -> None:
    from app import migrate

    started = time.perf_counter()
    with engine.begin() as conn:
        migrate.upgrade(connection=conn)
    print(f"upgraded to head in {time.perf_counter() - started:.1f} s (migration 0013 counts the stored rows once)",
          flush=True)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def time_scrapes(engine, url: str, now: datetime, repeat: int) -> None:
    from app import create_app
    from app.clock import FrozenClock
    from config import load_settings

    settings = load_settings(env={"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-0123456789"})
    app = create_app(settings=settings, clock=FrozenClock(now), engine=engine)
    client = app.test_client()
    with engine.connect() as conn:
        sizes = {t: conn.execute(text(f"SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('{t}')"))
                 .scalar_one() for t in HISTORY}
        open_now = conn.execute(text("SELECT count(*) FROM complaints WHERE status IN "
                                     "('received', 'triage', 'assigned', 'acknowledged')")).scalar_one()
    print("stored (estimates): " + ", ".join(f"{v:,} {k}" for k, v in sizes.items()) + f"; {open_now:,} open")

    statements: list[tuple[str, dict]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    body = client.get("/metrics").get_data(as_text=True)  # warm: connection, caches
    event.remove(engine, "before_cursor_execute", keep)
    samples, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        response = client.get("/metrics")
        assert response.status_code == 200, response.status_code
        samples.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    p50, p95 = _percentiles(samples)
    series = sum(1 for line in body.splitlines() if line.startswith("sigap_"))
    print(f"GET /metrics, {repeat} scrapes: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(samples):.1f} ms "
          f"(this process's CPU: median {statistics.median(cpu):.1f} ms); {len(statements)} SQL statements, "
          f"{series} sigap_ samples   (load {os.getloadavg()[0]:.1f})", flush=True)
    with engine.connect() as conn:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN (ANALYZE, TIMING OFF) " + statement, parameters)]
            scans = sorted({" ".join(m.split()) for line in plan
                            for m in re.findall(r"((?:Parallel )?(?:Seq Scan|Index Only Scan|Index Scan|"
                                                r"Bitmap Index Scan)(?: Backward)?(?: using \w+)? on \w+)", line)})
            took = next((line for line in plan if line.startswith("Execution Time")), "")
            print(f"  {' '.join(statement.split())[:90]}...\n      {'; '.join(scans)}  [{took}]")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_scrape", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=100_000, help="stored complaints")
    parser.add_argument("--events", type=int, default=1_000_000, help="stored audit events")
    parser.add_argument("--open-share", type=float, default=0.01, help="share of complaints still open")
    parser.add_argument("--repeat", type=int, default=50, help="timed scrapes")
    parser.add_argument("--keep", action="store_true", help=f"keep the schema {SCHEMA} for a later --reuse")
    parser.add_argument("--reuse", action="store_true", help=f"time on the schema {SCHEMA} kept by --keep "
                        "(upgraded to this code's head first), then drop it")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    now = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    if args.reuse:
        from app.db import make_engine
        from config import normalise_database_url

        base = normalise_database_url(args.database_url)
        admin = make_engine(base)
        url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{SCHEMA}"
        engine = make_engine(url)
    else:
        admin, engine, url = scratch_schema(args.database_url, SCHEMA)
    try:
        if not args.reuse:
            build(engine, now, args.complaints, args.events, args.open_share)
        upgrade(engine)
        _settle(engine)
        time_scrapes(engine, url, now, args.repeat)
    finally:
        engine.dispose()
        if args.keep:
            print(f"kept schema {SCHEMA} (drop it with --reuse, or DROP SCHEMA {SCHEMA} CASCADE)")
        else:
            drop_schema(admin, SCHEMA)
        admin.dispose()


if __name__ == "__main__":
    main()
