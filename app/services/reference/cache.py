"""A per-process cache of the reference data every complaint intake reads: jurisdictions,
categories, districts and villages, SLA policies, routing rules, agencies, and the staff a new
complaint's first alert goes to (escalation contacts, users).

Invalidation, without a schema change:
- in this process, any INSERT/UPDATE/DELETE on one of REFERENCE_TABLES, by any engine or
  session (services, admin pages, seed, raw SQL, tests adding rows directly), marks its
  connection; when that connection commits, the cache's generation moves on (after the commit
  as well as before it, so a reader racing the commit cannot keep the old rows). A connection
  with uncommitted reference changes never uses nor fills the shared cache: it reads its own
  (uncommitted) rows into a private snapshot kept on the connection until it ends;
- across processes (PostgreSQL): that commit also sends NOTIFY sigap_reference; every pooled
  connection LISTENs, and psycopg hands the notification over with the result of the next
  statement on it (each request runs one before it reads the cache: the pool's pre-ping, the
  token check), so another gunicorn worker or the jobs process sees an admin's change from
  its next request on;
- a backstop: a snapshot older than TTL is reloaded anyway (changes made outside Sigap, e.g.
  psql, a connection pooler that drops LISTEN, SQLite shared by several processes).

The cached ORM instances are detached and read-only; callers get session copies through
`attach` (Session.merge(load=False): no SQL)."""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from app.domain.routing import winning_rule
from app.domain.text import normalise_name
from app.models import Agency, Category, District, Jurisdiction, RoutingRule, SlaPolicy, Village

REFERENCE_TABLES = frozenset({"jurisdictions", "categories", "districts", "villages", "sla_policies",
                              "routing_rules", "agencies", "escalation_contacts", "users"})
TTL = 60.0  # seconds
CHANNEL = "sigap_reference"
_DIRTY = "sigap_reference_dirty"  # Connection.info: reference rows changed in the open transaction
_PRIVATE = "sigap_reference_private"  # Connection.info: (change count, Snapshot) for such a connection
_CHANGED = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|ALTER\s+TABLE|DROP\s+TABLE)"
                      r"\s+(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?(?:\"?\w+\"?\.)?\"?(\w+)", re.IGNORECASE)
_WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCA", "ALTER ", "DROP T")


class _State:
    def __init__(self):
        self.lock = threading.Lock()
        self.generation = 0
        self.snapshot: Snapshot | None = None

    def bump(self) -> None:
        with self.lock:
            self.generation += 1
            self.snapshot = None


_state = _State()


def invalidate() -> None:
    """Forget everything cached in this process (the next intake reloads)."""
    _state.bump()


def generation() -> int:
    return _state.generation


# ---- change detection -------------------------------------------------------------------------

@event.listens_for(Engine, "before_cursor_execute")
def _watch(conn, _cursor, statement, _parameters, _context, _executemany):
    head = statement.lstrip()[:6].upper()
    if head not in _WRITES:
        return
    match = _CHANGED.match(statement)
    if match and match.group(1).lower() in REFERENCE_TABLES:
        conn.info[_DIRTY] = conn.info.get(_DIRTY, 0) + 1


@event.listens_for(Engine, "commit")
def _before_commit(conn):
    if conn.info.get(_DIRTY):
        conn.info["sigap_reference_committing"] = True
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"NOTIFY {CHANNEL}")
        _state.bump()


@event.listens_for(Engine, "rollback")
def _on_rollback(conn):
    conn.info.pop(_DIRTY, None)
    conn.info.pop(_PRIVATE, None)
    conn.info.pop("sigap_reference_committing", None)


@event.listens_for(Engine, "rollback_savepoint")
def _on_rollback_savepoint(conn, _name, _context):
    conn.info.pop(_PRIVATE, None)  # still changed in the transaction, but maybe not as read


def _after_commit(info) -> None:
    # Called once the commit is done (next use of the connection, or its return to the pool).
    if info.pop("sigap_reference_committing", None):
        info.pop(_DIRTY, None)
        info.pop(_PRIVATE, None)
        _state.bump()


@event.listens_for(Engine, "begin")
def _on_begin(conn):
    _after_commit(conn.info)


@event.listens_for(Pool, "checkin")
def _on_checkin(_dbapi_connection, record):
    if record is not None:
        _after_commit(record.info)


@event.listens_for(Pool, "connect")
def _listen(dbapi_connection, _record):
    if not hasattr(dbapi_connection, "add_notify_handler"):  # psycopg 3 only
        return
    dbapi_connection.add_notify_handler(lambda notify: _state.bump() if notify.channel == CHANNEL else None)
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute(f"LISTEN {CHANNEL}")
    finally:
        dbapi_connection.autocommit = autocommit


# ---- the snapshot -----------------------------------------------------------------------------

@dataclass
class Places:
    """One jurisdiction's gazetteer, policies, routing rules and agencies, indexed for intake."""

    jurisdiction_id: int
    districts: list[District]  # by code
    villages: list[Village]  # by code
    policies: list[SlaPolicy]
    rules: list[RoutingRule]
    agencies: dict[int, Agency]
    district_by_id: dict[int, District] = field(default_factory=dict)
    village_by_id: dict[int, Village] = field(default_factory=dict)

    def __post_init__(self):
        self.district_by_id = {d.id: d for d in self.districts}
        self.village_by_id = {v.id: v for v in self.villages}
        self._district_names = [(normalise_name(d.name), d) for d in self.districts]
        self._village_code: dict[str, list[Village]] = {}
        self._village_lower: dict[str, list[Village]] = {}
        self._village_norm: dict[str, list[Village]] = {}
        for v in self.villages:  # in code order: the first is the one a query ordered by code finds
            self._village_code.setdefault(v.code, []).append(v)
            self._village_lower.setdefault(v.name.lower(), []).append(v)
            self._village_norm.setdefault(normalise_name(v.name), []).append(v)

    def district_by_code(self, code: str) -> District | None:
        return next((d for d in self.districts if d.code == code), None)

    def district_named(self, wanted: set[str]) -> District | None:
        return next((d for norm, d in self._district_names if norm in wanted), None)

    def village_by_code(self, code: str, district_id: int | None) -> Village | None:
        return next((v for v in self._village_code.get(code, ())
                     if district_id is None or v.district_id == district_id), None)

    def village_lower(self, name: str, district_id: int | None) -> Village | None:
        return next((v for v in self._village_lower.get(name.lower(), ())
                     if district_id is None or v.district_id == district_id), None)

    def village_named(self, wanted: set[str], district_id: int | None) -> Village | None:
        found = [v for norm in wanted for v in self._village_norm.get(norm, ())
                 if district_id is None or v.district_id == district_id]
        return min(found, key=lambda v: v.code) if found else None

    def namesakes(self, name: str) -> list[Village]:
        return list(self._village_lower.get(name.lower(), ()))

    def route(self, category_id: int, district_id: int | None) -> Agency | None:
        """The winning rule over the cached rules: a district's rule beats the jurisdiction-wide one."""
        best = winning_rule(self.rules, category_id, district_id)
        return self.agencies.get(best.agency_id) if best else None


class Snapshot:
    def __init__(self, generation: int, private: bool = False):
        self.generation = generation
        self.private = private
        self.loaded_at = time.monotonic()
        self.lock = threading.Lock()
        self.jurisdictions: dict[str, Jurisdiction] | None = None
        self.jurisdictions_by_id: dict[int, Jurisdiction] = {}
        self.categories: dict[str, Category] | None = None  # active ones, by code
        self.places: dict[int, Places] = {}
        self.audiences: dict[tuple, list] = {}

    def fresh(self) -> bool:
        return self.private or (self.generation == _state.generation and time.monotonic() - self.loaded_at < TTL)


def _read(session: Session, query) -> list:
    """Rows of `query` as detached instances, read on the caller's connection (its transaction,
    so a connection's own uncommitted rows are seen) by a throwaway session."""
    with Session(bind=session.connection(), autoflush=False, expire_on_commit=False) as reader:
        rows = list(reader.scalars(query))
        reader.expunge_all()
    return rows


def _is_reference(obj) -> bool:
    table = getattr(obj, "__table__", None)
    return table is not None and table.name in REFERENCE_TABLES


def snapshot(session: Session) -> Snapshot:
    """The reference data as this session should see it."""
    if any(_is_reference(o) for part in (session.new, session.dirty, session.deleted) for o in part):
        session.flush()  # so that the watcher sees those changes
    info = session.connection().info
    changes = info.get(_DIRTY)
    if changes:
        private = info.get(_PRIVATE)
        if private is None or private[0] != changes:
            private = (changes, Snapshot(_state.generation, private=True))
            info[_PRIVATE] = private
        return private[1]
    current = _state.snapshot
    if current is not None and current.fresh():
        return current
    with _state.lock:
        if _state.snapshot is None or not _state.snapshot.fresh():
            _state.snapshot = Snapshot(_state.generation)
        return _state.snapshot


def _load_jurisdictions(snap: Snapshot, session: Session) -> None:
    rows = _read(session, select(Jurisdiction).order_by(Jurisdiction.code))
    snap.jurisdictions_by_id = {j.id: j for j in rows}
    snap.jurisdictions = {j.code: j for j in rows}


def jurisdictions(session: Session) -> Snapshot:
    snap = snapshot(session)
    if snap.jurisdictions is None:
        _load_jurisdictions(snap, session)
    return snap


def jurisdiction_by_code(session: Session, code: str) -> Jurisdiction | None:
    return jurisdictions(session).jurisdictions.get(code)


def jurisdiction_by_id(session: Session, jurisdiction_id: int) -> Jurisdiction | None:
    return jurisdictions(session).jurisdictions_by_id.get(jurisdiction_id)


def jurisdiction_codes(session: Session) -> list[str]:
    return sorted(jurisdictions(session).jurisdictions)


def active_categories(session: Session) -> dict[str, Category]:
    snap = snapshot(session)
    if snap.categories is None:
        rows = _read(session, select(Category).where(Category.active.is_(True)).order_by(Category.code))
        snap.categories = {c.code: c for c in rows}
    return snap.categories


def places(session: Session, jurisdiction_id: int) -> Places:
    snap = snapshot(session)
    found = snap.places.get(jurisdiction_id)
    if found is None:
        districts = _read(session, select(District).where(District.jurisdiction_id == jurisdiction_id)
                          .order_by(District.code))
        villages = _read(session, select(Village).join(District).where(District.jurisdiction_id == jurisdiction_id)
                         .order_by(Village.code))
        policies = _read(session, select(SlaPolicy).where(SlaPolicy.jurisdiction_id == jurisdiction_id)
                         .order_by(SlaPolicy.id))
        rules = _read(session, select(RoutingRule).where(RoutingRule.jurisdiction_id == jurisdiction_id)
                      .order_by(RoutingRule.id))
        agencies = _read(session, select(Agency).where(Agency.jurisdiction_id == jurisdiction_id))
        found = Places(jurisdiction_id, districts, villages, policies, rules, {a.id: a for a in agencies})
        snap.places[jurisdiction_id] = found
    return found


def audience(session: Session, key: tuple, compute):
    """A cached notification audience (a list of frozen Recipients) for `key`; `compute()` reads
    it from the database the first time in each generation."""
    snap = snapshot(session)
    found = snap.audiences.get(key)
    if found is None:
        found = compute()
        if snap.private or snap.generation == _state.generation:
            snap.audiences[key] = found
    return list(found)


def attach(session: Session, obj):
    """The session's copy of a cached instance (no SQL; the session's own one if it has it)."""
    if obj is None:
        return None
    return session.merge(obj, load=False)
