"""The report's fast path: figures of closed complaints read from monthly rollups of frozen facts,
everything else computed live, with identical results (docs/performance.md, "How it is computed").

Closed is terminal, so a closed complaint's figures never change unless its row, breaches or
agency changes are edited: database triggers (migration 0008) then queue it in
performance_pending, and a queued complaint counts live (its old facts are subtracted) until
`refresh` has rebuilt its facts and the rollups of the months they touch."""
from __future__ import annotations

import math
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from app.domain import performance as rules
from app.models import Agency, Breach, Complaint, Jurisdiction
from app.models.performance_rollup import PerformanceBreachFact, PerformanceFact, PerformancePending, PerformanceRollup
from app.services.reporting import computation

# Statuses whose figures may still change (rejected never counts).
LIVE_STATUSES = ("received", "triage", "assigned", "acknowledged", "handled", "resolved")
DIMS = ("agency", "official", "category", "district", "jurisdiction")
COUNTS = ("handled", "handled_on_time", "handled_late", "ack_on_time", "ack_late", "reopened")
FRACTIONS = (0.5, 0.9)
MISSING = -1  # the group key of "no agency" / "no district" in joins (ids are positive)
LOCK_KEY = 7_300_008  # pg advisory lock (with the schema: locks span the database): one refresh at a time


def bucket_of(seconds, which: str):
    """The histogram bucket of a time to acknowledge or handle (whole seconds): minutes below two
    days (acknowledgements, which bunch in the first hour: 10 s there), days beyond (open
    complaints' ages would otherwise each make a bucket). Any non-decreasing function keeps the
    percentiles exact; the same SQL computes facts and live rows."""
    if which == "ack":
        return case((seconds < 3600, seconds // 10),
                    (seconds < 172_800, 360 + (seconds - 3600) // 60),
                    else_=3180 + (seconds - 172_800) // 86_400)
    return case((seconds < 172_800, seconds // 60), else_=2880 + (seconds - 172_800) // 86_400)


def _int(cond):
    return func.sum(case((cond, 1), else_=0))


# ---- keeping facts and rollups ---------------------------------------------------------------

def refresh(session: Session, limit: int = 20_000) -> int:
    """Take up to `limit` queued complaints: rebuild their facts and the rollups of the months those
    touch, in one transaction. Returns how many queue entries were taken (0: nothing to do, or
    another process is refreshing). Commits."""

    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        if isinstance(session.get_bind(), Engine) and not session.in_transaction():
            # One snapshot for the whole rebuild: a change committed meanwhile stays queued.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        lock = text("SELECT pg_try_advisory_xact_lock(:k, hashtext(current_schema()))")
        if not session.scalar(lock, {"k": LOCK_KEY}):
            session.rollback()
            return 0
    P, F, B = PerformancePending, PerformanceFact, PerformanceBreachFact
    batch = select(P.id).order_by(P.id).limit(limit).subquery()
    taken = session.execute(select(func.count(), func.max(batch.c.id))).one()
    if not taken[0]:
        session.rollback()
        return 0
    upto = taken[1]
    queued = select(P.complaint_id).where(P.id <= upto)
    touched = set(session.execute(select(F.jurisdiction_id, F.handle_due_at).where(F.complaint_id.in_(queued))))
    session.execute(delete(B).where(B.complaint_id.in_(queued)))
    session.execute(delete(F).where(F.complaint_id.in_(queued)))
    C = Complaint
    rows = computation.attributed(session, and_(C.id.in_(queued), C.status == "closed", C.repeat_of_id.is_(None)))
    ack_s = rows.c.ack_s - rows.c.received_s
    handle_s = rows.c.handled_s - rows.c.received_s
    facts = select(
        rows.c.id, rows.c.jurisdiction_id, rows.c.handle_due_at, rows.c.agency_id,
        # The holder charged at the deadline: fixed for good (a new holder starts after it).
        rows.c.official_id, false(),
        rows.c.category_id, rows.c.district_id, ack_s, handle_s, bucket_of(ack_s, "ack"), bucket_of(handle_s, "handle"),
        rows.c.handled_at.is_not(None), func.coalesce(rows.c.handled_at <= rows.c.handle_due_at, false()),
        func.coalesce(rows.c.handled_at > rows.c.handle_due_at, false()),
        func.coalesce(rows.c.acknowledged_at <= rows.c.ack_due_at, false()),
        func.coalesce(rows.c.acknowledged_at > rows.c.ack_due_at, false()), rows.c.reopened_count > 0)
    session.execute(insert(F).from_select(
        ["complaint_id", "jurisdiction_id", "handle_due_at", "agency_id", "official_id", "official_from_head",
         "category_id", "district_id", "ack_s", "handle_s", "ack_bucket", "handle_bucket", "handled",
         "handled_on_time", "handled_late", "ack_on_time", "ack_late", "reopened"], facts))
    session.execute(insert(B).from_select(
        ["breach_id", "complaint_id", "jurisdiction_id", "handle_due_at", "kind", "notify_failed", "agency_id",
         "official_id", "category_id", "district_id"],
        select(Breach.id, Breach.complaint_id, F.jurisdiction_id, F.handle_due_at, Breach.kind, Breach.notify_failed,
               Breach.agency_id, Breach.official_id, F.category_id, F.district_id)
        .join(F, F.complaint_id == Breach.complaint_id)
        .where(F.complaint_id.in_(queued), Breach.kind.in_(("acknowledge", "handle")))))
    touched |= set(session.execute(select(F.jurisdiction_id, F.handle_due_at).where(F.complaint_id.in_(queued))))
    zones = dict(session.execute(select(Jurisdiction.id, Jurisdiction.timezone)).all())
    months = {(jur, due.astimezone(ZoneInfo(zones[jur])).date().replace(day=1)) for jur, due in touched}
    for jur, month in sorted(months):
        _rebuild_month(session, jur, month, zones[jur])
    for jur, year in sorted({(jur, month.year) for jur, month in months}):
        _rebuild_year(session, jur, year)
    session.execute(delete(P).where(P.id <= upto))
    session.commit()
    return taken[0]


def refresh_all(session: Session, limit: int = 20_000) -> int:
    """Drain the queue (the job, the bench, tests)."""
    total = 0
    while (n := refresh(session, limit)):
        total += n
    return total


def _fact_keys(dim: str) -> list:
    F = PerformanceFact
    if dim == "official":
        return [F.agency_id, F.official_id, F.official_from_head]
    return [{"agency": F.agency_id, "category": F.category_id, "district": F.district_id,
             "jurisdiction": F.jurisdiction_id}[dim]]


def _breach_keys(dim: str) -> list:
    B = PerformanceBreachFact
    if dim == "official":
        return [B.agency_id, B.official_id, literal(False)]
    return [{"agency": B.agency_id, "category": B.category_id, "district": B.district_id,
             "jurisdiction": B.jurisdiction_id}[dim]]


def _rebuild_month(session: Session, jur: int, month: date, tz: str) -> None:
    F, B, R = PerformanceFact, PerformanceBreachFact, PerformanceRollup
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    start, end = rules.local_midnight(month, tz), rules.local_midnight(nxt, tz)
    session.execute(delete(R).where(R.jurisdiction_id == jur, R.month == month, R.dim.in_(DIMS)))
    columns = ["jurisdiction_id", "month", "dim", "key_a", "key_b", "key_c", "kind", "bucket", "n", *COUNTS]
    in_month = and_(F.jurisdiction_id == jur, F.handle_due_at >= start, F.handle_due_at < end)
    zeros = [literal(0)] * len(COUNTS)
    for dim in DIMS:
        keys = _fact_keys(dim)
        padded = keys + [null()] * (3 - len(keys))
        head = [literal(jur), literal(month), literal(dim), *padded]
        session.execute(insert(R).from_select(columns, select(
            *head, literal("count"), literal(0), func.count(), *[_int(getattr(F, c)) for c in COUNTS])
            .where(in_month).group_by(*keys)))
        for kind, bucket in (("ack", F.ack_bucket), ("handle", F.handle_bucket)):
            session.execute(insert(R).from_select(columns, select(
                *head, literal(kind), bucket, func.count(), *zeros)
                .where(in_month, bucket.is_not(None)).group_by(*keys, bucket)))
        bkeys = _breach_keys(dim)
        bpadded = bkeys + [null()] * (3 - len(bkeys))
        bkind = case((B.kind == "handle", "breach_handle"), else_="breach_acknowledge")
        session.execute(insert(R).from_select(columns, select(
            literal(jur), literal(month), literal(dim), *bpadded, bkind, case((B.notify_failed, 1), else_=0),
            func.count(), *zeros)
            .where(B.jurisdiction_id == jur, B.handle_due_at >= start, B.handle_due_at < end)
            .group_by(*[k for k in bkeys if not isinstance(k, BindParameter)], B.kind, B.notify_failed)))


# A year's rollups (the twelve months summed, in the same table: `month` the year's first day, `dim`
# prefixed): a year's report per district reads 25 x the buckets instead of 12 times that. Rebuilt
# from the months in the transaction that rebuilds any of them; a year without them (data rolled up
# before they existed) is read from its months.
YEAR_DIMS = ("agency", "official", "category", "district")  # "y:jurisdiction" would not fit dim's 12


def _year_dim(dim: str) -> str:
    return "y:" + dim


def _rebuild_year(session: Session, jur: int, year: int) -> None:
    R = PerformanceRollup
    first = date(year, 1, 1)
    session.execute(delete(R).where(R.jurisdiction_id == jur, R.month == first,
                                    R.dim.in_([_year_dim(d) for d in YEAR_DIMS])))
    columns = ["jurisdiction_id", "month", "dim", "key_a", "key_b", "key_c", "kind", "bucket", "n", *COUNTS]
    for dim in YEAR_DIMS:
        keys = (R.key_a, R.key_b, R.key_c, R.kind, R.bucket)
        session.execute(insert(R).from_select(columns, select(
            literal(jur), literal(first), literal(_year_dim(dim)), *keys, cast(func.sum(R.n), Integer),
            *[cast(func.sum(getattr(R, c)), Integer) for c in COUNTS])
            .where(R.jurisdiction_id == jur, R.month >= first, R.month < date(year + 1, 1, 1), R.dim == dim)
            .group_by(*keys)))


def _rollup_rows(session: Session, jurisdictions: list[Jurisdiction], period: rules.Period, group_by: str):
    """Which rollup rows a report reads: for a whole year, a jurisdiction's yearly rows when it has
    them (one index probe), else its months'."""
    R = PerformanceRollup
    yearly: set = set()
    if period.kind == "year" and group_by in YEAR_DIMS and jurisdictions:
        yearly = set(session.scalars(select(R.jurisdiction_id).where(
            R.jurisdiction_id.in_([j.id for j in jurisdictions]), R.month == period.start,
            R.dim == _year_dim(group_by)).distinct()))
    parts = []
    for j in jurisdictions:
        if j.id in yearly:
            parts.append(and_(R.jurisdiction_id == j.id, R.month == period.start, R.dim == _year_dim(group_by)))
        else:
            parts.append(and_(R.jurisdiction_id == j.id, R.month.in_([m for m, _s, _e in period.months(j.timezone)]),
                              R.dim == group_by))
    return or_(false(), *parts)


# ---- the fast report -------------------------------------------------------------------------

def _group_of_rollup(dim: str):
    R = PerformanceRollup
    return R.key_b if dim == "official" else R.key_a


def _group_of_fact(dim: str):
    F = PerformanceFact
    return {"agency": F.agency_id, "official": F.official_id, "category": F.category_id, "district": F.district_id,
            "jurisdiction": F.jurisdiction_id}[dim]


def _heads(query, dim: str, on):
    """Nothing to join any more: facts name the holder charged at the deadline (migration 0014 pinned
    the older "the agency's head now" facts to the head they showed)."""
    return query


def _key(expr):
    return func.coalesce(expr, MISSING)


def report_figures(session: Session, jurisdictions: list[Jurisdiction], period: rules.Period, group_by: str,
                   as_of: datetime) -> tuple[dict, dict, dict]:
    """(counts, percentiles, breaches) per group key (None: no group) and for "total", in the
    shapes `performance.aggregate` builds its figures from; equal to the live computation."""

    dialect = session.get_bind().dialect.name
    as_of_s = int(as_of.timestamp())
    F, B, P, R = PerformanceFact, PerformanceBreachFact, PerformancePending, PerformanceRollup
    C = Complaint
    queued = select(P.complaint_id)
    rollup_in = _rollup_rows(session, jurisdictions, period, group_by)
    fact_period = or_(false(), *[and_(F.jurisdiction_id == j.id, F.handle_due_at >= s, F.handle_due_at < e)
                                 for j in jurisdictions for s, e in [period.bounds(j.timezone)]])
    breach_period = or_(false(), *[and_(B.jurisdiction_id == j.id, B.handle_due_at >= s, B.handle_due_at < e)
                                   for j in jurisdictions for s, e in [period.bounds(j.timezone)]])
    complaint_period = [and_(C.jurisdiction_id == j.id, C.handle_due_at >= s, C.handle_due_at < e)
                        for j in jurisdictions for s, e in [period.bounds(j.timezone)]]
    # Live: what may still change, and closed complaints queued since their facts were made.
    ids = union_all(select(C.id).where(C.status.in_(LIVE_STATUSES), or_(false(), *complaint_period)),
                    queued).cte("live_ids")
    # The live complaints' breaches, read once: their attribution (the handle breach's official)
    # and the breach counts both use them.
    lb = (select(Breach.complaint_id, Breach.kind, Breach.agency_id, Breach.official_id, Breach.notify_failed)
          .where(Breach.complaint_id.in_(select(ids.c.id)), Breach.kind.in_(("acknowledge", "handle")))
          .cte("live_breaches"))
    if dialect == "postgresql":  # each is read several times: compute once
        ids, lb = ids.prefix_with("MATERIALIZED"), lb.prefix_with("MATERIALIZED")
    live_ids = select(ids.c.id)
    stale = and_(fact_period, F.complaint_id.in_(queued))  # facts replaced by the live rows

    # The live rows, attributed once for the whole report: counts, percentiles and breaches are
    # one statement (one snapshot), and PostgreSQL materialises the CTE once.
    # Open complaints straight from their covering index (migration 0030: no look-up per complaint),
    # and the closed ones queued since their facts were made: two disjoint sets.
    counts_in = computation.period_filter(jurisdictions, period)
    open_rows = computation.attributed(session, and_(counts_in, C.status.in_(LIVE_STATUSES)), among=live_ids,
                                       breaches=lb)
    queued_rows = computation.attributed(session, and_(counts_in, C.status.not_in(LIVE_STATUSES), C.id.in_(queued)),
                                         among=queued, breaches=lb, suffix="_queued")
    rows = union_all(select(open_rows), select(queued_rows)).cte("live_rows")
    if dialect == "postgresql":
        rows = rows.prefix_with("MATERIALIZED")
    g = _key(rows.c[f"{group_by}_id"])

    # Counts.
    measures = computation.measures(rows, as_of, as_of_s)
    names = [m.name for m in measures]
    live_counts = select(g.label("g"), *measures).group_by(g)
    fg = _key(_group_of_fact(group_by))
    stale_counts = _heads(select(fg.label("g"), (-func.count()).label("received"),
                                  *[(-_int(getattr(F, c))).label(c) for c in COUNTS]), group_by, F.agency_id
                           ).where(stale).group_by(fg)
    rg = _key(_group_of_rollup(group_by))
    rollup_counts = _heads(select(rg.label("g"), func.sum(R.n).label("received"),
                                  *[func.sum(getattr(R, c)).label(c) for c in COUNTS]), group_by, R.key_a
                           ).where(rollup_in, R.kind == "count").group_by(rg)
    parts = union_all(
        select(live_counts.subquery()),
        *[select(q.c.g, *[(q.c[n] if n in q.c else literal(0)).label(n) for n in names])
          for q in (stale_counts.subquery(), rollup_counts.subquery())]).subquery("parts")
    count_q = select(parts.c.g, *[func.sum(parts.c[n]).label(n) for n in names]).group_by(parts.c.g).subquery("c")
    pct_q = _percentiles(session, rows, g, group_by, rollup_in, stale, fact_period, as_of, as_of_s).subquery("p")
    breach_q = _breaches(rows, lb, group_by, rollup_in, breach_period, queued).subquery("b")

    def none(type_):
        return cast(null(), type_)

    nones = [none(BigInteger).label(n) for n in names]
    query = union_all(
        select(literal("c").label("part"), count_q.c.g, none(Integer).label("sub"), none(String).label("w"),
               none(BigInteger).label("r"), none(Float).label("v"),
               *[cast(count_q.c[n], BigInteger).label(n) for n in names]),
        select(literal("p"), pct_q.c.g, pct_q.c.t, pct_q.c.w, cast(pct_q.c.r, BigInteger),
               cast(pct_q.c.v, Float), *nones),
        select(literal("b"), breach_q.c.g, breach_q.c.failed, breach_q.c.kind, cast(breach_q.c.n, BigInteger),
               none(Float), *nones))
    counts: dict = {}
    pct_rows, breach_rows = [], []
    for r in session.execute(query):
        if r.part == "c":
            key = None if r.g == MISSING else r.g
            counts[(key,)] = {n: int(r._mapping[n] or 0) for n in names}
        elif r.part == "p":
            pct_rows.append((r.sub, r.g, r.w, r.r, r.v))
        else:
            breach_rows.append((r.g, r.w, r.sub, r.r))
    counts = {k: v for k, v in counts.items() if v["received"]}
    counts["total"] = {n: sum(v[n] for v in counts.values()) for n in names}
    return counts, _picked_percentiles(pct_rows), _breach_figures(breach_rows)


def _percentiles(session, rows, g, group_by, rollup_in, stale, fact_period, as_of, as_of_s):
    """Exact percentile_cont from histograms (`bucket_of`): the histograms (rollups, minus stale
    facts, plus live rows) locate the bucket holding each needed rank; only the values of that
    bucket are read, counted per value and ranked. Rows (t, g, w, r, v): each group's n (v null) and the ranked
    values needed (`_picked_percentiles` interpolates)."""

    F, R = PerformanceFact, PerformanceRollup
    xs = {w: computation.seconds(rows, w, as_of, as_of_s) for w in ("ack", "handle")}
    fg = _key(_group_of_fact(group_by))
    rg = _key(_group_of_rollup(group_by))
    hist_parts = []
    for w in ("ack", "handle"):
        x = xs[w]
        xs[w] = (select(g.label("g"), x.label("x"), bucket_of(x, w).label("b")).where(x.is_not(None))
                 .subquery(f"live_{w}"))
        lx = xs[w]
        hist_parts.append(select(lx.c.g, literal(w).label("w"), lx.c.b, func.count().label("n"))
                          .group_by(lx.c.g, lx.c.b))
        fb = F.ack_bucket if w == "ack" else F.handle_bucket
        hist_parts.append(_heads(select(fg.label("g"), literal(w).label("w"), fb.label("b"),
                                        (-func.count()).label("n")), group_by, F.agency_id)
                          .where(stale, fb.is_not(None)).group_by(fg, fb))
    # The months' rows as they are: the one grouping below sums them with the rest (grouping them
    # here first was a second pass over every histogram row of the period).
    hist_parts.append(_heads(select(rg.label("g"), R.kind.label("w"), R.bucket.label("b"), R.n.label("n")),
                             group_by, R.key_a)
                      .where(rollup_in, R.kind.in_(("ack", "handle"))))
    raw = union_all(*hist_parts).subquery("raw")
    # Counts fit in 4 bytes: integer sums (PostgreSQL sums bigints as numeric, slower in the windows).
    per_group = (select(raw.c.g, raw.c.w, raw.c.b, cast(func.sum(raw.c.n), Integer).label("n"))
                 .group_by(raw.c.g, raw.c.w, raw.c.b).cte("per_group"))
    hist = union_all(
        select(literal(0).label("t"), per_group.c.g, per_group.c.w, per_group.c.b, per_group.c.n)
        .where(per_group.c.n != 0),
        select(literal(1), literal(MISSING), per_group.c.w, per_group.c.b, cast(func.sum(per_group.c.n), Integer))
        .group_by(per_group.c.w, per_group.c.b).having(func.sum(per_group.c.n) != 0)).cte("hist")
    part = (hist.c.t, hist.c.g, hist.c.w)
    cum = select(*hist.c, func.sum(hist.c.n).over(partition_by=part, order_by=hist.c.b,
                                                  rows=(None, 0)).label("upto"),
                 func.sum(hist.c.n).over(partition_by=part).label("total")).cte("cum")
    rank_cols = []
    for i, p in enumerate(FRACTIONS):
        pos = (cum.c.total - 1) * literal(p)
        lo = func.floor(pos) if session.get_bind().dialect.name == "postgresql" else pos
        rank_cols += [cast(lo, Integer).label(f"lo{i}"),
                      (cast(lo, Integer) + case((pos > cast(lo, Integer), 1), else_=0)).label(f"hi{i}")]
    ranks = select(cum.c.t, cum.c.g, cum.c.w, cum.c.total, *rank_cols).distinct().cte("ranks")
    # The ranks needed, one row each (a handful per group), found in one pass over the histograms.
    needed = union_all(*[select(ranks.c.t, ranks.c.g, ranks.c.w, ranks.c[f"{side}{i}"].label("r"))
                         for i in range(len(FRACTIONS)) for side in ("lo", "hi")]).subquery("needed")
    wanted = (select(cum.c.t, cum.c.g, cum.c.w, cum.c.b, (needed.c.r - (cum.c.upto - cum.c.n)).label("off"),
                     needed.c.r)
              .join(needed, and_(needed.c.t == cum.c.t, needed.c.g == cum.c.g, needed.c.w == cum.c.w))
              .where(cum.c.upto - cum.c.n <= needed.c.r, needed.c.r < cum.c.upto)).cte("wanted")
    buckets = select(wanted.c.w, wanted.c.b).distinct().cte("buckets")
    vals_parts = []
    for w in ("ack", "handle"):
        lx = xs[w]
        vals_parts.append(select(lx.c.g, literal(w).label("w"), lx.c.b, lx.c.x.label("v"))
                          .where(lx.c.b.in_(select(buckets.c.b).where(buckets.c.w == w))))
        fb, fs = (F.ack_bucket, F.ack_s) if w == "ack" else (F.handle_bucket, F.handle_s)
        vals_parts.append(_heads(select(fg.label("g"), literal(w), fb, fs), group_by, F.agency_id)
                          .where(fact_period, ~F.complaint_id.in_(select(PerformancePending.complaint_id)),
                                 fb.in_(select(buckets.c.b).where(buckets.c.w == w))))
    vals = union_all(*vals_parts).subquery("vals")
    # Below two days a bucket holds at most 60 distinct whole seconds: count each value rather than
    # rank every row.
    per_value = (select(vals.c.g, vals.c.w, vals.c.b, vals.c.v, func.count().label("n"))
                 .group_by(vals.c.g, vals.c.w, vals.c.b, vals.c.v).cte("per_value"))
    counted = union_all(
        select(literal(0).label("t"), per_value.c.g, per_value.c.w, per_value.c.b, per_value.c.v, per_value.c.n),
        select(literal(1), literal(MISSING), per_value.c.w, per_value.c.b, per_value.c.v, func.sum(per_value.c.n))
        .group_by(per_value.c.w, per_value.c.b, per_value.c.v)).subquery("counted")
    ranked = select(counted, func.sum(counted.c.n).over(
        partition_by=(counted.c.t, counted.c.g, counted.c.w, counted.c.b), order_by=counted.c.v,
        rows=(None, 0)).label("upto")).subquery("ranked")
    picks = (select(wanted.c.t, wanted.c.g, wanted.c.w, wanted.c.r, ranked.c.v)
             .join(ranked, and_(ranked.c.t == wanted.c.t, ranked.c.g == wanted.c.g, ranked.c.w == wanted.c.w,
                                ranked.c.b == wanted.c.b, ranked.c.upto - ranked.c.n <= wanted.c.off,
                                wanted.c.off < ranked.c.upto)))
    return union_all(
        select(ranks.c.t, ranks.c.g, ranks.c.w, ranks.c.total.label("r"), cast(null(), Float).label("v")),
        select(picks.subquery()))


def _picked_percentiles(result_rows) -> dict:
    totals: dict = {}
    values: dict = {}
    for t, grp, w, r, v in result_rows:
        key = "total" if t == 1 else (None if grp == MISSING else grp,)
        if v is None:
            totals[(key, w)] = int(r)
        else:
            values[(key, w, int(r))] = float(v)
    out: dict = {}
    for (key, w), n in totals.items():
        picked = []
        for p in FRACTIONS:
            # percentile_cont: floor and ceil of p(n-1), interpolated in doubles.
            pos = p * (n - 1)
            lo = math.floor(pos)
            hi = lo + (1 if pos > lo else 0)
            a, b = values[(key, w, lo)], values[(key, w, hi)]
            picked.append(a if hi == lo else a + (b - a) * (pos - lo))
        out.setdefault(key, {})[w] = (n, *picked)
    return out


def _breaches(rows, lb, group_by, rollup_in, breach_period, queued):
    """Breach counts per (g, kind, failed): live rows' breaches (lb), minus stale facts', plus rollups."""
    B, R = PerformanceBreachFact, PerformanceRollup
    if group_by in ("agency", "official"):
        lg = lb.c.agency_id if group_by == "agency" else lb.c.official_id
        bg = B.agency_id if group_by == "agency" else B.official_id
    else:
        lg, bg = rows.c[f"{group_by}_id"], getattr(B, f"{group_by}_id")
    lg, bg = _key(lg), _key(bg)
    rg = _key(_group_of_rollup(group_by))
    parts = union_all(
        select(lg.label("g"), lb.c.kind.label("kind"), lb.c.notify_failed.label("failed"), func.count().label("n"))
        .join(rows, rows.c.id == lb.c.complaint_id)
        .group_by(lg, lb.c.kind, lb.c.notify_failed),
        select(bg, B.kind, B.notify_failed, -func.count())
        .where(breach_period, B.complaint_id.in_(queued)).group_by(bg, B.kind, B.notify_failed),
        _heads(select(rg, case((R.kind == "breach_handle", "handle"), else_="acknowledge"), R.bucket == 1,
                      func.sum(R.n)), group_by, R.key_a)
        .where(rollup_in, R.kind.in_(("breach_handle", "breach_acknowledge"))).group_by(rg, R.kind, R.bucket),
    ).subquery("parts")
    failed = case((parts.c.failed, 1), else_=0)
    return (select(parts.c.g, parts.c.kind, failed.label("failed"), func.sum(parts.c.n).label("n"))
            .group_by(parts.c.g, parts.c.kind, failed))


def _breach_figures(result_rows) -> dict:

    out: dict = {}
    for g, kind, failed, n in result_rows:
        if not n:
            continue
        for key in ((None if g == MISSING else g,), "total"):
            slot = out.setdefault(key, computation.no_breaches())[kind]
            slot["notify_failed" if failed else "staff_told"] += int(n)
    return out
