"""Benchmark: a year's performance report per agency over N synthetic complaints on PostgreSQL.

    .venv/bin/python bench/performance.py --rows 100000 [--url postgresql://postgres@127.0.0.1:5432/test]
    .venv/bin/python bench/performance.py --rows 1000000 --keep      # build once, keep the schema
    .venv/bin/python bench/performance.py --schema bench_perf_xxxxxxxx  # time again on it (then --drop)

Builds a throw-away schema (migrations + demo seed), bulk-inserts N complaints spread over 2026 with
generate_series (95 % handled, 2 % open and never handled (--open-share), 3 % rejected, 1 in 50
transferred once, breaches for every late one), VACUUM ANALYZEs (what autovacuum does to a settled
table), then times the report per agency, per official, per district and for one month, each run
several times, printing the best wall time, the best CPU time (this process's and its PostgreSQL
backend's, when the server is local) and the load average next to each figure (the machine may
be shared: the CPU time moves far less with other work than the wall time). The schema is dropped afterwards
unless --keep."""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.domain.actor import SYSTEM  # noqa: E402
from app.services.demo import seed
from app.services.reporting import performance  # noqa: E402
from app.services.reporting import rollup as performance_rollup
from config import load_settings, normalise_database_url  # noqa: E402

AS_OF = datetime(2027, 1, 15, 2, 0, tzinfo=timezone.utc)

FILL = """
WITH ref AS (
  SELECT array_agg(r.category_id ORDER BY r.id) AS cats, array_agg(r.agency_id ORDER BY r.id) AS agencies,
         count(*) AS k
  FROM routing_rules r JOIN jurisdictions j ON j.id = r.jurisdiction_id WHERE j.code = 'banyuwangi'
), d AS (
  SELECT array_agg(id ORDER BY code) AS ids, count(*) AS k
  FROM districts WHERE jurisdiction_id = (SELECT id FROM jurisdictions WHERE code = 'banyuwangi')
), s AS (
  SELECT g, timestamptz '2025-12-31 17:00:00+00' + (g::float8 / :n) * interval '365 days' AS r,
         random() AS u1, random() AS u2, random() AS u3
  FROM generate_series(1, :n) AS g
)
INSERT INTO complaints (ticket, jurisdiction_id, year, seq, category_id, description, district_id, channel,
  agency_id, status, sla_policy_id, received_at, ack_due_at, handle_due_at, acknowledged_at, handled_at,
  rejected_at, reject_reason, ack_breached, handle_breached, reopened_count, sla_level, sla_reopened_seen,
  created_at, updated_at)
SELECT 'BENCH-' || s.g, :jur, 2026, 100000000 + s.g, ref.cats[1 + s.g % ref.k], 'bench', d.ids[1 + s.g % d.k], 'api',
  ref.agencies[1 + s.g % ref.k],
  CASE WHEN s.u1 < :c THEN 'closed' WHEN s.u1 < :a THEN 'acknowledged' WHEN s.u1 < :r THEN 'rejected'
       ELSE 'assigned' END,
  :policy, s.r, s.r + interval '30 minutes', s.r + interval '240 minutes',
  CASE WHEN s.u1 < :a THEN s.r + s.u3 * interval '40 minutes' END,
  CASE WHEN s.u1 < :c THEN s.r + (20 + s.u2 * 250) * interval '1 minute' END,
  CASE WHEN s.u1 >= :a AND s.u1 < :r THEN s.r + interval '5 minutes' END,
  CASE WHEN s.u1 >= :a AND s.u1 < :r THEN 'spam' END,
  false, false, CASE WHEN s.u3 < 0.03 THEN 1 ELSE 0 END, 0, 0, s.r, s.r
FROM s, ref, d
"""

EVENTS = """
INSERT INTO events (complaint_id, seq, kind, at, actor, data, prev_hash, hash)
SELECT id, 1, 'received', received_at, 'system', '{}'::jsonb, '', '' FROM complaints WHERE ticket LIKE 'BENCH-%';
INSERT INTO events (complaint_id, seq, kind, at, actor, data, prev_hash, hash)
SELECT c.id, 2, 'transferred', c.received_at + interval '20 minutes', 'system',
       jsonb_build_object('from', 'bwi-dinsos', 'to', a.code), '', ''
FROM complaints c JOIN agencies a ON a.id = c.agency_id
WHERE c.ticket LIKE 'BENCH-%' AND c.id % 50 = 0;
INSERT INTO breaches (complaint_id, kind, agency_id, official_id, official_name, due_at, detected_at, met_at,
                      minutes_late, staff_notified, notify_failed)
SELECT c.id, 'handle', c.agency_id, a.head_user_id, a.head_name, c.handle_due_at, c.handle_due_at, c.handled_at,
       CASE WHEN c.handled_at IS NOT NULL THEN (extract(epoch FROM c.handled_at - c.handle_due_at) / 60)::int END,
       c.id % 7 <> 0, c.id % 7 = 0
FROM complaints c JOIN agencies a ON a.id = c.agency_id
WHERE c.ticket LIKE 'BENCH-%' AND c.status <> 'rejected'
  AND (c.handled_at > c.handle_due_at OR (c.handled_at IS NULL AND c.status <> 'closed'));
INSERT INTO breaches (complaint_id, kind, agency_id, official_id, official_name, due_at, detected_at, met_at,
                      minutes_late, staff_notified, notify_failed)
SELECT c.id, 'acknowledge', c.agency_id, a.head_user_id, a.head_name, c.ack_due_at, c.ack_due_at, c.acknowledged_at,
       NULL, true, false
FROM complaints c JOIN agencies a ON a.id = c.agency_id
WHERE c.ticket LIKE 'BENCH-%' AND c.status <> 'rejected'
  AND (c.acknowledged_at > c.ack_due_at OR c.acknowledged_at IS NULL);
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="synthetic complaints (default 100000)")
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--repeat", type=int, default=3, help="runs per report (the best and median are printed)")
    parser.add_argument("--keep", action="store_true", help="keep the schema (its name is printed)")
    parser.add_argument("--schema", help="time the reports on a schema kept by an earlier run (nothing is built)")
    parser.add_argument("--drop", action="store_true", help="with --schema: drop that schema afterwards")
    parser.add_argument("--open-share", type=float, default=0.02,
                        help="share of complaints left open and never handled, half acknowledged (default 0.02)")
    parser.add_argument("--live", action="store_true", help="also time the live computation (no rollups)")
    args = parser.parse_args()

    base_url = normalise_database_url(args.url)
    if not base_url.startswith("postgresql"):
        sys.exit("the benchmark runs on PostgreSQL: give --url postgresql://...")
    schema = args.schema or f"bench_perf_{uuid.uuid4().hex[:8]}"
    if not schema.replace("_", "").isalnum():
        sys.exit("--schema: letters, digits and _ only")
    admin = make_engine(base_url)
    if not args.schema:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    engine = make_engine(base_url + f"{sep}options=-csearch_path%3D{schema}")
    keep = args.keep or (args.schema and not args.drop)
    try:
        if not args.schema:
            build(engine, schema, args.rows, args.open_share)
        else:
            with engine.begin() as conn:
                migrate.upgrade(connection=conn)  # a schema kept by an older revision
        take_in(engine)
        time_reports(engine, args.repeat, args.live)
    finally:
        engine.dispose()
        if keep:
            print(f"kept schema {schema}")
        else:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def load() -> str:
    with open("/proc/loadavg") as f:
        return "load " + " ".join(f.read().split()[:3])


def build(engine, schema: str, rows: int, open_share: float = 0.02) -> None:
    started = time.perf_counter()
    with engine.begin() as conn:
        migrate.upgrade(connection=conn)
    with Session(engine) as session:
        seed.seed_demo(session, now=datetime(2025, 12, 1, tzinfo=timezone.utc),
                       gazetteer_dir=load_settings().gazetteer_dir)
        session.commit()
    print(f"schema {schema}: migrated and seeded in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    with engine.begin() as conn:
        jur = conn.execute(text("SELECT id FROM jurisdictions WHERE code = 'banyuwangi'")).scalar_one()
        policy = conn.execute(text("SELECT id FROM sla_policies WHERE jurisdiction_id = :j ORDER BY id LIMIT 1"),
                              {"j": jur}).scalar_one()
        conn.execute(text("SELECT setseed(0.42)"))
        closed = 0.97 - open_share  # rejected stays 3 %
        conn.execute(text(FILL), {"n": rows, "jur": jur, "policy": policy, "c": closed, "a": closed + open_share / 2,
                                  "r": closed + open_share / 2 + 0.03})
        for statement in EVENTS.split(";"):
            if statement.strip():
                conn.execute(text(statement))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("complaints", "events", "breaches"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
        conn.execute(text("ANALYZE"))
        counts = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                  for t in ("complaints", "events", "breaches")}
    print(f"inserted in {time.perf_counter() - started:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


def take_in(engine) -> None:
    """What the rollup job does: closed complaints queued by the triggers become facts and rollups."""
    started = time.perf_counter()
    with Session(engine) as session:
        taken = performance_rollup.refresh_all(session, limit=200_000)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("performance_facts", "performance_breach_facts", "performance_rollups", "performance_pending"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
        sizes = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                 for t in ("performance_facts", "performance_rollups", "performance_pending")}
    print(f"rollup job took in {taken:,} queued complaints in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{v:,} {k}" for k, v in sizes.items()))


def _server_cpu(session):
    """CPU seconds so far of this session's PostgreSQL backend (a local server, /proc readable),
    else None. The report runs in that one backend (no parallel workers in its plans): its CPU plus
    ours is what a report costs, a figure other work on a shared machine moves far less than the
    wall time."""
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    session.commit()
    tick = os.sysconf("SC_CLK_TCK")

    def read():
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            return None
    return read


def time_reports(engine, repeat: int, with_live: bool = False) -> None:
    with engine.connect() as conn:
        scans = []
        rows = conn.execute(text("SELECT count(*) FROM complaints")).scalar_one()
        for _ in range(repeat):
            t0 = time.perf_counter()
            conn.execute(text("SELECT count(*) FROM complaints")).scalar_one()
            scans.append(time.perf_counter() - t0)
    print(f"{rows:,} complaints")
    print(f"{'baseline: count(*) scan':28s} best {min(scans) * 1000:8.1f} ms  (how fast this machine reads the table)"
          f"  {load()}")
    cases = [("year 2026 per agency", dict(period="2026", group_by="agency")),
             ("year 2026 per official", dict(period="2026", group_by="official")),
             ("year 2026 per district", dict(period="2026", group_by="district")),
             ("month 2026-11 per agency", dict(period="2026-11", group_by="agency")),
             ("year 2026 per kecamatan", dict(period="2026", districts=True))]
    if with_live:
        cases += [(f"{name} (live)", {**kwargs, "live": True}) for name, kwargs in cases if "districts" not in kwargs]
    for name, kwargs in cases:
        timings, cpus = [], []
        for _ in range(repeat):
            with Session(engine) as session:
                server = _server_cpu(session)
                c0, s0 = time.process_time(), server()
                t0 = time.perf_counter()
                if kwargs.get("districts"):  # the camats compared: the report per district and the disputes
                    report = performance.districts(session, AS_OF, SYSTEM, jurisdiction="banyuwangi",
                                                   **{k: v for k, v in kwargs.items() if k != "districts"})
                else:
                    report = performance.report(session, AS_OF, SYSTEM, jurisdiction="banyuwangi", **kwargs)
                timings.append(time.perf_counter() - t0)
                spent = server()
                cpus.append(None if spent is None else (time.process_time() - c0) + (spent - s0))
        total = report["total"]
        cpu = "n/a" if None in cpus else f"{min(cpus) * 1000:6.0f} ms"
        print(f"{name:28s} best {min(timings) * 1000:8.1f} ms  median {statistics.median(timings) * 1000:8.1f} ms"
              f"  cpu {cpu}"
              f"  ({len(report['items'])} rows, {total['received']:,} counted, on time "
              f"{(total['on_time_rate']['value'] or 0) * 100:.1f} %, p90 handle {total['handle']['p90_minutes']} min)"
              f"  {load()}")


if __name__ == "__main__":
    main()
