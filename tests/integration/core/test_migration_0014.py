"""Migration 0014 on a database with data: today's heads hold their posts from the start of the
records, every place gets its post, and the figures that read "the head now" are pinned."""
from datetime import datetime, timezone

from sqlalchemy import text

from app import migrate
from tests.integration.core.test_migrations import _fresh_engine


def test_todays_heads_become_holders_from_the_start_of_their_jurisdictions_records(tmp_path):
    engine, cleanup = _fresh_engine(tmp_path)
    try:
        with engine.begin() as conn:
            migrate.upgrade(revision="0013", connection=conn)
            conn.execute(text("""INSERT INTO jurisdictions (id, code, name, timezone, ticket_prefix)
                VALUES (1, 'banyuwangi', 'Kabupaten Banyuwangi', 'Asia/Jakarta', 'BWI')"""))
            conn.execute(text("INSERT INTO districts (id, jurisdiction_id, code, name) VALUES (1, 1, '35.10.01', 'A')"))
            conn.execute(text("""INSERT INTO agencies (id, jurisdiction_id, code, name, is_supervisor, head_name, head_title)
                VALUES (1, 1, 'bwi-dinsos', 'Dinas Sosial', false, 'Henik Setyorini', 'Kepala Dinas Sosial'),
                       (2, 1, 'bwi-dinkes', 'Dinas Kesehatan', false, NULL, NULL)"""))
            conn.execute(text("""INSERT INTO performance_rollups (jurisdiction_id, month, dim, key_a, key_b, key_c, kind,
                    bucket, n, handled, handled_on_time, handled_late, ack_on_time, ack_late, reopened)
                VALUES (1, '2026-10-01', 'official', 1, NULL, true, 'count', 0, 3, 3, 2, 1, 3, 0, 0)"""))
        with engine.begin() as conn:
            migrate.upgrade(revision="0014", connection=conn)
            keys = set(conn.execute(text("SELECT key FROM posts")).scalars())
            holders = conn.execute(text("""SELECT p.key, h.name, h.title, h.until_at FROM post_holders h
                JOIN posts p ON p.id = h.post_id""")).all()
            pinned = conn.execute(text("SELECT key_c FROM performance_rollups")).scalar()
        assert {"agency_head:bwi-dinsos", "agency_head:bwi-dinkes", "camat:banyuwangi:35.10.01", "regent:banyuwangi",
                "regional_secretary:banyuwangi", "triage_desk:banyuwangi"} <= keys
        assert [tuple(h[:3]) for h in holders] == [("agency_head:bwi-dinsos", "Henik Setyorini", "Kepala Dinas Sosial")]
        assert holders[0][3] is None and not pinned
        with engine.begin() as conn:
            migrate.downgrade(revision="0013", connection=conn)
            assert conn.execute(text("SELECT head_name FROM agencies WHERE id = 1")).scalar() == "Henik Setyorini"
    finally:
        cleanup()


def test_the_demo_story_gives_banyuwangi_the_two_hour_rule_from_october_2025_a_handover_and_contracts(tmp_path):
    from sqlalchemy.orm import Session

    from app.models import SlaPolicy
    from app.models.performance import PerformanceContract
    from app.services import posts
    from app.services.demo import seed
    from config import load_settings

    engine, cleanup = _fresh_engine(tmp_path)
    now = datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)
    try:
        with engine.begin() as conn:
            migrate.upgrade(connection=conn)
        with Session(engine) as session:
            seed.seed_demo(session, now, load_settings().gazetteer_dir, story=True)
            session.commit()
            rules = [(p.effective_from, p.handle_minutes) for p in session.query(SlaPolicy).filter(
                SlaPolicy.jurisdiction_id == 1).order_by(SlaPolicy.effective_from)]
            assert rules == [(datetime(2024, 12, 31, 17, tzinfo=timezone.utc), 240),
                             (datetime(2025, 9, 30, 17, tzinfo=timezone.utc), 120)]
            dinsos = posts.list_posts(session, now, kind="agency_head", jurisdiction="banyuwangi")
            tenures = {p["key"]: [(t["name"], t["from"], t["until"]) for t in p["tenures"]] for p in dinsos}
            assert tenures["agency_head:bwi-dinsos"] == [
                ("Henik Setyorini", "2024-12-31T17:00:00Z", "2026-11-05T01:00:00Z"),
                ("Wahyu Kurniawan", "2026-11-05T01:00:00Z", None)]
            contracts = {(c.official.username, c.period): c.holder.name for c in session.query(PerformanceContract)}
            assert contracts[("head.dinsos", "2026-10")] == "Henik Setyorini"
            assert contracts[("head.dinsos.baru", "2026-12")] == "Wahyu Kurniawan"
            assert len(contracts) == 5
            assert seed.seed_demo(session, now, load_settings().gazetteer_dir, story=True).changed is False
    finally:
        cleanup()
