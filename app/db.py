"""Engine and session wiring for plain SQLAlchemy 2 (no Flask-SQLAlchemy)."""
from __future__ import annotations

import json

from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        engine = create_engine(url, **kwargs)
        _sqlite_proper_transactions(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("json_deserializer", _json_from_utf8)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


_JSON_DECODER = json.JSONDecoder()


def _json_from_utf8(data: bytes | str):
    """psycopg hands json/jsonb over as UTF-8 bytes: decode them straight away (json.loads would first
    guess the encoding and check its arguments on every value; `audit verify` decodes one per event)."""
    return _JSON_DECODER.decode(data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data)


def _sqlite_proper_transactions(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and lets two writers
    # deadlock on lock upgrade; take the write lock at BEGIN instead (SQLAlchemy docs recipe).
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine, audit_key: str | None = None) -> sessionmaker[Session]:
    """Sessions of this app; `audit_key` (SIGAP_AUDIT_KEY) goes with each one, for the audit trail's
    hashes (a session without it uses the development key: app/services/audit/keys.py)."""
    info = {"audit_key": audit_key} if audit_key else None
    return sessionmaker(bind=engine, expire_on_commit=False, info=info)


def is_outage(exc: BaseException) -> bool:
    """The database was unreachable or the connection was lost (retry later; nothing of the
    transaction was saved), as opposed to a bug or bad data. PendingRollbackError counts: it means
    an earlier statement of this transaction failed and something caught it, in practice a lost
    connection during a restart; the transaction is void either way."""
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                        sa_exc.PendingRollbackError)):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
