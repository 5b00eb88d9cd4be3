"""Migrations: an empty database goes to head and back, and models never drift from them."""
import re
import uuid
from datetime import datetime, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from app import migrate
from app.db import make_engine
from app.models import Base
from config import normalise_database_url
from tests.conftest import BACKEND, PG_URL


def _fresh_engine(tmp_path):
    if BACKEND == "postgresql":
        schema = f"mig_{uuid.uuid4().hex[:10]}"
        admin = make_engine(normalise_database_url(PG_URL))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in PG_URL else "?"
        engine = make_engine(normalise_database_url(PG_URL) + f"{sep}options=-csearch_path%3D{schema}")

        def cleanup():
            engine.dispose()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        return engine, cleanup
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    return engine, engine.dispose


def test_an_empty_database_upgrades_to_head_and_downgrades_to_nothing(tmp_path):
    engine, cleanup = _fresh_engine(tmp_path)
    try:
        with engine.begin() as conn:
            migrate.upgrade(connection=conn)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        with engine.begin() as conn:
            migrate.downgrade(revision="base", connection=conn)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        with engine.begin() as conn:
            migrate.upgrade(connection=conn)
    finally:
        cleanup()


# Expression indexes autogenerate cannot compare (it reflects them but skips the models' own): checked by name.
EXPRESSION_INDEXES = {"ix_complaints_description_words": "postgresql", "ix_complaints_open_counts": "postgresql"}


# PostgreSQL: events and outbox_messages are partitioned by month (0029); their partitions are tables
# the models do not declare, and every unique key carries the partition column (events: complaint_id,
# seq, at where SQLite keeps complaint_id, seq).
PARTITION = re.compile(r"^(events|outbox_messages)_(legacy|default|y\d{4}m\d{2})$")
PARTITIONED_UNIQUE = {"uq_events_complaint_id_seq"}


def _comparable(obj, name, type_, reflected, compare_to):
    if type_ == "index" and name in EXPRESSION_INDEXES:
        return False
    if type_ == "table" and name and PARTITION.match(name):
        return False
    if type_ in ("index", "unique_constraint") and PARTITION.match(getattr(getattr(obj, "table", None), "name", "")):
        return False
    return not (type_ == "unique_constraint" and name in PARTITIONED_UNIQUE and BACKEND == "postgresql")


def test_models_and_migrations_do_not_drift(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _comparable}), Base.metadata)
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("complaints")}
    assert diff == [], f"models differ from migrations; write a migration: {diff}"
    for name, dialect in EXPRESSION_INDEXES.items():
        assert (name in indexes) == (engine.dialect.name == dialect), name


def test_the_revision_chain_has_a_single_head():
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1, heads


def test_migration_0009_keeps_the_photos_the_web_stored_and_drops_paths_a_client_claimed(connection, session, submit,
                                                                                       tmp_path):
    from app.models import Complaint, ComplaintFile
    from app.services.lifecycle import complaint_files

    web, claimed, located = submit(), submit(), submit()
    session.commit()
    web_id = web.id  # read now: an expired complaint reloads with today's columns, not 0008's
    migrate.downgrade(revision="0008", connection=connection)
    stored_path = "evidence/0123456789abcdef01234567.jpg"
    evidence = {web.id: {"photo": stored_path, "lat": -8.2, "lon": 114.3}, claimed.id: {"photo": "sigap.db"},
                located.id: {"photo": "telegram/5/1.jpg", "lat": 1.5, "lon": 2.5}}
    table = Complaint.__table__
    for complaint_id, value in evidence.items():
        connection.execute(table.update().where(table.c.id == complaint_id).values(handle_evidence=value))
    migrate.upgrade(connection=connection)

    session.expire_all()
    [row] = session.scalars(select(ComplaintFile)).all()
    assert (row.complaint_id, row.stored_path, row.content_type, row.purpose) == (web.id, stored_path, "image/jpeg",
                                                                                  "evidence")
    assert session.get(Complaint, web.id).handle_evidence == {"photo": row.ref, "lat": -8.2, "lon": 114.3}
    assert session.get(Complaint, claimed.id).handle_evidence is None
    assert session.get(Complaint, located.id).handle_evidence == {"lat": 1.5, "lon": 2.5}
    (tmp_path / "evidence").mkdir()
    (tmp_path / stored_path).write_bytes(b"\xff\xd8\xff photo")
    assert complaint_files.resolve(session, session.get(Complaint, web.id), row.ref, tmp_path) == \
        (tmp_path / stored_path).resolve()

    web_id = web.id  # read now: the model's later columns cannot be loaded at 0008
    migrate.downgrade(revision="0008", connection=connection)
    session.expire_all()
    assert connection.execute(select(table.c.handle_evidence).where(table.c.id == web_id)).scalar() == \
        {"photo": stored_path, "lat": -8.2, "lon": 114.3}
    migrate.upgrade(connection=connection)


def test_migration_0009_gives_a_photo_two_complaints_name_to_the_one_that_handled_with_it_first(
        connection, session, submit, clock):
    """Before 0009 a client could name any file: the complaint handled with the photo first (whose
    handling stored it) gets it, the one that named it later loses it; the upgrade does not fail."""
    from datetime import timedelta

    from app.domain.actor import Actor
    from app.models import Complaint, ComplaintFile, Event
    from app.services import lifecycle

    supervisor = Actor(kind="user", id=None, role="supervisor", name="Supervisor", all_jurisdictions=True)
    claimer, owner = submit(), submit()  # the claimer has the lower id: the order is not by id
    lifecycle.handle(session, clock.now() + timedelta(minutes=5), owner.ticket, supervisor, note="Sembako diantar")
    lifecycle.handle(session, clock.now() + timedelta(minutes=30), claimer.ticket, supervisor, note="Sudah")
    session.commit()
    migrate.downgrade(revision="0008", connection=connection)
    stored_path = "evidence/abcdefabcdefabcdefabcdef.png"
    complaints, events = Complaint.__table__, Event.__table__
    for complaint in (claimer, owner):
        connection.execute(complaints.update().where(complaints.c.id == complaint.id)
                           .values(handle_evidence={"photo": stored_path}))
        connection.execute(events.update().where(events.c.complaint_id == complaint.id, events.c.kind == "handled")
                           .values(data={"evidence": {"photo": stored_path}}))
    migrate.upgrade(connection=connection)

    session.expire_all()
    [row] = session.scalars(select(ComplaintFile)).all()
    assert (row.complaint_id, row.stored_path, row.content_type) == (owner.id, stored_path, "image/png")
    assert row.created_at == clock.now() + timedelta(minutes=5)
    assert session.get(Complaint, owner.id).handle_evidence == {"photo": row.ref}
    assert session.get(Complaint, claimer.id).handle_evidence is None
    claimed = session.scalar(select(Event.data).where(Event.complaint_id == claimer.id, Event.kind == "handled"))
    assert claimed == {"evidence": {"photo": stored_path}}  # the trail keeps what was claimed


def test_migration_0016_counts_each_existing_chain_and_rekey_then_keys_it(connection, session, submit, app):
    """Chains written before 0016 (unkeyed) get their event count; `audit verify` reports them as
    not keyed until `audit rekey`, after which everything verifies."""
    from app.services import audit

    complaints = [submit(), submit()]
    tickets = [c.ticket for c in complaints]
    session.commit()
    migrate.downgrade(revision="0013", connection=connection)
    from app.domain.audit_chain import GENESIS, event_hash

    events = Base.metadata.tables["events"]  # unchanged at 0013: a Core select reads it with its types
    complaints_table = Base.metadata.tables["complaints"]
    for ticket in tickets:  # what the previous release wrote: unkeyed SHA-256 links
        rows = connection.execute(
            select(events.c.id, events.c.seq, events.c.kind, events.c.at, events.c.actor, events.c.note, events.c.data)
            .join(complaints_table, complaints_table.c.id == events.c.complaint_id)
            .where(complaints_table.c.ticket == ticket).order_by(events.c.seq)).all()
        prev = GENESIS
        for row in rows:
            digest = event_hash(ticket=ticket, seq=row.seq, kind=row.kind, at=row.at, actor=row.actor,
                                note=row.note, data=row.data, prev_hash=prev)
            connection.execute(events.update().where(events.c.id == row.id).values(prev_hash=prev, hash=digest))
            prev = digest
    migrate.upgrade(connection=connection)
    counts = dict(connection.execute(text("SELECT ticket, audit_seq FROM complaints WHERE audit_seal IS NULL")).all())
    assert counts == {tickets[0]: 2, tickets[1]: 2}

    session.expire_all()
    runner = app.test_cli_runner()
    before = runner.invoke(args=["audit", "verify", "--quiet"])
    assert before.exit_code == 1 and f"{tickets[0]} chain is not keyed" in before.output
    rekeyed = runner.invoke(args=["audit", "rekey"])
    assert rekeyed.exit_code == 0 and "2 chain(s) keyed" in rekeyed.output, rekeyed.output
    assert audit.verify_all(session) == []


def test_migration_0015_marks_existing_unbound_supervisors_and_officials_province_wide(connection, session):
    from app.models import ApiToken, User

    migrate.downgrade(revision="0013", connection=connection)
    users, tokens = User.__table__, ApiToken.__table__
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    for username, role, jurisdiction in (("old.inspektorat", "official", None), ("old.sup", "supervisor", None),
                                         ("old.bound", "supervisor", 1), ("old.admin", "admin", None)):
        connection.execute(text("INSERT INTO users (username, name, role, jurisdiction_id, language, active, "
                                   "session_version, failed_logins, created_at) VALUES (:u, :u, :r, :j, 'id', :t, 1, "
                                   "0, :now)"), {"u": username, "r": role, "j": jurisdiction, "t": True, "now": now})
    connection.execute(text("INSERT INTO api_tokens (token_hash, prefix, role, created_at) "
                               "VALUES ('h-old', 'sgp_old', 'supervisor', :now)"), {"now": now})
    migrate.upgrade(connection=connection)

    wide = dict(connection.execute(select(users.c.username, users.c.all_jurisdictions)
                                   .where(users.c.username.like("old.%"))).all())
    assert wide == {"old.inspektorat": True, "old.sup": True, "old.bound": False, "old.admin": False}
    assert connection.execute(select(tokens.c.all_jurisdictions).where(tokens.c.prefix == "sgp_old")).scalar() is True
    migrate.downgrade(revision="0013", connection=connection)
    assert "all_jurisdictions" not in {c["name"] for c in inspect(connection).get_columns("users")}
    migrate.upgrade(connection=connection)


def test_migration_0033_backfills_each_posts_trail_head_as_the_application_keeps_it(connection, session, app):
    """Post trails were keyed from their first event: 0033 gives each post the head (count and seal)
    the application would have kept, so a clean database still verifies; a trail that does not verify
    under the key gets its count and no seal, which `audit verify` reports."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["posts", "assign", "agency_head:bwi-dinkes", "--name", "Kepala Baru",
                               "--from", "2026-11-10"]).exit_code == 0
    heads = "SELECT key, audit_seq, audit_seal FROM posts WHERE audit_seq > 0 ORDER BY key"
    before = connection.execute(text(heads)).all()
    assert ("agency_head:bwi-dinkes" in {row.key for row in before}
            and all(row.audit_seal for row in before))
    session.commit()
    migrate.downgrade(revision="0032", connection=connection)
    assert "audit_seq" not in {c["name"] for c in inspect(connection).get_columns("posts")}
    migrate.upgrade(connection=connection)
    assert connection.execute(text(heads)).all() == before
    session.expire_all()
    assert runner.invoke(args=["audit", "verify", "--quiet"]).exit_code == 0

    migrate.downgrade(revision="0032", connection=connection)
    connection.execute(text("UPDATE post_events SET note = 'diubah' WHERE seq = 1 AND post_id = "
                            "(SELECT id FROM posts WHERE key = 'agency_head:bwi-dinkes')"))
    migrate.upgrade(connection=connection)
    seq, seal = connection.execute(text("SELECT audit_seq, audit_seal FROM posts "
                                        "WHERE key = 'agency_head:bwi-dinkes'")).one()
    assert seq == dict((row.key, row.audit_seq) for row in before)["agency_head:bwi-dinkes"] and seal is None
    session.expire_all()
    result = runner.invoke(args=["audit", "verify", "--quiet"])
    assert result.exit_code == 1
    assert "agency_head:bwi-dinkes trail head seal: none (not sealed; the post's next event seals it)" in result.output
