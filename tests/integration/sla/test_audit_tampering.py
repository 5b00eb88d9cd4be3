"""`audit verify` catches what a database administrator could do to move a figure: edit a fact
column, delete a breach, delete the last event, rebuild an edited chain without the key; a
checkpoint catches even the key holder; a clean trail verifies. (Here because the SLA driver
makes the breaches that figures count.)"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from app.domain.actor import Actor
from app.domain.audit_chain import GENESIS, event_hash, head_seal
from app.models import Breach, Category, Complaint, Event
from app.services import audit, lifecycle
from config import DEVELOPMENT_AUDIT_KEY
from tests.conftest import T0

KEY = DEVELOPMENT_AUDIT_KEY.encode()


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def staff(sla, username) -> Actor:
    user = sla.user(username)
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.jurisdiction_id, name=user.name)


@pytest.fixture
def history(sla):
    """Complaints that went through every fact a figure reads: late acknowledgement and handling
    (two breaches met late), a reopen, resolve and close; triage breached then assigned; a transfer;
    a rejection; a repeat linked to an earlier report."""
    s = sla.session
    officer, supervisor = staff(sla, "officer.dinsos"), staff(sla, "supervisor")
    late = sla.submit(at=at(0))
    triaged = sla.submit(category="medical_care", jurisdiction="sabu_raijua", village="Mebba", at=at(0))
    moved = sla.submit(at=at(0))
    spam = sla.submit(at=at(0))
    lifecycle.transfer(s, at(10), moved.ticket, officer, agency="bwi-dispendik", note="Urusan sekolah")
    lifecycle.reject(s, at(12), spam.ticket, supervisor, reason="spam")
    lifecycle.acknowledge(s, at(20), moved.ticket, staff(sla, "officer.dispendik"))
    sla.tick(at(45))
    lifecycle.assign(s, at(50), triaged.ticket, staff(sla, "supervisor.srj"), agency="srj-dinsos")
    lifecycle.acknowledge(s, at(55), late.ticket, officer)
    lifecycle.handle(s, at(60), moved.ticket, staff(sla, "officer.dispendik"), note="Sekolah dihubungi")
    repeat = sla.submit(at=at(100))
    lifecycle.link_repeat(s, at(101), repeat.ticket, officer, of_ticket=late.ticket)
    sla.tick(at(250))
    lifecycle.handle(s, at(275), late.ticket, officer, note="Beras diantar")
    lifecycle.reopen(s, at(300), late.ticket, supervisor, note="Warga: belum ada yang datang")
    lifecycle.handle(s, at(320), late.ticket, officer, note="Dikunjungi lagi")
    lifecycle.resolve(s, at(400), late.ticket, officer)
    lifecycle.close(s, at(5000), late.ticket)
    s.expire_all()
    return {"late": late, "triaged": triaged, "moved": moved, "spam": spam, "repeat": repeat}


def problems(session) -> list[str]:
    session.expire_all()
    return [str(p) for p in audit.verify_all(session, batch=2)]  # small batches: the keyset walk too


def test_a_full_history_verifies_and_records_each_breach_met_with_its_minutes_late(sla, history):
    session = sla.session
    assert problems(session) == []
    late = history["late"]
    breaches = {b.kind: b for b in session.scalars(select(Breach).where(Breach.complaint_id == late.id))}
    assert set(breaches) == {"acknowledge", "handle"}
    met = [e.data for e in audit.events_of(session, late.id) if e.kind == "breach_met"]
    assert [(m["kind"], m["minutes_late"]) for m in met] == [("acknowledge", 25), ("handle", 35)]
    assert breaches["handle"].minutes_late == 35
    triage_met = [e.data for e in audit.events_of(session, history["triaged"].id) if e.kind == "breach_met"]
    assert [(m["kind"], m["minutes_late"]) for m in triage_met] == [("triage", 20)]
    assert session.get(Complaint, late.id).audit_seq == len(audit.events_of(session, late.id))


# column, value written behind the application's back, the field verify names
FACT_EDITS = [
    ("late", "received_at", at(30), "received_at"),
    ("late", "ack_due_at", at(60), "ack_due_at"),
    ("late", "handle_due_at", at(300), "handle_due_at"),
    ("late", "acknowledged_at", at(25), "acknowledged_at"),
    ("late", "handled_at", at(230), "handled_at"),
    ("late", "resolved_at", None, "resolved_at"),
    ("late", "closed_at", None, "closed_at"),
    ("late", "status", "handled", "status"),
    ("late", "reopened_count", 0, "reopened_count"),
    ("late", "ack_breached", False, "ack_breached"),
    ("late", "handle_breached", False, "handle_breached"),
    ("late", "district_id", None, "district"),
    ("moved", "agency_id", "bwi-dinsos", "agency"),
    ("triaged", "triage_due_at", at(90), "triage_due_at"),
    ("spam", "rejected_at", None, "rejected_at"),
    ("spam", "reject_reason", "duplicate", "reject_reason"),
    ("repeat", "handle_due_at", at(340), "handle_due_at"),
    ("repeat", "repeat_of_id", None, "repeat_of"),
    ("late", "repeat_of_id", "spam", "repeat_of"),  # a breached complaint hidden as a repeat (left out)
    ("late", "duplicate_of_id", "spam", "duplicate_of"),
    ("late", "category_id", "school_dropout", "category"),
    ("late", "sla_policy_id", "triaged", "sla_policy_id"),  # Sabu Raijua's policy
]


def test_editing_any_fact_column_is_caught_naming_ticket_and_field(sla, history, connection):
    session = sla.session
    table = Complaint.__table__
    for name, column, value, field in FACT_EDITS:
        complaint = history[name]
        original = connection.execute(select(table.c[column]).where(table.c.id == complaint.id)).scalar()
        if column == "agency_id":
            value = sla.agency(value).id
        elif column in ("repeat_of_id", "duplicate_of_id") and value is not None:
            value = history[value].id
        elif column == "sla_policy_id":
            value = history[value].sla_policy_id
        elif column == "category_id":
            value = connection.execute(select(Category.__table__.c.id).where(Category.__table__.c.code == value)).scalar()
        connection.execute(table.update().where(table.c.id == complaint.id).values({column: value}))
        found = problems(session)
        assert any(p.startswith(f"{complaint.ticket} {field}: row ") for p in found), (column, found)
        assert all(p.startswith(complaint.ticket) for p in found), found
        connection.execute(table.update().where(table.c.id == complaint.id).values({column: original}))
    assert problems(session) == []


def test_the_report_line_gives_row_and_chain_times(sla, history, connection, app):
    late = history["late"]
    connection.execute(update(Complaint.__table__).where(Complaint.__table__.c.id == late.id)
                       .values(handled_at=datetime(2026, 11, 23, 4, 10, tzinfo=at(0).tzinfo)))
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--quiet"])
    assert result.exit_code == 1
    assert f"{late.ticket} handled_at: row 2026-11-23 04:10 UTC, chain 2026-11-23 07:20 UTC" in result.output
    assert "1 of 5 complaints fail verification" in result.output


@pytest.mark.parametrize("edit, field", [
    ({"minutes_late": 5}, "breach handle minutes_late"),
    ({"met_at": at(245)}, "breach handle met_at"),
    ({"due_at": at(270)}, "breach handle due_at"),
    ({"detected_at": at(260)}, "breach handle detected_at"),
    ({"official_id": None}, "breach handle official_id"),
    ({"agency_id": "bwi-dispendik"}, "breach handle agency"),
])
def test_editing_a_breach_row_is_caught(sla, history, connection, edit, field):
    late = history["late"]
    if "agency_id" in edit:
        edit = {"agency_id": sla.agency(edit["agency_id"]).id}
    connection.execute(update(Breach.__table__).where(Breach.__table__.c.complaint_id == late.id,
                                                      Breach.__table__.c.kind == "handle").values(edit))
    found = problems(sla.session)
    assert any(p.startswith(f"{late.ticket} {field}: row ") for p in found), found


def test_a_moved_agency_breach_or_category_reads_by_code_on_both_sides(sla, history, connection):
    """The auditor reads codes and usernames, not row ids, on both sides of a difference."""
    late, moved = history["late"], history["moved"]
    table = Complaint.__table__
    connection.execute(table.update().where(table.c.id == moved.id).values(agency_id=sla.agency("bwi-dinsos").id))
    school = connection.execute(select(Category.__table__.c.id).where(Category.__table__.c.code == "school_dropout"))
    connection.execute(table.update().where(table.c.id == late.id).values(category_id=school.scalar()))
    connection.execute(update(Breach.__table__).where(Breach.__table__.c.complaint_id == late.id,
                                                      Breach.__table__.c.kind == "handle")
                       .values(official_id=sla.user("admin").id, agency_id=sla.agency("bwi-dispendik").id))
    found = problems(sla.session)
    assert f"{moved.ticket} agency: row bwi-dinsos, chain bwi-dispendik" in found, found
    assert f"{late.ticket} category: row school_dropout, chain hunger" in found, found
    assert f"{late.ticket} breach handle agency: row bwi-dispendik, chain bwi-dinsos" in found, found
    assert any(p.startswith(f"{late.ticket} breach handle official_id: row admin, chain head.dinsos") for p in found), found


def test_a_deleted_breach_names_its_deadline_like_every_other_time(sla, history, connection):
    late = history["late"]
    due = connection.execute(select(Breach.__table__.c.due_at).where(
        Breach.__table__.c.complaint_id == late.id, Breach.__table__.c.kind == "handle")).scalar()
    connection.execute(delete(Breach.__table__).where(Breach.__table__.c.complaint_id == late.id,
                                                      Breach.__table__.c.kind == "handle"))
    due_text = due.astimezone(at(0).tzinfo).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert f"{late.ticket} breach handle missing (the chain records it, due {due_text})" in problems(sla.session)


def test_deleting_a_breach_is_caught(sla, history, connection):
    late = history["late"]
    connection.execute(delete(Breach.__table__).where(Breach.__table__.c.complaint_id == late.id,
                                                      Breach.__table__.c.kind == "handle"))
    found = problems(sla.session)
    assert any(p.startswith(f"{late.ticket} breach handle missing") for p in found), found


def _delete_last_event(connection, complaint) -> None:
    events = Event.__table__
    last = connection.execute(select(events.c.seq).where(events.c.complaint_id == complaint.id)
                              .order_by(events.c.seq.desc()).limit(1)).scalar()
    connection.execute(delete(events).where(events.c.complaint_id == complaint.id, events.c.seq == last))


def test_deleting_the_last_event_is_caught(sla, history, connection):
    late = history["late"]
    _delete_last_event(connection, late)  # "closed": the row still says closed
    found = problems(sla.session)
    assert any(p.startswith(f"{late.ticket} chain head records") and "deleted at the end" in p
               for p in found), found


def _rebuild(connection, complaint, key: bytes | None, *, edit=None) -> None:
    """What someone with database access would do: edit an event, recompute every hash and the
    head, so that links and counts hold again (with `key`: the key holder)."""
    events = Event.__table__
    rows = connection.execute(select(events).where(events.c.complaint_id == complaint.id)
                              .order_by(events.c.seq)).all()
    prev = GENESIS
    for row in rows:
        data = dict(row.data or {})
        at_time = row.at
        if edit:
            at_time, data = edit(row, at_time, data)
        digest = event_hash(ticket=complaint.ticket, seq=row.seq, kind=row.kind, at=at_time, actor=row.actor,
                            note=row.note, data=data, prev_hash=prev, key=key)
        connection.execute(update(events).where(events.c.id == row.id)
                           .values(at=at_time, data=data, prev_hash=prev, hash=digest))
        prev = digest
    seal = head_seal(key, complaint.ticket, len(rows), prev) if key else None
    connection.execute(update(Complaint.__table__).where(Complaint.__table__.c.id == complaint.id)
                       .values(audit_seq=len(rows), audit_seal=seal))


def _handled_earlier(row, at_time, data):
    if row.kind == "handled" and row.seq == max_seq_handled[0]:
        return at(230), data
    return at_time, data


max_seq_handled = [0]


def test_an_edited_chain_rebuilt_without_the_key_is_caught(sla, history, connection):
    late = history["late"]
    max_seq_handled[0] = max(e.seq for e in audit.events_of(sla.session, late.id) if e.kind == "handled")
    connection.execute(update(Complaint.__table__).where(Complaint.__table__.c.id == late.id)
                       .values(handled_at=at(230)))
    for key in (b"a key guessed by the administrator", None):  # a wrong key; unkeyed, posing as an old chain
        _rebuild(connection, late, key, edit=_handled_earlier)
        found = problems(sla.session)
        assert any(p.startswith(f"{late.ticket} event ") and "does not match its hash" in p for p in found) \
            or any(p.startswith(f"{late.ticket} chain is not keyed") for p in found), found


def test_a_shortened_chain_with_its_head_rewritten_is_caught(sla, history, connection):
    late = history["late"]
    _delete_last_event(connection, late)
    last = audit.events_of(sla.session, late.id)[-1]
    connection.execute(update(Complaint.__table__).where(Complaint.__table__.c.id == late.id)
                       .values(audit_seq=last.seq, status="resolved", closed_at=None))
    found = problems(sla.session)
    assert found == [f"{late.ticket} chain head seal does not match its last event (the head or the tail was "
                     "rewritten)"], found


def test_the_key_holders_rebuild_passes_verify_but_not_the_checkpoint(sla, history, connection, app, tmp_path):
    late, spam = history["late"], history["spam"]
    spam_ticket = spam.ticket
    runner = app.test_cli_runner()
    path = tmp_path / "checkpoint.json"
    result = runner.invoke(args=["audit", "checkpoint", "--out", str(path)])
    assert result.exit_code == 0, result.output
    doc = json.loads(path.read_text())
    assert doc["complaints"] == 5 and len(doc["digest"]) == 64 and doc["created_at"] == "2026-11-23T06:10:00Z"  # the clock, moved by the last tick
    assert runner.invoke(args=["audit", "verify", "--quiet", "--against", str(path)]).exit_code == 0

    max_seq_handled[0] = max(e.seq for e in audit.events_of(sla.session, late.id) if e.kind == "handled")
    connection.execute(update(Complaint.__table__).where(Complaint.__table__.c.id == late.id)
                       .values(handled_at=at(230)))
    _rebuild(connection, late, KEY, edit=_handled_earlier)
    connection.execute(delete(Complaint.__table__).where(Complaint.__table__.c.id == spam.id))
    assert problems(sla.session) == []  # the key holder can: that is what the checkpoint is for

    result = runner.invoke(args=["audit", "verify", "--quiet", "--against", str(path)])
    assert result.exit_code == 1
    assert f"{late.ticket} the chain no longer reaches the head the checkpoint recorded" in result.output
    assert f"{spam_ticket} in the checkpoint but no longer in the database (deleted)" in result.output

    path.write_text(path.read_text().replace(late.ticket, spam_ticket, 1))
    result = runner.invoke(args=["audit", "verify", "--quiet", "--against", str(path)])
    assert result.exit_code == 1 and "does not match its own digest" in result.output


def test_old_unkeyed_chains_are_reported_until_rekey_keys_them_and_a_tampered_one_is_refused(
        sla, history, connection, app):
    late, moved = history["late"], history["moved"]
    for complaint in history.values():  # as written before keys, and as migration 0016 leaves them
        _rebuild(connection, complaint, None)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify", "--quiet"])
    assert result.exit_code == 1 and f"{late.ticket} chain is not keyed" in result.output
    connection.execute(update(Event.__table__).where(Event.__table__.c.complaint_id == moved.id,
                                                     Event.__table__.c.seq == 1).values(note="diubah"))
    sla.session.expire_all()  # the application reads the row afresh: an old chain gets an old link
    # (the repeat was handled with its original: a remark is what can still be added to its trail)
    lifecycle.comment(sla.session, at(6000), history["repeat"].ticket, staff(sla, "officer.dinsos"),
                      note="sudah dicek")

    result = runner.invoke(args=["audit", "rekey"])
    assert result.exit_code == 1
    assert f"not rekeyed: {moved.ticket} event 1 (received): content does not match its hash" in result.output
    assert "4 chain(s) keyed, 0 already keyed, 1 refused" in result.output
    found = problems(sla.session)
    assert found and all(p.startswith(moved.ticket) for p in found)


def test_rotating_the_key_rekeys_complaint_chains_and_post_trails_so_verify_holds_under_the_new_key(
        sla, history, settings, clock, engine, connection):
    """SIGAP_AUDIT_PREVIOUS_KEY + `audit rekey`: every chain moves to the new key, the accountable
    posts' trails too (sealed since migration 0033), and `audit verify` then finds nothing."""
    from dataclasses import replace as with_fields

    from app import create_app

    rotated = with_fields(settings, audit_key="rotated-key-" + "9" * 20, audit_previous_key=settings.audit_key)
    app = create_app(settings=rotated, clock=clock, engine=engine)
    app.extensions["sigap"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    runner = app.test_cli_runner()
    before = runner.invoke(args=["audit", "verify", "--quiet"])
    assert before.exit_code == 1 and "agency_head:bwi-dinsos" in before.output  # a post trail, under the old key
    result = runner.invoke(args=["audit", "rekey"])
    assert result.exit_code == 0, result.output
    assert "post trails:" in result.output and " keyed, 0 already keyed" in result.output
    after = runner.invoke(args=["audit", "verify", "--quiet"])
    assert after.exit_code == 0, after.output
    again = runner.invoke(args=["audit", "rekey"])
    assert again.exit_code == 0 and "post trails: 0 keyed" in again.output
