"""The live computation behind every performance figure: which complaints a period counts, whom
each is attributed to (the agency accountable when its handle deadline fell, and the holder of that
agency's head post at that moment: app/services/posts/tenure.py), and the
counts, exact percentiles and breach figures over them, all in SQL (PostgreSQL's percentile_cont, and
on SQLite the same interpolation over window-ranked rows), never by loading complaints into Python.

`performance` (the reports and contracts) and `rollup` (the fast path over frozen facts of closed
complaints) both build on it; it imports neither. docs/performance.md describes the rules."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, and_, case, cast, false, func, literal, or_, select, text, true, tuple_
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased

from app.domain import performance as rules
from app.models import Agency, Breach, Complaint, Event, Jurisdiction
from app.services.errors import ValidationFailed
from app.services.posts import tenure

OPEN = ("received", "triage", "assigned", "acknowledged")
GROUP_BY = ("agency", "official", "category", "district", "jurisdiction")


def sort_in_memory(session: Session) -> None:
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

def _agency_changes(among=None, name: str = "agency_changes"):
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
            .where(raw.c.to_code.is_not(None)).cte(name))


def period_filter(jurisdictions: list[Jurisdiction], period: rules.Period):
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
        period_filter(jurisdictions, period))
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
    outer = attributed(session, period_filter(jurisdictions, period))
    query = select(*[c for c in outer.c if c.name != "has_handle_breach"])
    for column, value in (("agency_id", agency_id), ("official_id", official_id), ("category_id", category_id),
                          ("district_id", district_id)):
        if value is not None:
            query = query.where(outer.c[column] == value)
    return query.cte("counted")


def attributed(session: Session, where, among=None, breaches=None, suffix: str = ""):
    """The complaints matching `where`, one row each, attributed as `counted` describes, with
    has_handle_breach (the official comes from that breach, not from the agency's head).
    `among` (a select of complaint ids that `where` implies) narrows the events and breaches read;
    `breaches` (complaint_id, kind, agency_id, official_id), if given, holds at least their breaches.
    `suffix` names its CTEs apart from another attributed() in the same statement."""
    dialect = session.get_bind().dialect.name
    changes = _agency_changes(among, "agency_changes" + suffix)
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
    # The holder of the accountable post when the handle deadline fell (the agency's head; the
    # triage desk without an agency); a handle breach names the holder it was charged to.
    tenures = tenure.accountable_tenures("tenures" + suffix)
    official = case((has_breach, handle_breach.c.official_id), else_=tenures.c.user_id)
    rows = (select(*base.c, official.label("official_id"), has_breach.label("has_handle_breach"))
            .outerjoin(tenures, and_(tenures.c.k == tenure.accountable_key(base.c.agency_id, base.c.jurisdiction_id),
                                     tenure.during(tenures, base.c.handle_due_at)))
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


def bucket(rows, jurisdictions: list[Jurisdiction], period: rules.Period):
    """The trend bucket (0-based week or month of the period, local time) of each complaint."""
    whens = []
    for jur in jurisdictions:
        for index, (_first, _start, end) in enumerate(period.buckets(jur.timezone)):
            whens.append((and_(rows.c.jurisdiction_id == jur.id, rows.c.handle_due_at < end), index))
    return case(*whens, else_=None).label("bucket")


# ---- aggregates --------------------------------------------------------------------------------

def measures(rows, as_of: datetime, as_of_s: int):
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


def seconds(rows, which: str, as_of, as_of_s: int):
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
        x = seconds(rows, which, as_of, as_of_s)
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


def breach_counts(session: Session, rows, group_by: str | None, extra_keys: list, only: dict | None = None,
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
            slot = out.setdefault(key, no_breaches())[row.kind]
            slot["notify_failed" if row.notify_failed else "staff_told"] += row.n
    return out


def no_breaches() -> dict:
    return {"acknowledge": {"staff_told": 0, "notify_failed": 0}, "handle": {"staff_told": 0, "notify_failed": 0}}


def _minutes(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 60.0, 1)


def figures(counts: dict, pcts: dict, breaches: dict, min_sample: int) -> dict:
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
    columns = [*keys, *measures(rows, as_of, as_of_s)]
    if native:
        for which in ("ack", "handle"):
            x = seconds(rows, which, as_of, as_of_s)
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
    breaches = breach_counts(session, rows if breach_rows is None else breach_rows, group_by,
                              list(extra_keys if breach_extra_keys is None else breach_extra_keys), only,
                              with_total=total_in_pass)
    out = {}
    for key in set(counts) | set(breaches):
        row_counts = {**ZERO_COUNTS, **{k: v for k, v in counts.get(key, {}).items() if k in ZERO_COUNTS}}
        out[key] = figures(row_counts, pcts.get(key, {}), breaches.get(key, no_breaches()), min_sample)
    if with_total and not total_in_pass:
        whole = aggregate(session, rows, as_of, min_sample=min_sample, portable=portable, only=only,
                          breach_rows=breach_rows) if keys else {(): out.get(())}
        out[TOTAL] = whole.get(()) or figures(ZERO_COUNTS, {}, no_breaches(), min_sample)
    elif with_total:
        out.setdefault(TOTAL, figures(ZERO_COUNTS, {}, no_breaches(), min_sample))
    return out
