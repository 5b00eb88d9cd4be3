"""Engine and session wiring for plain SQLAlchemy 2 (no Flask-SQLAlchemy)."""
from __future__ import annotations

import json
import re
import select

from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        engine = create_engine(url, **kwargs)
        _sqlite_proper_transactions(engine)
        return engine
    # No pre-ping (a round trip before every transaction): a connection the server closed while it
    # sat in the pool (a restart, idle_session_timeout, a terminated backend) is found by the driver's
    # own state and its socket, without a round trip, and replaced at checkout (below). pool_recycle
    # retires connections a firewall may have dropped silently. What is left, a connection lost
    # without a sign, fails its request once (503, app/errors.py) and SQLAlchemy then renews the pool.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 1800)
    url = _without_jit(url)
    kwargs.setdefault("json_deserializer", _json_from_utf8)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    if not kwargs["pool_pre_ping"]:
        event.listen(engine, "checkout", _replace_if_closed_by_server)
    return engine


def _without_jit(url: str) -> str:
    """PostgreSQL's JIT off for Sigap's sessions, unless the URL's options set it. Reports over a
    big database have plan costs far above jit_above_cost (more so while a queue table's statistics
    still count rows it no longer holds), and compiling their plans cost 9-22 s where running them
    takes milliseconds (a year's report at 10M complaints, docs/scaling.md). Sent in the startup
    packet: no round trip."""
    parsed = make_url(url)
    options = parsed.query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    if re.search(r"-c\s*jit=", options):
        return url
    return parsed.update_query_dict({"options": f"{options} -c jit=off".strip()}).render_as_string(hide_password=False)


def closed_by_server(dbapi_connection) -> bool:
    """Whether an idle connection is gone: the driver knows it closed or broken, or the server has
    written to it while nothing was asked (PostgreSQL sends "terminating connection" and closes on a
    restart or pg_terminate_backend; an idle pooled connection gets nothing else, as the pool's
    connections LISTEN to nothing). No round trip: a look at the socket."""
    if getattr(dbapi_connection, "closed", False):
        return True
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:  # another driver: nothing to look at here
        return False
    from psycopg.pq import ConnStatus

    if pgconn.status != ConnStatus.OK:
        return True
    try:
        fd = pgconn.socket
    except Exception:  # noqa: BLE001 - psycopg raises OperationalError when there is no socket any more
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def _replace_if_closed_by_server(dbapi_connection, _record, _proxy) -> None:
    if closed_by_server(dbapi_connection):
        # The pool discards this connection and checks out a new one (SQLAlchemy's "disconnect
        # handling, pessimistic, custom" recipe), so the request never sees the dead one.
        raise sa_exc.DisconnectionError("the server closed this pooled connection")


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


def make_sessionmaker(engine: Engine, audit_key: str | None = None,
                      public_base_url: str | None = None) -> sessionmaker[Session]:
    """Sessions of this app; `audit_key` (SIGAP_AUDIT_KEY) goes with each one, for the audit trail's
    hashes (a session without it uses the development key: app/services/audit/keys.py), and so does
    `public_base_url` (PUBLIC_BASE_URL), for the status page's link on a citizen's receipt (a session
    without it writes receipts without the link: app/services/messaging/notifications.py)."""
    info = {**({"audit_key": audit_key} if audit_key else {}),
            **({"public_base_url": public_base_url} if public_base_url else {})}
    return sessionmaker(bind=engine, expire_on_commit=False, info=info or None)


def is_outage(exc: BaseException) -> bool:
    """The database was unreachable or the connection was lost (retry later; nothing of the
    transaction was saved), as opposed to a bug or bad data. PendingRollbackError counts: it means
    an earlier statement of this transaction failed and something caught it, in practice a lost
    connection during a restart; the transaction is void either way."""
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                        sa_exc.PendingRollbackError)):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
