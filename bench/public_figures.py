"""Benchmark of the public figures' data call on PostgreSQL: p50/p95 of GET
/publik/banyuwangi/data.json as visitors meet it, reading the stored snapshot each time (the
per-process cache forgotten before every call) and from the per-process cache; and the scheduler's
refresh that no visitor waits for (the live performance computation per agency, per kecamatan and
in total, by month, with satisfaction, stored as the snapshot).

    python -m bench.public_figures --sizes 10000,100000,1000000 --repeat 50

It works in its own schema (bench_public_figures) of TEST_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test) and drops it at the end."""
from __future__ import annotations

import argparse
import logging
import os
import time
from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench._schema import drop_schema, scratch_schema
from bench.dashboard import _grow, _measure, _percentiles, _prepare

SCHEMA = "bench_public_figures"


def _surveys(engine, start: int, stop: int) -> None:
    """A satisfaction answer for a third of the closed complaints added (a quarter of the asked ignore it)."""
    with engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO satisfaction_surveys (complaint_id, channel, asked_because, asked_at, score, answered_at, state)
            SELECT id, 'sms', 'confirmed', handled_at, CASE WHEN seq % 4 = 0 THEN NULL ELSE 1 + seq % 4 END,
                   CASE WHEN seq % 4 = 0 THEN NULL ELSE handled_at END, 'done'
            FROM complaints WHERE seq > :start AND seq <= :stop AND status = 'closed' AND seq % 3 = 0
        """), {"start": start, "stop": stop})
        conn.execute(text("ANALYZE satisfaction_surveys"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.public_figures", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="stored complaints, comma-separated")
    parser.add_argument("--repeat", type=int, default=50, help="timed data calls per size")
    parser.add_argument("--cold", type=int, default=2, help="timed scheduler refreshes per size")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    from app import create_app
    from app.clock import FrozenClock
    from app.models import Jurisdiction
    from app.services.reporting import public_figures
    from config import load_settings

    now = datetime.now(timezone.utc).replace(microsecond=0)
    admin, engine, url = scratch_schema(args.database_url, SCHEMA)
    try:
        ids = _prepare(engine, now)
        settings = load_settings(env={"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-0123456789"})
        app = create_app(settings=settings, clock=FrozenClock(now), engine=engine)
        logging.getLogger("sigap.request").setLevel(logging.WARNING)
        client = app.test_client()
        print(f"Public figures data call on PostgreSQL, year {now.year}: {args.repeat} calls reading the stored "
              f"snapshot (row) and from the process cache, and {args.cold} scheduler refreshes, milliseconds")
        print(f"{'complaints':>12} {'row p50':>8} {'row p95':>8} {'row cpu':>8} {'cache p50':>9} {'cache p95':>9} "
              f"{'refresh p50':>11} {'refresh max':>11}   (load {os.getloadavg()[0]:.1f})")
        stored = 0
        for size in sizes:
            _grow(engine, ids, stored, size, now, 0.002)
            _surveys(engine, stored, size)
            stored = size
            cold = []
            with Session(engine) as session:
                jur = session.query(Jurisdiction).filter_by(code="banyuwangi").one()
                for _ in range(args.cold):
                    started = time.perf_counter()
                    public_figures.refresh(session, now, jur, now.year)
                    cold.append((time.perf_counter() - started) * 1000)
            calls = [0]

            def call(forget: bool):
                def run():
                    calls[0] += 1
                    if forget:
                        public_figures.forget_cache()
                    # a different client address per call: the per-client limit is not what is measured
                    response = client.get("/publik/banyuwangi/data.json",
                                          environ_base={"REMOTE_ADDR": f"10.{calls[0] // 65536 % 256}."
                                                                       f"{calls[0] // 256 % 256}.{calls[0] % 256}"})
                    assert response.status_code == 200, response.status_code
                return run
            row = _measure(call(True), args.repeat)
            http = _measure(call(False), args.repeat)
            print(f"{size:>12,} {row[0]:>8.1f} {row[1]:>8.1f} {row[2]:>8.1f} {http[0]:>9.1f} {http[1]:>9.1f} "
                  f"{_percentiles(cold)[0]:>11.0f} {max(cold):>11.0f}   (load {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        engine.dispose()
        drop_schema(admin, SCHEMA)
        admin.dispose()


if __name__ == "__main__":
    main()
