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
    assert "1 post(s) whose trail or holders do not verify" in result.output
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


def _handover(run, session):
    """Kepala Baru takes over agency_head:bwi-dinkes: the trail records the old tenure closed and
    the new one named (its last two events)."""
    assert run("posts", "assign", "agency_head:bwi-dinkes", "--name", "Kepala Baru", "--from", "2026-11-10").exit_code == 0
    old, new = _tenures(session, "agency_head:bwi-dinkes")[-2:]
    return session.scalar(select(Post).where(Post.key == "agency_head:bwi-dinkes")), old, new


def _undo_handover(connection, post, old, new, *, last_events: int) -> None:
    """What someone with database access would do to undo a handover: delete the trail's last events
    and the tenure they record, and reopen the old one."""
    from app.models.post import PostEvent

    events, holders = PostEvent.__table__, PostHolder.__table__
    top = connection.execute(select(events.c.seq).where(events.c.post_id == post.id)
                             .order_by(events.c.seq.desc()).limit(1)).scalar()
    connection.execute(events.delete().where(events.c.post_id == post.id, events.c.seq > top - last_events))
    connection.execute(holders.delete().where(holders.c.id == new.id))
    connection.execute(holders.update().where(holders.c.id == old.id).values(until_at=None))


def test_audit_verify_catches_a_posts_last_events_deleted_with_the_tenure_they_record(run, session, connection):
    """The post keeps its trail's head (count and keyed seal), as a complaint does: the trail's tail
    deleted with the post_holders row it records is caught, and so is the head rewritten to fit."""
    post, old, new = _handover(run, session)
    count = post.audit_seq
    assert count >= 2 and run("audit", "verify").exit_code == 0
    _undo_handover(connection, post, old, new, last_events=2)
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert (f"agency_head:bwi-dinkes trail head event count: row {count}, chain {count - 2} (2 event(s) deleted at "
            "the end)") in result.output, result.output
    assert "1 post(s) whose trail or holders do not verify" in result.output

    # Only the last event (the new head named) deleted, the head's count moved to fit: the seal gives it away.
    session.expire_all()
    post, old, new = _handover(run, session)  # a fresh handover on the reopened tenure (two events again)
    count = post.audit_seq
    _undo_handover(connection, post, old, new, last_events=1)
    connection.execute(Post.__table__.update().where(Post.__table__.c.id == post.id).values(audit_seq=count - 1))
    connection.execute(PostHolder.__table__.update().where(PostHolder.__table__.c.id == old.id)
                       .values(until_at=old.until_at))
    result = run("audit", "verify")
    assert result.exit_code == 1
    assert "agency_head:bwi-dinkes trail head seal: does not match its last event (the head or the tail was " \
           "rewritten)" in result.output, result.output


def test_a_post_trail_rebuilt_by_the_key_holder_passes_verify_but_not_the_checkpoint(run, session, connection,
                                                                                     tmp_path):
    import json

    from app.domain.audit_chain import GENESIS, event_hash, head_seal
    from app.models.post import PostEvent
    from config import DEVELOPMENT_AUDIT_KEY

    post, old, new = _handover(run, session)
    path = tmp_path / "checkpoint.json"
    result = run("audit", "checkpoint", "--out", str(path))
    assert result.exit_code == 0, result.output
    doc = json.loads(path.read_text())
    assert doc["format"] == "sigap-audit-checkpoint/2" and doc["posts"] >= 1
    count = post.audit_seq
    assert [post.id, "agency_head:bwi-dinkes", count] in [head[:3] for head in doc["post_heads"]]
    assert run("audit", "verify", "--quiet", "--against", str(path)).exit_code == 0

    # The key holder moves the handover a month earlier, in the trail and the tenures, and reseals it.
    moved = new.from_at - timedelta(days=30)
    events, holders = PostEvent.__table__, PostHolder.__table__
    key, prev = DEVELOPMENT_AUDIT_KEY.encode(), GENESIS
    for row in connection.execute(select(events).where(events.c.post_id == post.id).order_by(events.c.seq)).all():
        data = dict(row.data or {})
        field = {count - 1: "until", count: "from"}.get(row.seq)  # the old tenure closed, the new one named
        if field:
            data[field] = moved.isoformat()
        digest = event_hash(ticket=post.key, seq=row.seq, kind=row.kind, at=row.at, actor=row.actor, note=row.note,
                            data=data, prev_hash=prev, key=key)
        connection.execute(events.update().where(events.c.id == row.id).values(data=data, prev_hash=prev, hash=digest))
        prev = digest
    connection.execute(Post.__table__.update().where(Post.__table__.c.id == post.id)
                       .values(audit_seal=head_seal(key, post.key, count, prev)))
    connection.execute(holders.update().where(holders.c.id == new.id).values(from_at=moved))
    connection.execute(holders.update().where(holders.c.id == old.id).values(until_at=moved))
    result = run("audit", "verify", "--quiet")
    assert result.exit_code == 0, result.output  # the key holder can: that is what the checkpoint is for

    result = run("audit", "verify", "--quiet", "--against", str(path))
    assert result.exit_code == 1
    assert (f"agency_head:bwi-dinkes the trail no longer reaches the head the checkpoint recorded (event {count}): "
            "changed since the checkpoint") in result.output, result.output

    # A complaints-only checkpoint (format 1, before posts were sealed) is still read.
    old_file = tmp_path / "old.json"
    import hashlib
    created = doc["created_at"]
    old_doc = {"format": "sigap-audit-checkpoint/1", "created_at": created, "heads": doc["heads"],
               "complaints": doc["complaints"]}
    digest = hashlib.sha256(f"sigap-audit-checkpoint/1\n{created}\n".encode())
    for head in doc["heads"]:
        digest.update((json.dumps(head, separators=(",", ":"), ensure_ascii=False) + "\n").encode())
    old_doc["digest"] = digest.hexdigest()
    old_file.write_text(json.dumps(old_doc))
    result = run("audit", "verify", "--quiet", "--against", str(old_file))
    assert result.exit_code == 0 and "does not match its own digest" not in result.output, result.output
