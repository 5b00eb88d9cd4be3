"""Benchmark of the supervisor dashboard's data call on PostgreSQL: p50/p95 of the rows+counts
query and of GET /dashboard/data.json (signed in as a supervisor), at N stored complaints.

    python -m bench.dashboard --sizes 10000,100000,1000000 --open-share 0.01 --repeat 50

It works in its own schema (bench_dashboard) of TEST_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test) and drops it at the end."""
from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from datetime import datetime, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench._schema import drop_schema, migrate_and_seed, scratch_schema

SCHEMA = "bench_dashboard"


def _prepare(engine, now: datetime) -> dict:
    from app.models import Agency, Category, District, Jurisdiction, SlaPolicy

    with migrate_and_seed(engine, now) as session:
        jur = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "banyuwangi"))
        return {
            "jur": jur.id,
            "cats": list(session.scalars(select(Category.id).order_by(Category.id))),
            "agencies": list(session.scalars(select(Agency.id).where(Agency.jurisdiction_id == jur.id,
                                                                     Agency.is_supervisor.is_(False))
                                             .order_by(Agency.id))),
            "districts": list(session.scalars(select(District.id).where(District.jurisdiction_id == jur.id))),
            "policy": session.scalar(select(SlaPolicy.id).where(SlaPolicy.jurisdiction_id == jur.id)),
        }


def _grow(engine, ids: dict, start: int, stop: int, now: datetime, open_share: float) -> None:
    """Insert complaints start+1..stop in SQL: mostly closed over the past year, `open_share` of them
    open with deadlines from 2 hours ago to 4 hours ahead, spread over categories, agencies and districts."""
    sql = text("""
        INSERT INTO complaints (ticket, jurisdiction_id, year, seq, category_id, description, channel, agency_id,
            district_id, status, sla_policy_id, received_at, ack_due_at, handle_due_at, acknowledged_at,
            handled_at, ack_breached, handle_breached, reopened_count, lat, lon, created_at, updated_at)
        SELECT 'BENCH-' || g, :jur, 2026, g, (:cats)[1 + g % cardinality(:cats)], 'bench', 'api',
            (:agencies)[1 + g % cardinality(:agencies)], (:districts)[1 + g % cardinality(:districts)],
            CASE WHEN open THEN (ARRAY['assigned','acknowledged','acknowledged','triage'])[1 + g % 4] ELSE 'closed' END,
            :policy, due - interval '240 minutes', due - interval '210 minutes', due,
            CASE WHEN open AND g % 4 IN (1, 2) THEN due - interval '230 minutes' END,
            CASE WHEN open THEN NULL ELSE due - interval '60 minutes' END,
            false, open AND due < :now, 0, -8.2 - (g % 100) * 0.004, 114.3 + (g % 97) * 0.004,
            due - interval '240 minutes', due - interval '240 minutes'
        FROM (
            SELECT g, open,
                   CASE WHEN open THEN :now - interval '2 hours' + random() * interval '6 hours'
                        ELSE :now - random() * interval '365 days' END AS due
            FROM (SELECT g, random() < :share AS open
                  FROM generate_series(CAST(:start AS bigint) + 1, CAST(:stop AS bigint)) AS g) AS r
        ) AS s
    """)
    with engine.begin() as conn:
        conn.execute(sql, {"jur": ids["jur"], "cats": ids["cats"], "agencies": ids["agencies"],
                           "districts": ids["districts"], "policy": ids["policy"], "start": start, "stop": stop,
                           "now": now, "share": open_share})
    # As autovacuum leaves a table after a bulk insert (PostgreSQL 13+ vacuums on inserts too): statistics and
    # the visibility map, without which no index-only scan skips the heap.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE complaints"))


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _measure(fn, repeat: int) -> tuple[float, float, float]:
    """(p50, p95) wall-clock ms, and the median CPU ms of this process (app and driver, not the database):
    on a busy shared machine the wall clock also counts time spent waiting for a core."""
    fn()  # warm the caches and the connection
    samples, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return (*_percentiles(samples), statistics.median(cpu))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="stored complaints, comma-separated")
    parser.add_argument("--open-share", type=float, default=0.01, help="share of complaints still open")
    parser.add_argument("--repeat", type=int, default=50, help="timed calls per measurement")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    from app import create_app
    from app.clock import FrozenClock
    from app.services.reporting import dashboard
    from config import load_settings

    now = datetime.now(timezone.utc).replace(microsecond=0)
    admin, engine, url = scratch_schema(args.database_url, SCHEMA)
    try:
        ids = _prepare(engine, now)
        settings = load_settings(env={"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-0123456789"})
        app = create_app(settings=settings, clock=FrozenClock(now), engine=engine)
        client = app.test_client()
        page = client.get("/signin").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        signed_in = client.post("/signin", data={"csrf_token": token, "username": "supervisor",
                                                 "password": "sigap-demo-2026"})
        assert signed_in.status_code == 302, "the demo supervisor could not sign in"
        scope = dashboard.Scope(jurisdiction_id=ids["jur"])
        print(f"Dashboard data call on PostgreSQL ({args.open_share:.1%} of complaints open), "
              f"{args.repeat} calls each, milliseconds")
        print(f"{'complaints':>12} {'open':>7} {'board p50':>10} {'board p95':>10} {'breached p95':>13} "
              f"{'HTTP p50':>9} {'HTTP p95':>9} {'HTTP cpu':>9} {'HTTP+map p95':>13}   (load {os.getloadavg()[0]:.1f})")
        stored = 0
        for size in sizes:
            _grow(engine, ids, stored, size, now, args.open_share)
            stored = size
            with Session(engine) as session:
                open_now = dashboard.counts(session, now, scope)["open"]
                board = _measure(lambda: dashboard.board(session, now, scope), args.repeat)
                breached = _measure(lambda: dashboard.board(session, now, scope, dashboard.Filters(state="breached")),
                                    args.repeat)

            def http(path):
                def call():
                    response = client.get(path)
                    assert response.status_code == 200, response.status_code
                return call
            http_plain = _measure(http("/dashboard/data.json"), args.repeat)
            http_map = _measure(http("/dashboard/data.json?map=1"), args.repeat)
            print(f"{size:>12,} {open_now:>7,} {board[0]:>10.1f} {board[1]:>10.1f} {breached[1]:>13.1f} "
                  f"{http_plain[0]:>9.1f} {http_plain[1]:>9.1f} {http_plain[2]:>9.1f} {http_map[1]:>13.1f}"
                  f"   (load {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        engine.dispose()
        drop_schema(admin, SCHEMA)
        admin.dispose()


if __name__ == "__main__":
    main()
