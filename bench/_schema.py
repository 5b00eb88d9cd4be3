"""A throw-away PostgreSQL schema for a benchmark: created empty, migrated to head and seeded
with the demo jurisdictions, then dropped by the caller."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session


def scratch_schema(url: str, schema: str):
    """(admin engine, engine whose search_path is `schema`, that engine's URL); the schema starts empty."""
    from app.db import make_engine
    from config import normalise_database_url

    base = normalise_database_url(url)
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    scoped = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"
    return admin, make_engine(scoped), scoped


def drop_schema(admin, schema: str) -> None:
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


def migrate_and_seed(engine, now: datetime, maker=None) -> Session:
    """Migrate to head and seed the demo data; returns an open session for reading the ids back.
    `maker` (app.db.make_sessionmaker): seed through its sessions, so that the posts' trails the
    demo writes are keyed with its audit key."""
    from app import migrate
    from app.services.demo import seed
    from config import load_settings

    with engine.begin() as conn:
        migrate.upgrade(connection=conn)
    session = maker() if maker is not None else Session(engine)
    seed.seed_demo(session, now=now, gazetteer_dir=load_settings().gazetteer_dir)
    session.commit()
    return session
