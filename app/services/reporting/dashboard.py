"""Read-only queries behind the staff pages: open complaints by time left, counts by SLA state,
the triage queue and map points. One SQL statement each, served by the complaints indexes."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Float, String, and_, bindparam, case, cast, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from app.domain.ladder import LADDER_STEP_PREFIXES, escalated_for, ladder_levels
from app.domain.visibility import Scope
from app.models import (OPEN_STATUSES, Agency, Category, Complaint, District, Jurisdiction, SlaPolicy, User,
                        UtcDateTime, Village)
from app.services.access import visibility
from app.services.posts import tenure

# The handle clock's states: "breached" is exactly the performance pages' "late (still open)", an
# open complaint past its handle deadline. The acknowledge clock is a separate fact (`ack_late`),
# never folded into these, so a row's colour and its handle countdown cannot disagree.
STATES = ("breached", "warned", "reminder", "on_track")
ACK_LATE = "ack_late"  # also a value of Filters.state: open, not acknowledged, past the acknowledge deadline
FILTER_STATES = STATES + (ACK_LATE,)
# Reminder and warning points of DESIGN.md (50 % and 75 % of the handle target).
REMINDER_AT, WARNING_AT = 0.5, 0.75
MAX_ROWS = 500


@dataclass(frozen=True)
class Filters:
    agency: str | None = None  # agency code
    category: str | None = None  # category code
    district_id: int | None = None
    state: str | None = None  # one of FILTER_STATES
    status: str | None = None  # one of OPEN_STATUSES
    assignee_id: int | None = None  # "assigned to me"


@dataclass(frozen=True)
class BoardRow:
    id: int
    ticket: str
    status: str
    state: str
    category_code: str
    category_id_name: str
    category_en_name: str
    agency_code: str | None
    agency_name: str | None
    assignee_name: str | None
    district_name: str | None
    village_name: str | None
    received_at: datetime
    triage_due_at: datetime | None
    ack_due_at: datetime
    handle_due_at: datetime
    acknowledged_at: datetime | None
    timezone: str
    channel: str
    lat: float | None
    lon: float | None
    reopened_count: int
    repeat_of_id: int | None
    ack_late: bool = False  # not acknowledged and past the acknowledge deadline
    triage_late: bool = False  # still in triage past the triage deadline
    # Who holds it now: the escalation ladder's level reached (0: not escalated; its policy name, e.g.
    # "regional_secretary"), and the holder of the accountable post (agency head, or the triage desk).
    sla_level: int = 0
    level: str | None = None
    # Which deadline's miss drove that escalation ("acknowledge" or "handle"; None: not recorded).
    escalated_for: str | None = None
    holder_name: str | None = None
    holder_title: str | None = None

    def category_name(self, lang: str) -> str:
        return self.category_en_name if lang == "en" else self.category_id_name


@dataclass
class Board:
    rows: list[BoardRow]
    counts: dict[str, int]  # per state, plus "open" and "triage"
    generated_at: datetime
    truncated: bool = False
    filters: Filters = field(default_factory=Filters)


def _epoch(column, dialect: str):
    if dialect == "postgresql":
        return func.extract("epoch", column)
    return (func.julianday(column) - 2440587.5) * 86400.0


@lru_cache(maxsize=4)
def state_expression(dialect: str):
    """SQL CASE giving each open complaint's SLA state at the bound instant (see `at`). Built once per
    dialect: constructing it per request cost more than running it."""
    now = bindparam("sla_now", type_=UtcDateTime())
    now_s = bindparam("sla_now_epoch", type_=Float)
    received, due = _epoch(Complaint.received_at, dialect), _epoch(Complaint.handle_due_at, dialect)
    # Steps the SLA engine already fired (keys like "h.warn.1@<deadline epoch>"), else the time points.
    fired = func.coalesce(cast(Complaint.sla_fired, String), "")
    return case(
        (Complaint.handle_due_at <= now, "breached"),
        (or_(now_s >= received + (due - received) * WARNING_AT, fired.like('%"h.warn.%')), "warned"),
        (or_(now_s >= received + (due - received) * REMINDER_AT, fired.like('%"h.remind.%')), "reminder"),
        else_="on_track",
    )


@lru_cache(maxsize=4)
def ack_late_expression(dialect: str):
    """SQL: an open complaint not acknowledged by its acknowledge deadline (the performance pages' rule)."""
    now = bindparam("sla_now", type_=UtcDateTime())
    return and_(Complaint.acknowledged_at.is_(None), Complaint.ack_due_at <= now)


@lru_cache(maxsize=4)
def triage_late_expression(dialect: str):
    now = bindparam("sla_now", type_=UtcDateTime())
    return and_(Complaint.status == "triage", Complaint.triage_due_at.is_not(None), Complaint.triage_due_at <= now)


@lru_cache(maxsize=4)
def escalated_for_expression(dialect: str):
    """SQL of app.domain.ladder.escalated_for, from the row's own columns and the same step prefixes: the
    deadline ("acknowledge" or "handle") whose miss drove the complaint's escalation, or NULL. The last
    step when it is an escalation or a repeat, else the escalation steps fired (a handle one is the later)."""
    last = func.coalesce(Complaint.sla_last_step, "")
    fired = func.coalesce(cast(Complaint.sla_fired, String), "")  # a JSON list: each key after a quote
    return case(*((or_(*(keys.like(f"{quote}{prefix}%") for prefix in prefixes)), deadline)
                  for keys, quote in ((last, ""), (fired, '%"')) for deadline, prefixes in LADDER_STEP_PREFIXES),
                else_=None)


def at(now: datetime) -> dict:
    """The parameters that bind `state_expression` to an instant."""
    return {"sla_now": now, "sla_now_epoch": now.timestamp()}


@lru_cache(maxsize=4)
def _board_select(dialect: str):
    assignee = aliased(User)
    return join_row_names(
        select(Complaint.id, Complaint.ticket, Complaint.status, state_expression(dialect).label("state"),
               Category.code, Category.name_id, Category.name_en, Agency.code, Agency.name, assignee.name,
               District.name, Village.name, Complaint.received_at, Complaint.triage_due_at, Complaint.ack_due_at,
               Complaint.handle_due_at, Complaint.acknowledged_at, Jurisdiction.timezone, Complaint.channel,
               Complaint.lat, Complaint.lon, Complaint.reopened_count, Complaint.repeat_of_id,
               ack_late_expression(dialect).label("ack_late"), triage_late_expression(dialect).label("triage_late"),
               escalated_for_expression(dialect).label("escalated_for"), Complaint.sla_level,
               Complaint.sla_policy_id, Complaint.agency_id, Complaint.jurisdiction_id),
        Complaint, assignee)


def join_row_names(query, complaint, assignee):
    """`query` joined to what names a complaint's row in a list (its category, its jurisdiction's time
    zone, agency, assignee (an alias of User), district and village), in the order the board's plan
    runs them (_joins_as_written): each by primary key, after the complaints are found."""
    return (
        query.join(Category, Category.id == complaint.category_id)
        .join(Jurisdiction, Jurisdiction.id == complaint.jurisdiction_id)
        .outerjoin(Agency, Agency.id == complaint.agency_id)
        .outerjoin(assignee, assignee.id == complaint.assignee_id)
        .outerjoin(District, District.id == complaint.district_id)
        .outerjoin(Village, Village.id == complaint.village_id)
    )


def state_of(complaint: Complaint, now: datetime) -> str:
    """The same state, for one loaded complaint (open or not: closed ones read as their outcome)."""
    if complaint.status not in OPEN_STATUSES:
        return "stopped"
    if complaint.handle_due_at <= now:
        return "breached"
    elapsed = (now - complaint.received_at).total_seconds()
    target = (complaint.handle_due_at - complaint.received_at).total_seconds() or 1
    fired = [str(key) for key in complaint.sla_fired or []]
    if elapsed >= target * WARNING_AT or any(key.startswith("h.warn.") for key in fired):
        return "warned"
    if elapsed >= target * REMINDER_AT or any(key.startswith("h.remind.") for key in fired):
        return "reminder"
    return "on_track"


def ack_late_of(complaint: Complaint, now: datetime) -> bool:
    """The same acknowledge rule as `ack_late_expression`, for one loaded complaint."""
    return complaint.is_open and complaint.acknowledged_at is None and complaint.ack_due_at <= now


def escalated_for_of(complaint: Complaint) -> str | None:
    """The same deadline as `escalated_for_expression`, for one loaded complaint."""
    return escalated_for(complaint.sla_last_step, complaint.sla_fired)


def _scoped(query, scope: Scope):
    return query.where(Complaint.status.in_(OPEN_STATUSES), visibility.condition(scope))


def _filtered(session: Session, query, filters: Filters):
    if filters.agency:
        agency_id = session.scalar(select(Agency.id).where(Agency.code == filters.agency))
        query = query.where(Complaint.agency_id == (agency_id or -1))
    if filters.category:
        category_id = session.scalar(select(Category.id).where(Category.code == filters.category))
        query = query.where(Complaint.category_id == (category_id or -1))
    if filters.district_id:
        query = query.where(Complaint.district_id == filters.district_id)
    if filters.status in OPEN_STATUSES:
        query = query.where(Complaint.status == filters.status)
    if filters.assignee_id is not None:
        query = query.where(Complaint.assignee_id == filters.assignee_id)
    return query


# A policy version is never edited (a change is a new version), so its ladder is kept per process.
_LADDERS: dict[int, tuple[str, ...]] = {}


def _ladders(session: Session, policy_ids: set[int]) -> dict[int, tuple[str, ...]]:
    missing = policy_ids - _LADDERS.keys()
    if missing:
        for pid, raw in session.execute(select(SlaPolicy.id, SlaPolicy.escalation_ladder)
                                        .where(SlaPolicy.id.in_(missing))):
            _LADDERS[pid] = ladder_levels(raw or [])
    return _LADDERS


def _who_holds(session: Session, now: datetime, found) -> list[BoardRow]:
    """Board rows from the select, each with its escalation level's name and the current holder of
    its accountable post: one small look-up of tenures for the whole page, not one per row."""
    ladders = _ladders(session, {row[-3] for row in found})
    holders = tenure.holders_at(session, now, agency_ids={row[-2] for row in found if row[-2] is not None},
                                jurisdiction_ids={row[-1] for row in found if row[-2] is None})
    rows = []
    for row in found:
        level_count, policy_id, agency_id, jurisdiction_id = row[-4:]
        levels = ladders.get(policy_id, ())
        level = levels[min(level_count, len(levels)) - 1] if level_count and levels else None
        holder = holders.get(("agency", agency_id) if agency_id is not None else ("jurisdiction", jurisdiction_id))
        rows.append(BoardRow(*row[:-7], ack_late=bool(row[-7]), triage_late=bool(row[-6]),
                             sla_level=level_count or 0, level=level, escalated_for=row[-5],
                             holder_name=holder[0] if holder else None, holder_title=holder[1] if holder else None))
    return rows


def _state_filtered(query, filters: Filters, dialect: str):
    # The CASE's first branch written out as a range on handle_due_at, which the open-by-due index serves
    # (the planner cannot see through a CASE): "breached" is exactly the first branch; the other states
    # lie past it, so the same range, the other way round, narrows them before the CASE is evaluated.
    now = bindparam("sla_now", type_=UtcDateTime())
    if filters.state == "breached":
        return query.where(Complaint.handle_due_at <= now)
    if filters.state in STATES:
        return query.where(Complaint.handle_due_at > now, state_expression(dialect) == filters.state)
    if filters.state == ACK_LATE:
        return query.where(ack_late_expression(dialect))
    return query


@contextmanager
def _joins_as_written(session: Session, dialect: str):
    """PostgreSQL, left to order the board's seven joins itself, spent 11-16 ms planning a query it then
    ran in 1 ms (EXPLAIN ANALYZE at 1M complaints), on every poll: a generic plan, which would be
    planned once, is far worse for it (the state CASE and the deadline range need the values). Written
    as the plan should run (the open complaints by deadline, then each row's names by primary key), it
    plans in 0.7 ms. Only for this statement; the transaction's setting is put back after it."""
    if dialect != "postgresql":
        yield
        return
    session.execute(text("SET LOCAL join_collapse_limit = 1"))
    try:
        yield
    finally:
        session.execute(text("SET LOCAL join_collapse_limit TO DEFAULT"))


def board(session: Session, now: datetime, scope: Scope, filters: Filters | None = None,
          limit: int = 200) -> Board:
    """Open complaints in scope, least time left first, with counts per SLA state."""
    filters = filters or Filters()
    limit = max(1, min(limit, MAX_ROWS))
    dialect = session.get_bind().dialect.name
    query = _filtered(session, _scoped(_board_select(dialect), scope), filters)
    query = _state_filtered(query, filters, dialect)
    query = query.order_by(Complaint.handle_due_at, Complaint.id).limit(limit + 1)
    with _joins_as_written(session, dialect):
        found = list(session.execute(query, at(now)))
    rows = _who_holds(session, now, found)
    return Board(rows=rows[:limit], counts=counts(session, now, scope, filters), generated_at=now,
                 truncated=len(rows) > limit, filters=filters)


def counts(session: Session, now: datetime, scope: Scope, filters: Filters | None = None) -> dict[str, int]:
    """How many open complaints are in each handle-clock state, how many are late to acknowledge
    (these overlap: a complaint can be both), open and in triage. The state filter itself is ignored."""
    filters = filters or Filters()
    dialect = session.get_bind().dialect.name
    state = state_expression(dialect).label("state")
    ack_late = case((ack_late_expression(dialect), 1), else_=0).label("ack_late")
    query = _filtered(session, _scoped(select(state, ack_late, Complaint.status, func.count()), scope), filters)
    query = query.group_by(state, ack_late, Complaint.status)
    result = {name: 0 for name in FILTER_STATES}
    result.update(open=0, triage=0)
    for state_name, late_to_acknowledge, status, n in session.execute(query, at(now)):
        result[state_name] = result.get(state_name, 0) + n
        result["open"] += n
        if late_to_acknowledge:
            result[ACK_LATE] += n
        if status == "triage":
            result["triage"] += n
    return result


def triage_queue(session: Session, now: datetime, jurisdiction_id: int | None, limit: int = 200) -> list[BoardRow]:
    """Unroutable complaints waiting for a supervisor, oldest deadline first."""
    return board(session, now, Scope(jurisdiction_id=jurisdiction_id), Filters(status="triage"), limit).rows


def map_points(session: Session, now: datetime, scope: Scope, filters: Filters | None = None,
               limit: int = 2000) -> list[dict]:
    """Open complaints with coordinates (their own, else their village's), for the staff map."""
    filters = filters or Filters()
    dialect = session.get_bind().dialect.name
    state = state_expression(dialect).label("state")
    lat = func.coalesce(Complaint.lat, Village.lat)
    lon = func.coalesce(Complaint.lon, Village.lon)
    query = (select(Complaint.ticket, state, Category.code, lat, lon)
             .join(Category, Category.id == Complaint.category_id)
             .outerjoin(Village, Village.id == Complaint.village_id)
             .where(lat.is_not(None), lon.is_not(None)))
    query = _state_filtered(_filtered(session, _scoped(query, scope), filters), filters, dialect)
    query = query.order_by(Complaint.handle_due_at).limit(limit)
    return [{"ticket": t, "state": s, "category": c, "lat": float(la), "lon": float(lo)}
            for t, s, c, la, lo in session.execute(query, at(now))]


def agencies_in(session: Session, jurisdiction_id: int | None) -> list[Agency]:
    query = select(Agency).where(Agency.is_supervisor.is_(False)).order_by(Agency.name)
    if jurisdiction_id is not None:
        query = query.where(Agency.jurisdiction_id == jurisdiction_id)
    return list(session.scalars(query))


def districts_in(session: Session, jurisdiction_id: int | None) -> list[District]:
    query = select(District).order_by(District.name)
    if jurisdiction_id is not None:
        query = query.where(District.jurisdiction_id == jurisdiction_id)
    return list(session.scalars(query))


def district_centres(session: Session, jurisdiction_id: int | None) -> list[dict]:
    """Each kecamatan's name at the mean of its villages' centres: landmarks for a map without a base map
    (the gazetteer holds village centres, not outlines)."""
    query = (select(District.name, func.avg(Village.lat), func.avg(Village.lon), func.count(Village.id))
             .join(Village, Village.district_id == District.id)
             .where(Village.lat.is_not(None), Village.lon.is_not(None))
             .group_by(District.id, District.name).order_by(District.name))
    if jurisdiction_id is not None:
        query = query.where(District.jurisdiction_id == jurisdiction_id)
    return [{"name": name, "lat": round(float(lat), 5), "lon": round(float(lon), 5)}
            for name, lat, lon, _n in session.execute(query)]


def village_names(session: Session, jurisdiction_id: int) -> list[str]:
    """Village names of a jurisdiction, for the counter form's suggestions."""
    return list(session.scalars(select(Village.name).join(District, District.id == Village.district_id)
                                .where(District.jurisdiction_id == jurisdiction_id).distinct().order_by(Village.name)))


def categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code)))


def officers_of(session: Session, agency_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.agency_id == agency_id, User.active.is_(True))
                                .order_by(User.name)))
