"""A per-process cache of the reference data every complaint intake reads: jurisdictions,
categories, districts and villages, SLA policies, routing rules, agencies, and the staff a new
complaint's first alert goes to (escalation contacts, users).

Whether a cached copy is still right is the database's to say, not this process's:
- reference_versions (app/models/reference.py, migration 0012) holds a version per scope (0: what
  all jurisdictions share, i.e. jurisdictions, categories and staff users; else a jurisdiction's
  id: its gazetteer, policies, rules, agencies and escalation contacts). Triggers on those tables
  give the scope a new version whenever a row of it changes, by whatever means (Sigap, another
  process, psql, a `WITH ... UPDATE`, MERGE, COPY, TRUNCATE on PostgreSQL); of users, only the
  columns an alert reads count, so signing in or out moves nothing. A version is never one the
  scope had before, even after a rollback, so a copy read inside a transaction that later rolls
  back can never pass for anything else;
- each cached copy keeps the versions it was read at, and is used only by a session that sees
  the same versions. A copy read in a transaction with uncommitted reference changes carries
  that transaction's own new versions: only that transaction can see them, until it commits;
- a session reads the versions once, in a query it makes anyway where there is one (VERSIONS
  as a column of the API's token check, the SMS number lookup, the Telegram conversation read,
  handed over with `seen`), else with one read of that small table at its first use of the
  cache. It keeps them for its unit of work (Sigap's sessions last one request or one job
  step), across its own commits (the token check may commit last_used_at before the intake);
  it reads them again after a rollback, and after an INSERT, UPDATE or DELETE of a reference
  table made with SQLAlchemy in this process (its own change, which the triggers have given
  new versions: the statement object names its table, no SQL text is parsed). A reference row
  changed with raw SQL text inside a session is seen by that session only after one of those;
  every other session sees it at its next request;
- what is loaded is kept only if the versions read right after the load are still the ones it
  was looked up with (nothing committed, nor changed by the transaction itself, in between);
  otherwise it is read again (a few times, then used for this call alone).
No time limit: every request compares with the database, so nothing a TTL used to catch (psql,
another process, a pooler, SQLite shared by several processes) goes unseen. Schema changes by
hand need a restart as before; a SQLite migration that recreates a reference table must create
its triggers again (the suite checks that every reference table still moves its version).

The cached ORM instances are detached and read-only; callers get session copies through
`attach` (Session.merge(load=False): no SQL)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlalchemy import String, cast, event, literal_column, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.functions import FunctionElement

from app.domain.routing import winning_rule
from app.domain.text import normalise_name
from app.models import Agency, Category, District, Jurisdiction, RoutingRule, SlaPolicy, Village
from app.models.reference import SHARED_SCOPE, ReferenceVersion

REFERENCE_TABLES = frozenset({"jurisdictions", "categories", "districts", "villages", "sla_policies",
                              "routing_rules", "agencies", "escalation_contacts", "duty_shifts", "users"})
LOAD_ATTEMPTS = 3
_SEEN = "sigap_reference_versions"  # Session.info: (_last_write when read, {scope: version})



class _joined(FunctionElement):
    """group_concat / string_agg with a constant separator (func.aggregate_strings makes it a
    parameter rendered anew at every execution)."""

    type = String()
    inherit_cache = True


@compiles(_joined)
def _group_concat(element, compiler, **kw):
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(_joined, "postgresql")
def _string_agg(element, compiler, **kw):
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


_table = ReferenceVersion.__table__
_ALL = _joined(cast(_table.c.scope, String) + literal_column("':'") + cast(_table.c.version, String))
# Every scope's version as one value ("scope:version,..."): a column to add to a query that a
# request makes anyway, whose value goes to `seen`. A table of a few rows (one per jurisdiction).
VERSIONS = select(_ALL).scalar_subquery()
_READ = select(_ALL)


# ---- which versions a session works with -------------------------------------------------------

_writes = itertools.count(1)
_last_write = 0  # the latest reference INSERT/UPDATE/DELETE issued in this process (any thread)


@event.listens_for(Engine, "before_execute")
def _watch(_conn, clauseelement, _multiparams, _params, _execution_options):
    # ORM flushes and Core statements alike; SQL text is not looked into.
    if isinstance(clauseelement, UpdateBase) and getattr(clauseelement.table, "name", None) in REFERENCE_TABLES:
        global _last_write
        _last_write = next(_writes)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, _previous_transaction):
    session.info.pop(_SEEN, None)


_parsed: tuple[str | None, dict[int, int]] = (None, {})


def _parse(value: str | None) -> dict[int, int]:
    global _parsed
    last = _parsed
    if last[0] == value:
        return last[1]
    versions = {}
    for part in (value or "").split(","):
        if part:
            scope, _, version = part.partition(":")
            versions[int(scope)] = int(version)
    _parsed = (value, versions)
    return versions


def seen(session: Session, value: str | None) -> None:
    """The value of VERSIONS, read by `session` in its current transaction."""
    session.info[_SEEN] = (_last_write, _parse(value))


def _read_versions(session: Session) -> dict[int, int]:
    mark = _last_write
    versions = _parse(session.connection().execute(_READ).scalar())
    session.info[_SEEN] = (mark, versions)
    return versions


def _is_reference(obj) -> bool:
    table = getattr(obj, "__table__", None)
    return table is not None and table.name in REFERENCE_TABLES


def versions(session: Session) -> dict[int, int]:
    """The versions `session` should see the reference data at (read-only)."""
    if any(_is_reference(o) for part in (session.new, session.dirty, session.deleted) for o in part):
        session.flush()  # the triggers give these changes their versions
    known = session.info.get(_SEEN)
    if known is not None and known[0] == _last_write:
        return known[1]
    return _read_versions(session)


def _load(session: Session, scopes: tuple[int, ...], known: dict[int, int], load):
    """load() in the session's transaction, and the versions of `scopes` it holds for (None: only
    for this call, as those scopes have no version or kept changing while it ran)."""
    value = None
    for _attempt in range(LOAD_ATTEMPTS):
        wanted = tuple(known.get(scope) for scope in scopes)
        value = load()
        known = _read_versions(session)
        if tuple(known.get(scope) for scope in scopes) == wanted:
            return value, (None if None in wanted else wanted)
    return value, None


# ---- the cached data ---------------------------------------------------------------------------

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


@dataclass
class Shared:
    """What all jurisdictions share: the jurisdictions themselves and the active categories."""

    jurisdictions: dict[str, Jurisdiction]  # by code
    jurisdictions_by_id: dict[int, Jurisdiction]
    categories: dict[str, Category]  # active ones, by code


_shared: tuple[tuple, Shared] | None = None
_places: dict[int, tuple[tuple, Places]] = {}
_audiences: dict[int, tuple[tuple, dict]] = {}  # jurisdiction id -> (versions, {key: recipients})


def _read(session: Session, query) -> list:
    """Rows of `query` as detached instances, read on the caller's connection (its transaction,
    so a connection's own uncommitted rows are seen) by a throwaway session."""
    with Session(bind=session.connection(), autoflush=False, expire_on_commit=False) as reader:
        rows = list(reader.scalars(query))
        reader.expunge_all()
    return rows


def _load_shared(session: Session) -> Shared:
    rows = _read(session, select(Jurisdiction).order_by(Jurisdiction.code))
    categories = _read(session, select(Category).where(Category.active.is_(True)).order_by(Category.code))
    return Shared({j.code: j for j in rows}, {j.id: j for j in rows}, {c.code: c for c in categories})


def shared(session: Session) -> Shared:
    global _shared
    known = versions(session)
    cached = _shared
    if cached is not None and cached[0] == (known.get(SHARED_SCOPE),):
        return cached[1]
    value, held = _load(session, (SHARED_SCOPE,), known, lambda: _load_shared(session))
    if held is not None:
        _shared = (held, value)
    return value


def jurisdiction_by_code(session: Session, code: str) -> Jurisdiction | None:
    return shared(session).jurisdictions.get(code)


def jurisdiction_by_id(session: Session, jurisdiction_id: int) -> Jurisdiction | None:
    return shared(session).jurisdictions_by_id.get(jurisdiction_id)


def jurisdiction_codes(session: Session) -> list[str]:
    return sorted(shared(session).jurisdictions)


def active_categories(session: Session) -> dict[str, Category]:
    return shared(session).categories


def _load_places(session: Session, jurisdiction_id: int) -> Places:
    districts = _read(session, select(District).where(District.jurisdiction_id == jurisdiction_id)
                      .order_by(District.code))
    villages = _read(session, select(Village).join(District).where(District.jurisdiction_id == jurisdiction_id)
                     .order_by(Village.code))
    policies = _read(session, select(SlaPolicy).where(SlaPolicy.jurisdiction_id == jurisdiction_id)
                     .order_by(SlaPolicy.id))
    rules = _read(session, select(RoutingRule).where(RoutingRule.jurisdiction_id == jurisdiction_id)
                  .order_by(RoutingRule.id))
    agencies = _read(session, select(Agency).where(Agency.jurisdiction_id == jurisdiction_id))
    return Places(jurisdiction_id, districts, villages, policies, rules, {a.id: a for a in agencies})


def places(session: Session, jurisdiction_id: int) -> Places:
    known = versions(session)
    cached = _places.get(jurisdiction_id)
    if cached is not None and cached[0] == (known.get(jurisdiction_id),):
        return cached[1]
    value, held = _load(session, (jurisdiction_id,), known, lambda: _load_places(session, jurisdiction_id))
    if held is not None:
        _places[jurisdiction_id] = (held, value)
    return value


def audience(session: Session, key: tuple, compute):
    """A cached notification audience (a list of frozen Recipients) for `key`, whose second item is
    the complaint's jurisdiction id; `compute()` reads it from the database (staff users,
    escalation contacts, agencies) when the shared scope or that jurisdiction's has moved on."""
    jurisdiction_id = key[1]
    scopes = (SHARED_SCOPE, jurisdiction_id)
    known = versions(session)
    cached = _audiences.get(jurisdiction_id)
    if cached is not None and cached[0] == tuple(known.get(scope) for scope in scopes):
        found = cached[1].get(key)
        if found is not None:
            return list(found)
    found, held = _load(session, scopes, known, compute)
    if held is not None:
        cached = _audiences.get(jurisdiction_id)
        if cached is None or cached[0] != held:
            cached = (held, {})
            _audiences[jurisdiction_id] = cached
        cached[1][key] = found
    return list(found)


def attach(session: Session, obj):
    """The session's copy of a cached instance (no SQL; the session's own one if it has it)."""
    if obj is None:
        return None
    return session.merge(obj, load=False)
