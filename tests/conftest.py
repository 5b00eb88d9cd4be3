"""Shared fixtures: a migrated database (SQLite, or PostgreSQL in its own schema), the demo
seed loaded once, each test inside a rolled-back transaction, and a frozen clock."""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import create_app
from app.clock import FrozenClock
from app.db import make_engine, make_sessionmaker
from config import load_settings, normalise_database_url

BACKEND = os.environ.get("SIGAP_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("TEST_DATABASE_URL")
# Monday 23 November 2026, 09:00 in Banyuwangi (WIB, UTC+7).
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)

# Reference data loaded once per test session (the demo seed); every other table holds what tests
# create and is emptied after a committing test, children first.
REFERENCE_TABLES = {"alembic_version", "categories", "jurisdictions", "agencies", "districts", "villages",
                    "sla_policies", "users", "routing_rules", "escalation_contacts", "sms_numbers",
                    "performance_contracts", "reference_versions",
                    "posts", "post_holders", "post_events"}


def _transactional_tables() -> list[str]:
    from app.models import Base

    return [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]


TRANSACTIONAL_TABLES = _transactional_tables()


def pytest_report_header(config):
    return f"sigap test database: {BACKEND}" + (f" ({PG_URL})" if BACKEND == "postgresql" else "")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if BACKEND == "postgresql":
        if not PG_URL:
            pytest.exit("SIGAP_TEST_BACKEND=postgresql needs TEST_DATABASE_URL", returncode=2)
        schema = f"t_{_worker()}_{uuid.uuid4().hex[:10]}"
        admin = make_engine(normalise_database_url(PG_URL))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in PG_URL else "?"
        url = normalise_database_url(PG_URL) + f"{sep}options=-csearch_path%3D{schema}"
        yield url
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "sigap-test.db"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def engine(database_url):
    from app import migrate

    from app.services.access import accounts

    if _settings(database_url).fast_password_hashes:
        accounts.use_fast_password_hashes()  # before the seed hashes the demo users' password
    eng = make_engine(database_url)
    with eng.begin() as conn:
        migrate.upgrade(connection=conn)
    from app.services.demo import seed

    with Session(eng) as session:
        seed.seed_demo(session, now=T0, gazetteer_dir=load_settings().gazetteer_dir)
        session.commit()
    yield eng
    eng.dispose()


@pytest.fixture
def clock():
    return FrozenClock(T0)


@pytest.fixture
def connection(engine):
    """One outer transaction per test, rolled back at the end; commits become savepoints."""
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


@pytest.fixture
def session(connection):
    s = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield s
    s.close()


def _settings(database_url, **overrides):
    settings = load_settings(env={"DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key-0123456789",
                                  "SIGAP_TEST_FAST_PASSWORD_HASHES": "1"})
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings


@pytest.fixture
def settings(database_url):
    return _settings(database_url)


@pytest.fixture
def app(engine, connection, clock, settings):
    application = create_app(settings=settings, clock=clock, engine=engine)
    application.config["TESTING"] = True
    sigap = application.extensions["sigap"]
    sigap.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    return application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def committed_app(engine, clock, settings):
    """An app whose transactions really commit (for concurrency tests); rows are removed after."""
    application = create_app(settings=settings, clock=clock, engine=engine)
    application.config["TESTING"] = True
    yield application
    with engine.begin() as conn:
        for table in TRANSACTIONAL_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def committed_sessionmaker(engine):
    maker = make_sessionmaker(engine)
    yield maker
    with engine.begin() as conn:
        for table in TRANSACTIONAL_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


def without_rate_limits(app):
    """The app with no rate limit in the way of the many requests one test address sends."""
    app.config["SIGAP_API_RATE_LIMIT"] = "off"
    for name in ("sigap_security_limiter", "sigap_web_limiter"):
        if name in app.extensions:
            app.extensions[name].enabled = False
    app.extensions.pop("sigap_webhook_limiter", None)
    return app


def requires_postgresql():
    return pytest.mark.skipif(
        BACKEND != "postgresql",
        reason="needs PostgreSQL: runs in the PostgreSQL pass (set TEST_DATABASE_URL; `make test` then runs it)",
    )


ROOT = Path(__file__).resolve().parent.parent
