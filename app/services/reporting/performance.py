"""Performance reports and contracts, aggregated in SQL (PostgreSQL's percentile_cont, and on
SQLite the same interpolation over window-ranked rows), never by loading complaints into Python.

Attribution and the period rule are written down in docs/performance.md."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Float, Integer, and_, case, cast, false, func, literal, or_, select, text, true, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased

from app.domain import performance as rules
from app.domain.actor import Actor
from app.domain.ids import looks_numeric, row_id
from app.models import Agency, Breach, Category, Complaint, District, Event, Jurisdiction, User
from app.models.performance import PerformanceContract
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed  # noqa: F401 (re-exported)
from app.services.reporting import rollup as performance_rollup

OPEN = ("received", "triage", "assigned", "acknowledged")
GROUP_BY = ("agency", "official", "category", "district", "jurisdiction")
READ_ROLES = ("officer", "agency_head", "supervisor", "official", "admin")
# Time-to-handle distribution: upper edges in minutes; the last bucket is open-ended.
HISTOGRAM_EDGES = (60, 120, 180, 240, 480, 1440)


# ---- scope and period ------------------------------------------------------------------------

def parse_period(text) -> rules.Period:
    try:
        return rules.parse_period(text)
    except rules.PeriodError as exc:
        raise ValidationFailed(str(exc), field="period") from None


def jurisdictions_in_scope(session: Session, actor: Actor, code: str | None = None) -> list[Jurisdiction]:
    """The jurisdictions a report covers: the one asked for, within what the actor may see."""
    if actor.role not in READ_ROLES and actor.kind != "system":
        raise Forbidden("performance reports are for staff and officials")
    query = select(Jurisdiction).order_by(Jurisdiction.id)
    if code:
        query = query.where(Jurisdiction.code == str(code).strip().lower())
    if actor.role != "admin" and actor.kind != "system":
        if actor.jurisdiction_id is None:
            raise Forbidden("this account is bound to no jurisdiction")
        query = query.where(Jurisdiction.id == actor.jurisdiction_id)
    found = list(session.scalars(query))
    if code and not found:
        raise NotFound(f"no jurisdiction {code!r}")
    return found


def _sort_in_memory(session: Session) -> None:
    """A year's report sorts every complaint of the year once: give this transaction the memory to
    do it without spilling to disk, and no JIT (compiling the plan's many expressions costs more
    than it saves). PostgreSQL only; the settings end with the transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL work_mem = '64MB'"))
        session.execute(text("SET LOCAL jit = off"))


def _epoch(col, dialect: str):
    """Whole seconds since 1970 (both databases truncate the same way for times after 1970)."""
    if dialect == "postgresql":
        # date_part gives a double (extract() gives numeric since PostgreSQL 14: slower).
        return cast(func.floor(func.date_part("epoch", col)), Integer)
    return cast(func.strftime("%s", col), Integer)


# ---- the counted complaints, attributed --------------------------------------------------------

def _agency_changes(among=None):
    """Agency changes out of the audit trail: (complaint, at, from agency, to agency)."""
    to_code = case((Event.kind == "transferred", Event.data["to"].as_string()),
                   else_=Event.data[("agency", "to")].as_string())
    from_code = case((Event.kind == "transferred", Event.data["from"].as_string()),
                     else_=Event.data[("agency", "from")].as_string())
    raw = (select(Event.complaint_id.label("cid"), Event.at.label("at"), Event.id.label("eid"),
                  to_code.label("to_code"), from_code.label("from_code"))
           .where(Event.kind.in_(("transferred", "assigned")),
                  true() if among is None else Event.complaint_id.in_(among)).subquery("raw_changes"))
    to_agency, from_agency = aliased(Agency), aliased(Agency)
    return (select(raw.c.cid, raw.c.at, raw.c.eid, to_agency.id.label("to_id"), from_agency.id.label("from_id"))
            .join(to_agency, to_agency.code == raw.c.to_code)
            .outerjoin(from_agency, from_agency.code == raw.c.from_code)
            .where(raw.c.to_code.is_not(None)).cte("agency_changes"))


def _period_filter(jurisdictions: list[Jurisdiction], period: rules.Period):
    C = Complaint
    bounds = [and_(C.jurisdiction_id == jur.id, C.handle_due_at >= start, C.handle_due_at < end)
              for jur in jurisdictions for start, end in [period.bounds(jur.timezone)]]
    return and_(or_(*bounds) if bounds else false(), C.status != "rejected", C.repeat_of_id.is_(None))


def in_period(jurisdictions: list[Jurisdiction], period: rules.Period, *, category_id: int | None = None,
              district_id: int | None = None, **_attributed):
    """The complaints counted in the period without their attribution: what breaches are joined to
    (a breach names its own agency and official)."""
    C = Complaint
    query = select(C.id, C.jurisdiction_id, C.category_id, C.district_id, C.handle_due_at).where(
        _period_filter(jurisdictions, period))
    if category_id is not None:
        query = query.where(C.category_id == category_id)
    if district_id is not None:
        query = query.where(C.district_id == district_id)
    return query.cte("in_period")


def counted(session: Session, jurisdictions: list[Jurisdiction], period: rules.Period, *,
            agency_id: int | None = None, official_id: int | None = None, category_id: int | None = None,
            district_id: int | None = None):
    """The complaints a report counts, one row each, with the agency and official accountable
    when the handle deadline fell. Rejected complaints and linked repeats are left out; a
    complaint belongs to the period holding its handle deadline (local time)."""
    outer = attributed(session, _period_filter(jurisdictions, period))
    query = select(*[c for c in outer.c if c.name != "has_handle_breach"])
    for column, value in (("agency_id", agency_id), ("official_id", official_id), ("category_id", category_id),
                          ("district_id", district_id)):
        if value is not None:
            query = query.where(outer.c[column] == value)
    return query.cte("counted")


def attributed(session: Session, where, among=None, breaches=None):
    """The complaints matching `where`, one row each, attributed as `counted` describes, with
    has_handle_breach (the official comes from that breach, not from the agency's head).
    `among` (a select of complaint ids that `where` implies) narrows the events and breaches read;
    `breaches` (complaint_id, kind, agency_id, official_id), if given, holds at least their breaches."""
    dialect = session.get_bind().dialect.name
    changes = _agency_changes(among)
    if dialect == "postgresql":
        base = _attributed_pg(changes, where)
    else:
        base = _attributed_windows(changes, where, dialect)
    if breaches is None:
        breaches = (select(Breach.complaint_id, Breach.kind, Breach.agency_id, Breach.official_id)
                    .where(Breach.kind == "handle", true() if among is None else Breach.complaint_id.in_(among))
                    .subquery("handle_breaches"))
    handle_breach = (select(breaches.c.complaint_id, breaches.c.agency_id,
                            func.max(breaches.c.official_id).label("official_id"))
                     .where(breaches.c.kind == "handle")
                     .group_by(breaches.c.complaint_id, breaches.c.agency_id)
                     .subquery("handle_breach"))
    has_breach = handle_breach.c.complaint_id.is_not(None)
    official = case((has_breach, handle_breach.c.official_id), else_=Agency.head_user_id)
    rows = (select(*base.c, official.label("official_id"), has_breach.label("has_handle_breach"))
            .outerjoin(Agency, Agency.id == base.c.agency_id)
            .outerjoin(handle_breach, and_(handle_breach.c.complaint_id == base.c.id,
                                           handle_breach.c.agency_id == base.c.agency_id)))
    return rows.subquery("attributed")


def _complaint_facts(accountable, dialect: str):
    C = Complaint
    return (C.id, C.jurisdiction_id, C.category_id, C.district_id, C.status, C.reopened_count,
            C.ack_due_at, C.handle_due_at, C.acknowledged_at, C.handled_at,
            accountable.label("agency_id"),
            _epoch(C.received_at, dialect).label("received_s"),
            _epoch(C.acknowledged_at, dialect).label("ack_s"),
            _epoch(C.handled_at, dialect).label("handled_s"),
            _epoch(C.handle_due_at, dialect).label("due_s"))


def _attributed_windows(changes, where, dialect: str):
    """Attribution with window functions (SQLite): the last agency change at or before the handle
    deadline gives its new agency; failing that, the first one after gives its old agency."""
    C = Complaint
    before = (select(changes.c.cid, changes.c.to_id,
                     func.row_number().over(partition_by=changes.c.cid,
                                            order_by=(changes.c.at.desc(), changes.c.eid.desc())).label("rn"))
              .join(C, C.id == changes.c.cid).where(changes.c.at <= C.handle_due_at).subquery("before_due"))
    after = (select(changes.c.cid, changes.c.from_id,
                    func.row_number().over(partition_by=changes.c.cid,
                                           order_by=(changes.c.at.asc(), changes.c.eid.asc())).label("rn"))
             .join(C, C.id == changes.c.cid).where(changes.c.at > C.handle_due_at).subquery("after_due"))
    accountable = case((before.c.cid.is_not(None), before.c.to_id),
                       (after.c.cid.is_not(None), after.c.from_id), else_=C.agency_id)
    return (select(*_complaint_facts(accountable, dialect))
            .outerjoin(before, and_(before.c.cid == C.id, before.c.rn == 1))
            .outerjoin(after, and_(after.c.cid == C.id, after.c.rn == 1))
            .where(where)
            .subquery("base"))


def _attributed_pg(changes, where):
    """The same attribution in one pass (PostgreSQL): each changed complaint's agency changes as
    arrays in (at, event) order, a small hash the year's scan joins; a plain expression picks the
    agency (no sub-select per row, so the scan and the grouping can run in parallel workers)."""
    C = Complaint
    order = (changes.c.at, changes.c.eid)
    per = (select(changes.c.cid,
                  func.array_agg(postgresql.aggregate_order_by(changes.c.at, *order)).label("ats"),
                  func.array_agg(postgresql.aggregate_order_by(changes.c.to_id, *order)).label("tos"),
                  func.array_agg(postgresql.aggregate_order_by(changes.c.from_id, *order)).label("froms"))
           .group_by(changes.c.cid).subquery("changes_per_complaint"))
    # ats is sorted: width_bucket counts the changes at or before the deadline (binary search).
    upto_due = func.width_bucket(C.handle_due_at, per.c.ats)
    searched = case((upto_due > 0, per.c.tos[upto_due]), else_=per.c.froms[1])
    accountable = case((per.c.cid.is_(None), C.agency_id), else_=searched)
    return (select(*_complaint_facts(accountable, "postgresql"))
            .outerjoin(per, per.c.cid == C.id)
            .where(where)
            .subquery("base"))


def _key_columns(rows, group_by: str | None):
    if group_by is None:
        return []
    if group_by not in GROUP_BY:
        raise ValidationFailed(f"group_by must be one of: {', '.join(GROUP_BY)}", field="group_by")
    return [rows.c[f"{group_by}_id"]]


def _bucket(rows, jurisdictions: list[Jurisdiction], period: rules.Period):
    """The trend bucket (0-based week or month of the period, local time) of each complaint."""
    whens = []
    for jur in jurisdictions:
        for index, (_first, _start, end) in enumerate(period.buckets(jur.timezone)):
            whens.append((and_(rows.c.jurisdiction_id == jur.id, rows.c.handle_due_at < end), index))
    return case(*whens, else_=None).label("bucket")


# ---- aggregates --------------------------------------------------------------------------------

def _measures(rows, as_of: datetime, as_of_s: int):
    is_open = rows.c.status.in_(OPEN)

    def count_if(cond):
        return func.count().filter(cond)  # COUNT(*) FILTER (WHERE ...): PostgreSQL, and SQLite >= 3.30

    return [
        func.count().label("received"),
        count_if(rows.c.handled_at.is_not(None)).label("handled"),
        count_if(rows.c.handled_at <= rows.c.handle_due_at).label("handled_on_time"),
        count_if(rows.c.handled_at > rows.c.handle_due_at).label("handled_late"),
        count_if(and_(rows.c.handled_at.is_(None), is_open, rows.c.handle_due_at <= as_of)).label("open_late"),
        # Cheapest and most selective test first (AND stops at the first false; same result).
        count_if(and_(rows.c.handle_due_at > as_of, is_open)).label("open_not_due"),
        count_if(is_open).label("open_backlog"),
        count_if(rows.c.acknowledged_at <= rows.c.ack_due_at).label("ack_on_time"),
        count_if(or_(rows.c.acknowledged_at > rows.c.ack_due_at,
                     and_(rows.c.acknowledged_at.is_(None), is_open, rows.c.ack_due_at <= as_of))).label("ack_late"),
        count_if(rows.c.reopened_count > 0).label("reopened"),
    ]


def _seconds(rows, which: str, as_of, as_of_s: int):
    """Seconds from receipt to acknowledging or handling; for an open complaint past that deadline,
    its age so far (a lower bound: it is at least that late)."""
    is_open = rows.c.status.in_(OPEN)
    if which == "handle":
        done, at_s, due = rows.c.handled_at, rows.c.handled_s, rows.c.handle_due_at
    else:
        done, at_s, due = rows.c.acknowledged_at, rows.c.ack_s, rows.c.ack_due_at
    return case((done.is_not(None), at_s - rows.c.received_s),
                (and_(is_open, due <= as_of), literal(as_of_s) - rows.c.received_s), else_=None)


def _percentiles(session: Session, rows, keys: list, as_of, as_of_s: int, portable: bool = False) -> dict:
    """{key tuple: {"ack": (n, p50, p90), "handle": (n, p50, p90)}} in seconds."""
    dialect = session.get_bind().dialect.name
    out: dict = {}
    for which in ("ack", "handle"):
        x = _seconds(rows, which, as_of, as_of_s)
        if dialect == "postgresql" and not portable:
            pct = func.percentile_cont(postgresql.array([0.5, 0.9])).within_group(cast(x, Float))
            query = select(*keys, func.count(x).label("n"), pct.label("p"))
            if keys:
                query = query.group_by(*keys)
            for row in session.execute(query):
                p = row.p or [None, None]
                out.setdefault(tuple(row[:len(keys)]), {})[which] = (row.n, p[0], p[1])
            continue
        ranked = (select(*[k.label(f"k{i}") for i, k in enumerate(keys)], x.label("x"),
                         (func.row_number().over(partition_by=keys or None, order_by=x) - 1).label("rn"),
                         func.count().over(partition_by=keys or None).label("n"))
                  .where(x.is_not(None)).subquery("ranked"))
        kcols = [ranked.c[f"k{i}"] for i in range(len(keys))]
        picks = []
        for fraction in (0.5, 0.9):
            # In doubles, as percentile_cont does; floor() is not in every SQLite, where the cast truncates.
            position = (ranked.c.n - 1) * literal(fraction, Float)
            lo = cast(func.floor(position) if dialect == "postgresql" else position, Integer)
            hi = lo + case((position > lo, 1), else_=0)
            lo_x = func.sum(case((ranked.c.rn == lo, cast(ranked.c.x, Float)), else_=None))
            hi_x = func.sum(case((ranked.c.rn == hi, cast(ranked.c.x, Float)), else_=None))
            picks.append(lo_x + (hi_x - lo_x) * (func.max(position) - func.max(lo)))
        query = select(*kcols, func.max(ranked.c.n).label("n"), picks[0].label("p50"), picks[1].label("p90"))
        if kcols:
            query = query.group_by(*kcols)
        for row in session.execute(query):
            out.setdefault(tuple(row[:len(keys)]), {})[which] = (row.n, row.p50, row.p90)
    return out


def _breach_counts(session: Session, rows, group_by: str | None, extra_keys: list, only: dict | None = None,
                   with_total: bool = False) -> dict:
    """{key tuple: {"acknowledge": {"staff_told", "notify_failed"}, "handle": {...}}}: a breach counts
    for the agency and official it names (accountable when that deadline fell)."""
    if group_by in ("agency", "official"):
        keys = [Breach.agency_id if group_by == "agency" else Breach.official_id]
    else:
        keys = _key_columns(rows, group_by)
    keys = keys + extra_keys
    kinds = (Breach.kind, Breach.notify_failed)
    query = (select(*keys, *kinds, func.count().label("n"))
             .join(rows, rows.c.id == Breach.complaint_id)
             .where(Breach.kind.in_(("acknowledge", "handle")),
                    *[getattr(Breach, name) == value for name, value in (only or {}).items() if value is not None])
             .group_by(*keys, *kinds))
    out: dict = {}
    for row in session.execute(query):
        # Each breach falls in one group: the total is their sum.
        for key in (tuple(row[:len(keys)]), *((TOTAL,) if with_total and keys else ())):
            slot = out.setdefault(key, _no_breaches())[row.kind]
            slot["notify_failed" if row.notify_failed else "staff_told"] += row.n
    return out


def _no_breaches() -> dict:
    return {"acknowledge": {"staff_told": 0, "notify_failed": 0}, "handle": {"staff_told": 0, "notify_failed": 0}}


def _minutes(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 60.0, 1)


def _figures(counts: dict, pcts: dict, breaches: dict, min_sample: int) -> dict:
    judged = counts["handled"] + counts["open_late"]
    late = counts["handled_late"] + counts["open_late"]
    ack_judged = counts["ack_on_time"] + counts["ack_late"]
    out = {
        "received": counts["received"],
        "handled_on_time": counts["handled_on_time"],
        "handled_late": counts["handled_late"],
        "open_late": counts["open_late"],
        "late": late,
        "open_not_due": counts["open_not_due"],
        "open_backlog": counts["open_backlog"],
        "on_time_rate": rules.rate(counts["handled_on_time"], judged, min_sample),
        "acknowledge": {
            "on_time": counts["ack_on_time"], "late": counts["ack_late"],
            "on_time_rate": rules.rate(counts["ack_on_time"], ack_judged, min_sample),
        },
        "handle": {"on_time": counts["handled_on_time"], "late": late},
        "reopened": counts["reopened"],
        "reopened_share": rules.rate(counts["reopened"], counts["received"], min_sample),
    }
    for which, name in (("ack", "acknowledge"), ("handle", "handle")):
        n, p50, p90 = pcts.get(which, (0, None, None))
        out[name].update({
            "minutes_measured": n or 0, "median_minutes": _minutes(p50), "p90_minutes": _minutes(p90),
            "too_few_to_judge": (n or 0) < min_sample,
        })
        told = breaches.get(name, {"staff_told": 0, "notify_failed": 0})
        out[name]["breaches"] = {**told, "total": told["staff_told"] + told["notify_failed"]}
    return out


ZERO_COUNTS = {k: 0 for k in ("received", "handled", "handled_on_time", "handled_late", "open_late", "open_not_due",
                              "open_backlog", "ack_on_time", "ack_late", "reopened")}


TOTAL = "total"


def aggregate(session: Session, rows, as_of: datetime, *, group_by: str | None = None, extra_keys=(),
              min_sample: int = rules.MIN_SAMPLE, portable: bool = False, only: dict | None = None,
              breach_rows=None, breach_extra_keys=None, with_total: bool = False) -> dict:
    """{key tuple: figures} over the counted rows, grouped by `group_by` (and extra keys), plus
    {TOTAL: figures} when `with_total`. On PostgreSQL one pass gives the counts and percentiles of
    every group and the total (GROUPING SETS); SQLite takes a few passes with the same results.
    `only` ({"agency_id": .., "official_id": ..}) keeps the breaches naming that agency or official
    out of `breach_rows` (the period's counted complaints before that filter: a breach may name an
    agency that no longer held the complaint at its handle deadline). `portable` takes SQLite's
    percentile path on PostgreSQL too (the tests compare the two)."""
    as_of_s = int(as_of.timestamp())
    keys = _key_columns(rows, group_by) + list(extra_keys)
    native = session.get_bind().dialect.name == "postgresql" and not portable
    total_in_pass = native and with_total and bool(keys)
    columns = [*keys, *_measures(rows, as_of, as_of_s)]
    if native:
        for which in ("ack", "handle"):
            x = _seconds(rows, which, as_of, as_of_s)
            columns += [func.count(x).label(f"{which}_n"), func.percentile_cont(postgresql.array([0.5, 0.9]))
                        .within_group(cast(x, Float)).label(f"{which}_p")]
    if total_in_pass:
        columns.append(func.grouping(*keys).label("is_total"))
    query = select(*columns)
    if total_in_pass:
        query = query.group_by(func.grouping_sets(tuple_(*keys), text("()")))
    elif keys:
        query = query.group_by(*keys)
    counts, pcts = {}, {}
    for r in session.execute(query):
        row = r._mapping
        key = TOTAL if total_in_pass and row["is_total"] else tuple(r[:len(keys)])
        counts[key] = dict(row)
        if native:
            pcts[key] = {w: (row[f"{w}_n"], *(row[f"{w}_p"] or (None, None))) for w in ("ack", "handle")}
    if not native:
        pcts = _percentiles(session, rows, keys, as_of, as_of_s, portable)
    breaches = _breach_counts(session, rows if breach_rows is None else breach_rows, group_by,
                              list(extra_keys if breach_extra_keys is None else breach_extra_keys), only,
                              with_total=total_in_pass)
    out = {}
    for key in set(counts) | set(breaches):
        row_counts = {**ZERO_COUNTS, **{k: v for k, v in counts.get(key, {}).items() if k in ZERO_COUNTS}}
        out[key] = _figures(row_counts, pcts.get(key, {}), breaches.get(key, _no_breaches()), min_sample)
    if with_total and not total_in_pass:
        whole = aggregate(session, rows, as_of, min_sample=min_sample, portable=portable, only=only,
                          breach_rows=breach_rows) if keys else {(): out.get(())}
        out[TOTAL] = whole.get(()) or _figures(ZERO_COUNTS, {}, _no_breaches(), min_sample)
    elif with_total:
        out.setdefault(TOTAL, _figures(ZERO_COUNTS, {}, _no_breaches(), min_sample))
    return out


# ---- the report ------------------------------------------------------------------------------

def _labels(session: Session, group_by: str, ids: list) -> dict:
    ids = [i for i in ids if i is not None]
    if group_by == "agency":
        return {a.id: {"code": a.code, "name": a.name} for a in session.scalars(select(Agency).where(Agency.id.in_(ids)))}
    if group_by == "official":
        return {u.id: {"id": u.id, "username": u.username, "name": u.name}
                for u in session.scalars(select(User).where(User.id.in_(ids)))}
    if group_by == "category":
        return {c.id: {"code": c.code, "name": c.name_en, "name_id": c.name_id}
                for c in session.scalars(select(Category).where(Category.id.in_(ids)))}
    if group_by == "district":
        return {d.id: {"code": d.code, "name": d.name} for d in session.scalars(select(District).where(District.id.in_(ids)))}
    return {j.id: {"code": j.code, "name": j.name} for j in session.scalars(select(Jurisdiction).where(Jurisdiction.id.in_(ids)))}


NO_GROUP = {"agency": "no agency (in triage)", "official": "no accountable official", "district": "no district"}


def scope_filters(actor: Actor) -> dict:
    """Agency staff see their own agency's figures only."""
    if actor.is_agency_scoped:
        if actor.agency_id is None:
            raise Forbidden("this account belongs to no agency")
        return {"agency_id": actor.agency_id}
    return {}


def report(session: Session, now: datetime, actor: Actor, *, period: str, group_by: str = "agency",
           jurisdiction: str | None = None, min_sample: int = rules.MIN_SAMPLE, live: bool = False) -> dict:
    """The performance table of a period: one row per group, and the total. Unscoped reports read
    the rollups of closed complaints (performance_rollup); `live` computes everything afresh
    (the same figures: the tests compare them)."""
    per = parse_period(period)
    if group_by not in GROUP_BY:
        raise ValidationFailed(f"group_by must be one of: {', '.join(GROUP_BY)}", field="group_by")
    jurs = jurisdictions_in_scope(session, actor, jurisdiction)
    scope = scope_filters(actor)
    _sort_in_memory(session)
    if scope or live:
        rows = counted(session, jurs, per, **scope)
        every = in_period(jurs, per)
        grouped = aggregate(session, rows, now, group_by=group_by, min_sample=min_sample, only=scope,
                            breach_rows=every, with_total=True)
    else:
        counts, pcts, breaches = performance_rollup.report_figures(session, jurs, per, group_by, now)
        grouped = {key: _figures({**ZERO_COUNTS, **{k: v for k, v in counts.get(key, {}).items() if k in ZERO_COUNTS}},
                                 pcts.get(key, {}), breaches.get(key, _no_breaches()), min_sample)
                   for key in set(counts) | set(breaches) | {TOTAL}}
    total = grouped.pop(TOTAL)
    labels = _labels(session, group_by, [k[0] for k in grouped])
    items = []
    for (key,), figures in grouped.items():
        label = labels.get(key) or {"name": NO_GROUP.get(group_by, "none")}
        items.append({"group": {"id": key, **label}, **figures})
    items.sort(key=lambda item: (item["group"].get("code") or item["group"].get("name") or "~", item["group"]["id"] or 0))
    return {
        "period": {"label": per.label, "kind": per.kind, "start": per.start.isoformat(), "end": per.end.isoformat(),
                   "bounds": {j.code: [b.isoformat().replace("+00:00", "Z") for b in per.bounds(j.timezone)]
                              for j in jurs}},
        "group_by": group_by,
        "jurisdictions": [j.code for j in jurs],
        "as_of": now.isoformat().replace("+00:00", "Z"),
        "min_sample": min_sample,
        "items": items,
        "total": total,
    }


def trend(session: Session, now: datetime, actor: Actor, *, period: str, group_by: str | None = "agency",
          jurisdiction: str | None = None, min_sample: int = rules.MIN_SAMPLE, **filters) -> dict:
    """On-time rate by week (month, quarter) or month (year), per group."""
    per = parse_period(period)
    jurs = jurisdictions_in_scope(session, actor, jurisdiction)
    scope = {**filters, **scope_filters(actor)}
    rows = counted(session, jurs, per, **scope)
    every = in_period(jurs, per, **scope)
    grouped = aggregate(session, rows, now, group_by=group_by, extra_keys=[_bucket(rows, jurs, per)],
                        min_sample=min_sample, only={k: v for k, v in scope.items() if k in ("agency_id", "official_id")},
                        breach_rows=every, breach_extra_keys=[_bucket(every, jurs, per)])
    tz = jurs[0].timezone if jurs else "Asia/Jakarta"
    starts = [first.isoformat() for first, _s, _e in per.buckets(tz)]
    labels = _labels(session, group_by, [k[0] for k in grouped]) if group_by else {}
    series: dict = {}
    for key, figures in grouped.items():
        group, index = (key[0], key[1]) if group_by else (None, key[0])
        if index is None:
            continue
        entry = series.setdefault(group, {"group": {"id": group, **(labels.get(group) or {"name": "all"})},
                                          "points": [None] * len(starts)})
        entry["points"][index] = figures
    return {"buckets": starts, "series": sorted(series.values(), key=lambda s: str(s["group"].get("code") or
                                                                                 s["group"].get("name")))}


def histogram(session: Session, now: datetime, actor: Actor, *, period: str, jurisdiction: str | None = None,
              **filters) -> list[dict]:
    """How long handling took (open complaints past due at their age so far), in buckets."""
    per = parse_period(period)
    jurs = jurisdictions_in_scope(session, actor, jurisdiction)
    rows = counted(session, jurs, per, **{**filters, **scope_filters(actor)})
    as_of_s = int(now.timestamp())
    seconds = _seconds(rows, "handle", now, as_of_s)
    whens = [(seconds < edge * 60, index) for index, edge in enumerate(HISTOGRAM_EDGES)]
    bucket = case(*whens, else_=len(HISTOGRAM_EDGES)).label("b")
    found = dict(session.execute(select(bucket, func.count()).where(seconds.is_not(None)).group_by(bucket)).all())
    out, low = [], 0
    for index, edge in enumerate(HISTOGRAM_EDGES + (None,)):
        out.append({"from_minutes": low, "to_minutes": edge, "count": found.get(index, 0)})
        low = edge
    return out


def breaches_by_district(session: Session, now: datetime, actor: Actor, *, period: str,
                         jurisdiction: str | None = None) -> list[dict]:
    per = parse_period(period)
    jurs = jurisdictions_in_scope(session, actor, jurisdiction)
    scope = scope_filters(actor)
    counts = _breach_counts(session, in_period(jurs, per), "district", [], scope)
    labels = _labels(session, "district", [k[0] for k in counts])
    out = [{"district": {"id": k[0], **(labels.get(k[0]) or {"name": NO_GROUP["district"]})},
            "acknowledge": v["acknowledge"], "handle": v["handle"],
            "total": sum(x for kind in v.values() for x in kind.values())} for k, v in counts.items()]
    return sorted(out, key=lambda item: (-item["total"], item["district"].get("code") or "~"))


# ---- contracts ---------------------------------------------------------------------------------

TARGET_FIELDS = ("on_time_rate", "median_handle_minutes", "p90_handle_minutes", "max_breaches", "max_reopened_share")


def _target_values(values: dict) -> dict:
    clean = {}
    for name in TARGET_FIELDS:
        raw = values.get(name)
        if raw is None or raw == "":
            clean[name] = None
            continue
        share = name in ("on_time_rate", "max_reopened_share")
        try:
            number = float(raw) if share else int(str(raw).strip())
        except (TypeError, ValueError):
            raise ValidationFailed(f"{name} must be a {'number between 0 and 1' if share else 'whole number'}",
                                   field=name) from None
        if isinstance(raw, bool) or (share and not 0 <= number <= 1) or (not share and not 0 <= number <= 10 ** 6):
            raise ValidationFailed(f"{name} is out of range ({'0 to 1' if share else '0 or more'})", field=name)
        clean[name] = number
    if all(v is None for v in clean.values()):
        raise ValidationFailed("give at least one target", field="on_time_rate")
    return clean


def create_contract(session: Session, now: datetime, actor: Actor, *, official: str | int, period: str,
                    agency: str | None = None, note: str | None = None, **targets) -> PerformanceContract:
    """An admin records an agency head's targets for a period. Commits."""
    if actor.role != "admin" and actor.kind != "system":
        raise Forbidden("only administrators enter performance contracts")
    per = parse_period(period)
    if looks_numeric(official):  # an id; one larger than any row names nobody
        official_id = row_id(official)
        user = session.get(User, official_id) if official_id else None
    elif isinstance(official, str) and official.strip():
        user = session.scalar(select(User).where(User.username == official.strip()))
    else:
        raise ValidationFailed("official must be a username or user id", field="official")
    if user is None:
        raise ValidationFailed(f"unknown official {official!r}", field="official")
    if agency:
        target_agency = session.scalar(select(Agency).where(Agency.code == str(agency).strip().lower()))
        if target_agency is None:
            raise ValidationFailed(f"unknown agency {agency!r}", field="agency")
    else:
        target_agency = session.scalar(select(Agency).where(Agency.head_user_id == user.id).order_by(Agency.id))
        if target_agency is None:
            raise ValidationFailed(f"{user.name} heads no agency: say which agency", field="agency")
    if note is not None and (not isinstance(note, str) or len(note) > 4000):
        raise ValidationFailed("note must be text of at most 4000 characters", field="note")
    values = _target_values(targets)
    exists = session.scalar(select(PerformanceContract.id).where(
        PerformanceContract.official_id == user.id, PerformanceContract.agency_id == target_agency.id,
        PerformanceContract.period == per.label))
    if exists:
        raise Conflict(f"{user.name} already has a contract for {per.label} with this agency (#{exists})")
    contract = PerformanceContract(
        official_id=user.id, agency_id=target_agency.id, period=per.label, period_kind=per.kind,
        period_start=per.start, period_end=per.end, note=(note or "").strip() or None, created_by=actor.label,
        created_at=now, updated_at=now, **values)
    session.add(contract)
    session.commit()
    return contract


def contracts_visible(session: Session, actor: Actor, period: str | None = None) -> list[PerformanceContract]:
    query = select(PerformanceContract).join(Agency, Agency.id == PerformanceContract.agency_id)
    if actor.role not in READ_ROLES and actor.kind != "system":
        raise Forbidden("performance contracts are for staff and officials")
    if actor.is_agency_scoped:
        query = query.where(PerformanceContract.agency_id == actor.agency_id)
    elif actor.role != "admin" and actor.kind != "system":
        query = query.where(Agency.jurisdiction_id == actor.jurisdiction_id)
    if period:
        query = query.where(PerformanceContract.period == parse_period(period).label)
    return list(session.scalars(query.order_by(PerformanceContract.period.desc(), PerformanceContract.id)))


def get_contract(session: Session, actor: Actor, contract_id: int) -> PerformanceContract:
    if not isinstance(contract_id, int) or not 0 < contract_id < 2 ** 31:
        raise NotFound(f"no contract {contract_id}")
    contract = session.get(PerformanceContract, contract_id)
    if contract is None or contract not in contracts_visible(session, actor):
        raise NotFound(f"no contract {contract_id}")
    return contract


def targets_of(contract: PerformanceContract) -> rules.Targets:
    return rules.Targets(**{name: getattr(contract, name) for name in TARGET_FIELDS})


def contract_review(session: Session, now: datetime, actor: Actor, contract_id: int,
                    min_sample: int = rules.MIN_SAMPLE) -> dict:
    """Targets against actuals, the verdicts, the weekly trend and the breaches as evidence."""
    contract = get_contract(session, actor, contract_id)
    jur = session.get(Jurisdiction, contract.agency.jurisdiction_id)
    per = parse_period(contract.period)
    only = {"agency_id": contract.agency_id, "official_id": contract.official_id}
    rows = counted(session, [jur], per, **only)
    every = in_period([jur], per)
    figures = aggregate(session, rows, now, min_sample=min_sample, only=only, breach_rows=every).get(()) or _figures(
        ZERO_COUNTS, {}, _no_breaches(), min_sample)
    handle_breaches = _contract_breaches(session, contract, every, count_only=True)
    actuals = rules.Actuals(
        judged=figures["on_time_rate"]["of"], on_time_rate=figures["on_time_rate"]["value"],
        handled_count=figures["handle"]["minutes_measured"],
        median_handle_minutes=figures["handle"]["median_minutes"], p90_handle_minutes=figures["handle"]["p90_minutes"],
        breaches=handle_breaches, received=figures["received"], reopened_share=figures["reopened_share"]["value"])
    _start, end = per.bounds(jur.timezone)
    verdicts = rules.judge(targets_of(contract), actuals, period_over=now >= end, min_sample=min_sample)
    bucket = _bucket(rows, [jur], per)
    weekly = aggregate(session, rows, now, extra_keys=[bucket], min_sample=min_sample, only=only)
    weekly_breaches = _breach_counts(session, every, None, [_bucket(every, [jur], per)], only)
    buckets = per.buckets(jur.timezone)
    trend_points = []
    for index, (first, _s, _e) in enumerate(buckets):
        f = weekly.get((index,))
        trend_points.append({"start": first.isoformat(), "received": f["received"] if f else 0,
                             "on_time_rate": f["on_time_rate"] if f else rules.rate(0, 0, min_sample),
                             "handle_breaches": sum(weekly_breaches.get((index,), _no_breaches())["handle"].values())})
    return {
        "contract": contract_to_dict(contract),
        "jurisdiction": {"code": jur.code, "name": jur.name, "timezone": jur.timezone},
        "as_of": now.isoformat().replace("+00:00", "Z"),
        "period_over": now >= end,
        "status": rules.overall(verdicts),
        "verdicts": [asdict(v) for v in verdicts],
        "actuals": figures,
        "handle_breaches_counted": handle_breaches,
        "trend": {"bucket": "month" if per.kind == "year" else "week", "points": trend_points},
        "breaches": _contract_breaches(session, contract, every),
    }


def _contract_breaches(session: Session, contract: PerformanceContract, rows, count_only: bool = False):
    """Breaches naming this agency and official, of the complaints counted in the period."""
    cond = and_(Breach.agency_id == contract.agency_id, Breach.official_id == contract.official_id)
    ids = select(rows.c.id)
    if count_only:
        return session.scalar(select(func.count()).select_from(Breach).where(
            cond, Breach.kind == "handle", Breach.complaint_id.in_(ids))) or 0
    query = (select(Breach, Complaint.ticket, District.name.label("district"))
             .join(Complaint, Complaint.id == Breach.complaint_id)
             .outerjoin(District, District.id == Complaint.district_id)
             .where(cond, Breach.kind.in_(("acknowledge", "handle")), Breach.complaint_id.in_(ids))
             .order_by(Breach.due_at, Breach.id))
    out = []
    for breach, ticket, district in session.execute(query):
        out.append({
            "id": breach.id, "ticket": ticket, "kind": breach.kind, "district": district,
            "due_at": _z(breach.due_at), "detected_at": _z(breach.detected_at), "met_at": _z(breach.met_at),
            "minutes_late": breach.minutes_late, "open": breach.met_at is None,
            "staff_notified": breach.staff_notified, "notify_failed": breach.notify_failed,
            "official": breach.official_name,
        })
    return out


def _z(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def contract_to_dict(contract: PerformanceContract) -> dict:
    return {
        "id": contract.id, "period": contract.period, "period_kind": contract.period_kind,
        "period_start": contract.period_start.isoformat(), "period_end": contract.period_end.isoformat(),
        "official": {"id": contract.official_id, "username": contract.official.username,
                     "name": contract.official.name},
        "agency": {"code": contract.agency.code, "name": contract.agency.name},
        "targets": {name: getattr(contract, name) for name in TARGET_FIELDS},
        "note": contract.note, "created_by": contract.created_by, "created_at": _z(contract.created_at),
    }

