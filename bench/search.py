"""Benchmark of complaint search (app/services/reporting/search.py) on PostgreSQL: p50/p95 of typical
searches, through the service and through GET /complaints as a supervisor, at N stored complaints.

    python -m bench.search --sizes 100000,1000000 --repeat 30

Descriptions are drawn from a vocabulary of everyday report words with a long tail of names, so a
common word matches a third of all complaints and a name a few hundred. It works in its own schema
(bench_search) of TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test) and drops
it at the end."""
from __future__ import annotations

import argparse
import os
import re
import time
from datetime import datetime, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench._schema import drop_schema, migrate_and_seed, scratch_schema
from bench.dashboard import _measure

SCHEMA = "bench_search"
COMMON = ("tidak", "bisa", "makan", "anak", "sekolah", "rumah", "lansia", "sendiri", "sakit", "berobat", "ibu",
          "bapak", "keluarga", "hari", "sejak", "dua", "tiga", "desa", "tolong", "segera")
NAMES = tuple(f"{a}{b}" for a in ("sar", "sum", "kar", "slam", "nur", "yoh", "mar", "bud", "har", "wat")
              for b in ("ni", "i", "to", "et", "ia", "anes", "di", "yono", "ti", "ono"))  # 100 names


def _prepare(engine, now: datetime) -> dict:
    from app.models import Agency, Category, Jurisdiction, SlaPolicy, Village, District

    with migrate_and_seed(engine, now) as session:
        jur = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "banyuwangi"))
        villages = list(session.execute(select(Village.id, Village.district_id).join(District)
                                        .where(District.jurisdiction_id == jur.id).order_by(Village.id)))
        return {
            "jur": jur.id,
            "cats": list(session.scalars(select(Category.id).order_by(Category.id))),
            "agencies": list(session.scalars(select(Agency.id).where(Agency.jurisdiction_id == jur.id,
                                                                     Agency.is_supervisor.is_(False))
                                             .order_by(Agency.id))),
            "villages": [v for v, _d in villages], "village_districts": [d for _v, d in villages],
            "policy": session.scalar(select(SlaPolicy.id).where(SlaPolicy.jurisdiction_id == jur.id)),
        }


def _grow(engine, ids: dict, start: int, stop: int, now: datetime) -> None:
    """Complaints start+1..stop over the past year, 2 % open, one reporter (with a phone) per ten."""
    with engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO reporters (name, phone, language, opted_out, unreachable, created_at)
            SELECT 'Pelapor ' || g, '+62812' || lpad(CAST(g AS text), 8, '0'), 'id', false, false, :now
            FROM generate_series(CAST(:start AS bigint) / 10 + 1, CAST(:stop AS bigint) / 10) AS g
        """), {"start": start, "stop": stop, "now": now})
        conn.execute(text("""
            INSERT INTO complaints (ticket, jurisdiction_id, year, seq, category_id, description, channel, agency_id,
                district_id, village_id, reporter_id, status, sla_policy_id, received_at, ack_due_at, handle_due_at,
                handled_at, ack_breached, handle_breached, reopened_count, created_at, updated_at)
            SELECT 'BWI-2026-' || lpad(CAST(g AS text), 7, '0'), :jur, 2026, g,
                (:cats)[1 + g % cardinality(:cats)],
                initcap((CAST(:common AS text[]))[1 + (g * 7) % 20]) || ' ' || (CAST(:names AS text[]))[1 + (g * 13) % 100] || ' ' ||
                    (CAST(:common AS text[]))[1 + (g * 3) % 20] || ' ' || (CAST(:common AS text[]))[1 + (g * 11) % 20] || ' ' ||
                    (CAST(:common AS text[]))[1 + (g * 17) % 20] || ' di ' || 'RT ' || (g % 17),
                'sms', (:agencies)[1 + g % cardinality(:agencies)],
                (:districts)[1 + (g * 37) % cardinality(:villages)], (:villages)[1 + (g * 37) % cardinality(:villages)],
                (SELECT id FROM reporters WHERE phone = '+62812' || lpad(CAST(GREATEST(g / 10, 1) AS text), 8, '0')),
                CASE WHEN g % 50 = 0 THEN 'assigned' ELSE (ARRAY['handled','resolved','closed','rejected'])[1 + g % 4] END,
                :policy, rec, rec + interval '30 minutes', rec + interval '240 minutes',
                CASE WHEN g % 50 = 0 THEN NULL ELSE rec + interval '150 minutes' END,
                false, false, 0, rec, rec
            FROM (SELECT g, :now - (g % 525600) * interval '1 minute' AS rec
                  FROM generate_series(CAST(:start AS bigint) + 1, CAST(:stop AS bigint)) AS g) AS s
        """), {"jur": ids["jur"], "cats": ids["cats"], "agencies": ids["agencies"], "districts": ids["village_districts"],
               "villages": ids["villages"], "policy": ids["policy"], "common": list(COMMON), "names": list(NAMES),
               "start": start, "stop": stop, "now": now})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000", help="stored complaints, comma-separated")
    parser.add_argument("--repeat", type=int, default=30, help="timed calls per measurement")
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    from app import create_app
    from app.clock import FrozenClock
    from app.domain.actor import Actor
    from app.models import User
    from app.services.reporting import search as finder
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
        with Session(engine) as session:
            officer = session.scalar(select(User).where(User.username == "officer.dinsos"))
            officer_actor = Actor(kind="user", id=officer.id, role=officer.role, agency_id=officer.agency_id,
                                  jurisdiction_id=ids["jur"], name=officer.name)
        supervisor = Actor(kind="user", id=0, role="supervisor", jurisdiction_id=ids["jur"], name="bench")
        cases = [
            ("common word", supervisor, finder.Criteria(text="makan")),
            ("two words", supervisor, finder.Criteria(text="lansia sendiri")),
            ("a name", supervisor, finder.Criteria(text="sarni")),
            ("name, closed", supervisor, finder.Criteria(text="karto", state="closed")),
            ("village", supervisor, finder.Criteria(text="kemiren")),
            ("ticket", supervisor, finder.Criteria(text="BWI-2026-0004242")),
            ("phone", supervisor, finder.Criteria(text="0812 0000 4242")),
            ("closed, no words", supervisor, finder.Criteria(state="closed")),
            ("officer, word", officer_actor, finder.Criteria(text="anak")),
            ("officer, closed", officer_actor, finder.Criteria(state="closed")),
        ]
        print(f"Complaint search on PostgreSQL, first page of 50 and the capped count, {args.repeat} calls each, "
              f"milliseconds (p50 / p95)")
        stored = 0
        for size in sizes:
            started = time.perf_counter()
            with engine.begin() as conn:  # a bulk load builds the text index once, afterwards
                conn.execute(text("DROP INDEX IF EXISTS ix_complaints_description_words"))
            _grow(engine, ids, stored, size, now)
            with engine.begin() as conn:
                conn.execute(text("CREATE INDEX ix_complaints_description_words ON complaints "
                                  "USING gin (to_tsvector('simple', description))"))
                conn.execute(text("ANALYZE complaints"))
                conn.execute(text("ANALYZE reporters"))
            stored = size
            print(f"\n{size:,} complaints (loaded in {time.perf_counter() - started:.0f} s, "
                  f"load {os.getloadavg()[0]:.1f})")
            worst = 0.0
            with Session(engine) as session:
                for label, actor, criteria in cases:
                    found = finder.search(session, actor, criteria)
                    p50, p95, _cpu = _measure(lambda: finder.search(session, actor, criteria), args.repeat)
                    worst = max(worst, p95)
                    shown = f"{found.total:,}" if not found.more_than_cap else f">{finder.COUNT_CAP:,}"
                    print(f"  {label:<18} {shown:>8} found   {p50:7.1f} / {p95:7.1f}")

            def http(path):
                def call():
                    response = client.get(path)
                    assert response.status_code == 200, response.status_code
                return call
            h50, h95, _cpu = _measure(http("/complaints?q=lansia+sendiri&state=closed"), args.repeat)
            print(f"  {'HTTP page':<18} {'':>8}         {h50:7.1f} / {h95:7.1f}")
            print(f"  search p95, worst case: {worst:.1f} ms; HTTP p95 {h95:.1f} ms", flush=True)
    finally:
        engine.dispose()
        drop_schema(admin, SCHEMA)
        admin.dispose()


if __name__ == "__main__":
    main()
