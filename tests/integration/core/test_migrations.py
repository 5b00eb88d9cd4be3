"""Migrations: an empty database goes to head and back, and models never drift from them."""
import uuid

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


def test_models_and_migrations_do_not_drift(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], f"models differ from migrations; write a migration: {diff}"


def test_the_revision_chain_has_a_single_head():
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1, heads


def test_migration_0009_keeps_the_photos_the_web_stored_and_drops_paths_a_client_claimed(connection, session, submit,
                                                                                       tmp_path):
    from app.models import Complaint, ComplaintFile
    from app.services.lifecycle import complaint_files

    web, claimed, located = submit(), submit(), submit()
    session.commit()
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

    migrate.downgrade(revision="0008", connection=connection)
    session.expire_all()
    assert connection.execute(select(table.c.handle_evidence).where(table.c.id == web.id)).scalar() == \
        {"photo": stored_path, "lat": -8.2, "lon": 114.3}
    migrate.upgrade(connection=connection)
