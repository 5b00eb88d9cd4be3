"""`posts assign | list | import` and `sla set-target --retroactive`, run as an operator would."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import SlaPolicy
from app.models.post import Post, PostHolder


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args))

    return invoke


def _tenures(session, key):
    session.expire_all()
    return list(session.scalars(select(PostHolder).join(Post).where(Post.key == key).order_by(PostHolder.from_at)))


def test_posts_assign_names_a_camat_and_list_shows_the_history(run, session):
    result = run("posts", "assign", "camat:banyuwangi:35.10.01", "--name", "Ahmad Fauzi", "--title", "Camat Pesanggaran",
                 "--from", "2026-11-01")
    assert result.exit_code == 0, result.output
    assert "camat:banyuwangi:35.10.01: Ahmad Fauzi holds it from 2026-10-31 17:00 UTC" in result.output
    result = run("posts", "list", "--kind", "agency_head", "--jurisdiction", "banyuwangi", "--history")
    assert "agency_head:bwi-dinsos\tHenik Setyorini" in result.output and "@head.dinsos" in result.output
    bad = run("posts", "assign", "camat:banyuwangi:99.99", "--name", "X")
    assert bad.exit_code == 1 and "no post 'camat:banyuwangi:99.99'" in bad.output and "Traceback" not in bad.output


def test_posts_import_is_all_or_nothing_with_line_numbers(run, session, tmp_path):
    before = _tenures(session, "agency_head:bwi-dispendik")
    bad = tmp_path / "bad.csv"
    bad.write_text("post,username,name,from\n"
                   "regent:banyuwangi,,Bupati Baru,2026-02-01\n"
                   "agency_head:nope,,Someone,2026-02-01\n"
                   "agency_head:bwi-dispendik,,Later Head,yesterday-ish\n")
    result = run("posts", "import", str(bad))
    assert result.exit_code == 1 and "2 problem(s), nothing stored" in result.output
    assert "line 3: no post 'agency_head:nope'" in result.output and "line 4:" in result.output
    assert _tenures(session, "agency_head:bwi-dispendik") == before
    assert [t.name for t in _tenures(session, "regent:banyuwangi")] == ["Ipuk Fiestiandani"]
    good = tmp_path / "good.csv"
    good.write_text("post,username,name,title,from\n"
                    "agency_head:bwi-dispendik,,Kepala Baru,Kepala Dinas Pendidikan,2026-09-01 08:00\n"
                    "agency_head:bwi-dispendik,,Kepala Lain,,2026-03-01\n")
    result = run("posts", "import", str(good))
    assert result.exit_code == 0, result.output
    names = [(t.name, t.until_at is None) for t in _tenures(session, "agency_head:bwi-dispendik")]
    assert names == [("Suratno", False), ("Kepala Lain", False), ("Kepala Baru", True)]


def test_posts_import_of_a_missing_or_non_utf8_file_says_so_in_one_line(run, tmp_path):
    missing = run("posts", "import", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1 and missing.output.startswith(f"Error: no file at {tmp_path / 'nope.csv'}")
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("post,name,from\nregent:banyuwangi,Désa,2026-02-01\n".encode("latin-1"))
    result = run("posts", "import", str(latin))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == "Error: latin1.csv: not UTF-8 text (byte 34); save it as UTF-8"
    bom = tmp_path / "excel.csv"  # Excel's "CSV UTF-8" starts with a byte-order mark: read as if it did not
    bom.write_bytes("post,username,name,from\nregent:banyuwangi,,Bupati Baru,2026-02-01\n".encode("utf-8-sig"))
    imported = run("posts", "import", str(bom))
    assert imported.exit_code == 0, imported.output


def test_set_target_in_the_past_needs_retroactive_and_lists_the_complaints_it_would_have_governed(
        run, session, clock):
    from app.services import intake

    first = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger", village="Sarongan",
                          description="Seorang nenek belum makan sejak kemarin")
    session.commit()
    clock.advance(minutes=30)
    before = session.scalars(select(SlaPolicy.id)).all()
    starts = (clock.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    refused = run("sla", "set-target", "--jurisdiction", "banyuwangi", "--handle-minutes", "120",
                  "--effective-from", starts)
    assert refused.exit_code == 1 and "is in the past" in refused.output and "--retroactive" in refused.output
    assert session.scalars(select(SlaPolicy.id)).all() == before
    due = first.handle_due_at
    result = run("sla", "set-target", "--jurisdiction", "banyuwangi", "--handle-minutes", "120",
                 "--effective-from", starts, "--retroactive")
    assert result.exit_code == 0, result.output
    assert "retroactive: 1 complaint(s)" in result.output and first.ticket in result.output
    session.refresh(first)
    assert first.handle_due_at == due


def test_audit_verify_catches_a_handover_moved_undone_or_invented_in_the_database(run, session, connection):
    """Attribution by tenure reads post_holders: moving a handover in the table would move figures
    between officials, so `audit verify` compares every tenure with its post's trail."""
    assert run("posts", "assign", "agency_head:bwi-dinkes", "--name", "Kepala Baru", "--from", "2026-11-10").exit_code == 0
    assert run("audit", "verify").exit_code == 0
    holders = PostHolder.__table__
    old, new = _tenures(session, "agency_head:bwi-dinkes")[-2:]
    moved = old.until_at - timedelta(days=30)
    connection.execute(holders.update().where(holders.c.id == new.id).values(from_at=moved))
    connection.execute(holders.update().where(holders.c.id == old.id).values(until_at=moved))
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "agency_head:bwi-dinkes holder Kepala Baru from: row 2026-10-10 17:00 UTC, chain 2026-11-09 17:00 UTC" \
        in result.output, result.output
    assert f"agency_head:bwi-dinkes holder {old.name} until: row 2026-10-10 17:00 UTC, chain 2026-11-09 17:00 UTC" \
        in result.output
    assert "1 post(s) whose holders do not match their trail" in result.output
    # Undone: the new head's row deleted, the old tenure reopened.
    connection.execute(holders.delete().where(holders.c.id == new.id))
    connection.execute(holders.update().where(holders.c.id == old.id).values(until_at=None))
    result = run("audit", "verify")
    assert "holder Kepala Baru (from 2026-11-09 17:00 UTC) is on the trail but not in post_holders" in result.output
    assert f"holder {old.name} until: row none, chain 2026-11-09 17:00 UTC" in result.output
    # Invented: a camat no event names, passed off as one migration 0014 made.
    post_id = session.scalar(select(Post.id).where(Post.key == "camat:banyuwangi:35.10.09"))
    connection.execute(holders.insert().values(post_id=post_id, name="Palsu", from_at=moved, assigned_by="migration 0014",
                                               assigned_at=moved))
    result = run("audit", "verify")
    assert "camat:banyuwangi:35.10.09 holder Palsu (from 2026-10-10 17:00 UTC) is on no event of the post's trail" \
        in result.output
