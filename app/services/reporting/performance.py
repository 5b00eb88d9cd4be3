"""Performance reports and contracts, aggregated in SQL (PostgreSQL's percentile_cont, and on
SQLite the same interpolation over window-ranked rows), never by loading complaints into Python.

Attribution and the period rule are written down in docs/performance.md."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import Session

from app.domain import performance as rules
from app.domain.actor import Actor
from app.domain.ids import looks_numeric, row_id
from app.models import Agency, Breach, Category, Complaint, District, Jurisdiction, User
from app.models.performance import PerformanceContract
from app.models.post import Post, PostHolder
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed  # noqa: F401 (re-exported)
from app.services.reporting import computation, satisfaction_figures
from app.services.reporting import rollup as performance_rollup

OPEN = ("received", "triage", "assigned", "acknowledged")
GROUP_BY = computation.GROUP_BY
READ_ROLES = ("officer", "agency_head", "supervisor", "official", "camat", "admin")
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
        if actor.jurisdiction_id is not None:
            query = query.where(Jurisdiction.id == actor.jurisdiction_id)
        elif not (actor.all_jurisdictions and actor.role in ("supervisor", "official")):
            raise Forbidden("this account is bound to no jurisdiction")
    found = list(session.scalars(query))
    if code and not found:
        raise NotFound(f"no jurisdiction {code!r}")
    return found


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
    """Agency staff see their own agency's figures only, a camat their kecamatan's."""
    if actor.is_agency_scoped:
        if actor.agency_id is None:
            raise Forbidden("this account belongs to no agency")
        return {"agency_id": actor.agency_id}
    if actor.role == "camat":
        if actor.district_id is None:
            raise Forbidden("this account is bound to no kecamatan")
        return {"district_id": actor.district_id}
    return {}


def _breach_only(scope: dict) -> dict:
    """Of the scope, what a breach names itself (its agency, its official): the rest narrows the complaints."""
    return {k: v for k, v in scope.items() if k in ("agency_id", "official_id")}


def _complaint_only(scope: dict) -> dict:
    return {k: v for k, v in scope.items() if k in ("category_id", "district_id")}


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
    computation.sort_in_memory(session)
    if scope or live:
        rows = computation.counted(session, jurs, per, **scope)
        every = computation.in_period(jurs, per, **_complaint_only(scope))
        grouped = computation.aggregate(session, rows, now, group_by=group_by, min_sample=min_sample,
                                        only=_breach_only(scope), breach_rows=every, with_total=True)
    else:
        counts, pcts, breaches = performance_rollup.report_figures(session, jurs, per, group_by, now)
        zero = computation.ZERO_COUNTS
        grouped = {key: computation.figures({**zero, **{k: v for k, v in counts.get(key, {}).items() if k in zero}},
                                            pcts.get(key, {}), breaches.get(key, computation.no_breaches()), min_sample)
                   for key in set(counts) | set(breaches) | {computation.TOTAL}}
    total = grouped.pop(computation.TOTAL)
    # The citizens' satisfaction beside the on-time rate (its response rate, too few marked).
    satisfied, total["satisfaction"] = satisfaction_figures.for_report(session, jurs, per, group_by, scope, min_sample)
    labels = _labels(session, group_by, [k[0] for k in grouped])
    items = []
    for (key,), figures in grouped.items():
        label = labels.get(key) or {"name": NO_GROUP.get(group_by, "none")}
        items.append({"group": {"id": key, **label}, **figures,
                      "satisfaction": satisfied.get((key,)) or satisfaction_figures.empty(min_sample)})
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
    rows = computation.counted(session, jurs, per, **scope)
    every = computation.in_period(jurs, per, **scope)
    grouped = computation.aggregate(
        session, rows, now, group_by=group_by, extra_keys=[computation.bucket(rows, jurs, per)],
        min_sample=min_sample, only={k: v for k, v in scope.items() if k in ("agency_id", "official_id")},
        breach_rows=every, breach_extra_keys=[computation.bucket(every, jurs, per)])
    tz = jurs[0].timezone if jurs else "Asia/Jakarta"
    starts = [first.isoformat() for first, _s, _e in per.buckets(tz)]
    labels = _labels(session, group_by, [k[0] for k in grouped]) if group_by else {}
    series: dict = {}
    for key, figures in grouped.items():
        group, index = (key[0], key[1]) if group_by else (None, key[0])
        if index is None:
            continue
        # Without a grouping the one series is everything; with one, the group without a key (a complaint
        # in triage has no agency) is that group, not "all".
        nameless = {"name": NO_GROUP.get(group_by, "none") if group_by else "all"}
        entry = series.setdefault(group, {"group": {"id": group, **(labels.get(group) or nameless)},
                                          "points": [None] * len(starts)})
        entry["points"][index] = figures
    return {"buckets": starts, "series": sorted(series.values(), key=lambda s: str(s["group"].get("code") or
                                                                                 s["group"].get("name")))}


def histogram(session: Session, now: datetime, actor: Actor, *, period: str, jurisdiction: str | None = None,
              **filters) -> list[dict]:
    """How long handling took (open complaints past due at their age so far), in buckets."""
    per = parse_period(period)
    jurs = jurisdictions_in_scope(session, actor, jurisdiction)
    rows = computation.counted(session, jurs, per, **{**filters, **scope_filters(actor)})
    as_of_s = int(now.timestamp())
    seconds = computation.seconds(rows, "handle", now, as_of_s)
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
    counts = computation.breach_counts(session, computation.in_period(jurs, per, **_complaint_only(scope)), "district",
                                       [], _breach_only(scope))
    labels = _labels(session, "district", [k[0] for k in counts])
    out = [{"district": {"id": k[0], **(labels.get(k[0]) or {"name": NO_GROUP["district"]})},
            "acknowledge": v["acknowledge"], "handle": v["handle"],
            "total": sum(x for kind in v.values() for x in kind.values())} for k, v in counts.items()]
    return sorted(out, key=lambda item: (-item["total"], item["district"].get("code") or "~"))


# ---- per kecamatan: the camats compared ----------------------------------------------------------

def districts(session: Session, now: datetime, actor: Actor, *, period: str, jurisdiction: str | None = None,
              min_sample: int = rules.MIN_SAMPLE) -> dict:
    """The report grouped by the kecamatan where each complaint is located, whichever agency held it,
    with each kecamatan's camats and its disputes (times a citizen said "not handled"): what the
    regent compares camats on. The figures are report(group_by="district")'s (the rollups, or live
    for a camat's own kecamatan); the disputes one more statement over the reopened complaints only."""
    result = report(session, now, actor, period=period, group_by="district", jurisdiction=jurisdiction,
                    min_sample=min_sample)
    jurs = jurisdictions_in_scope(session, actor, jurisdiction)
    scope = scope_filters(actor)
    disputes = _disputes(session, jurs, parse_period(period), scope.get("district_id"), scope.get("agency_id"))
    camats = _camats(session, [item["group"]["id"] for item in result["items"] if item["group"]["id"]])
    for item in result["items"]:
        key = item["group"]["id"]
        item["district"] = item.pop("group")
        item["camats"] = camats.get(key, [])
        item["disputed"] = disputes.get(key, 0)
    result["total"]["disputed"] = sum(disputes.values())
    result.pop("group_by")
    return result


def _disputes(session: Session, jurs: list[Jurisdiction], per: rules.Period, district_id: int | None,
              agency_id: int | None) -> dict:
    """{district id: times citizens said "not handled"} among the period's counted complaints. Reads
    only complaints reopened at least once (a partial index holds them) and their reopen events."""
    from app.models import Event

    by_citizen = Event.data["by_citizen"].as_boolean().is_(True)
    query = (select(Complaint.district_id, func.count())
             .join(Event, and_(Event.complaint_id == Complaint.id, Event.kind == "reopened"))
             .where(computation.period_filter(jurs, per), Complaint.reopened_count > 0, by_citizen)
             .group_by(Complaint.district_id))
    if district_id is not None:
        query = query.where(Complaint.district_id == district_id)
    if agency_id is not None:
        query = query.where(Complaint.agency_id == agency_id)
    return {district: n for district, n in session.execute(query)}


def _camats(session: Session, district_ids: list[int]) -> dict:
    """{district id: [name, ...]}: the active camat accounts and camat contacts of each kecamatan."""
    from app.models.sla_engine import EscalationContact

    out: dict = {}
    if not district_ids:
        return out
    rows = list(session.execute(select(User.district_id, User.name).where(
        User.role == "camat", User.active.is_(True), User.district_id.in_(district_ids)).order_by(User.name)))
    rows += list(session.execute(select(EscalationContact.district_id, EscalationContact.name).where(
        EscalationContact.level == "camat", EscalationContact.active.is_(True),
        EscalationContact.district_id.in_(district_ids)).order_by(EscalationContact.name)))
    for district_id, name in rows:
        names = out.setdefault(district_id, [])
        if name not in names:
            names.append(name)
    return out


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
                    agency: str | None = None, district: str | None = None, note: str | None = None,
                    **targets) -> PerformanceContract:
    """An admin records the targets of an agency head (for their agency) or of a camat (`district`:
    for their kecamatan) for a period overlapping their tenure. Commits."""
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
    if agency and district:
        raise ValidationFailed("a contract is for an agency (its head) or a kecamatan (its camat), not both",
                               field="district")
    target_agency = target_district = None
    if agency:
        target_agency = session.scalar(select(Agency).where(Agency.code == str(agency).strip().lower()))
        if target_agency is None:
            raise ValidationFailed(f"unknown agency {agency!r}", field="agency")
    elif district:
        target_district = _district_named(session, district)
    elif user.role == "camat" and user.district_id is not None:
        target_district = session.get(District, user.district_id)
    else:
        target_agency = session.scalar(select(Agency).where(Agency.head_user_id == user.id).order_by(Agency.id))
        if target_agency is None:
            raise ValidationFailed(f"{user.name} heads no agency: say which agency (or kecamatan)", field="agency")
    if target_agency is not None:
        holder = _tenure_in_period(session, user, per, kind="agency_head", agency=target_agency)
        same = PerformanceContract.agency_id == target_agency.id
    else:
        holder = _tenure_in_period(session, user, per, kind="camat", district=target_district)
        same = PerformanceContract.district_id == target_district.id
    if note is not None and (not isinstance(note, str) or len(note) > 4000):
        raise ValidationFailed("note must be text of at most 4000 characters", field="note")
    values = _target_values(targets)
    exists = session.scalar(select(PerformanceContract.id).where(
        PerformanceContract.official_id == user.id, same, PerformanceContract.period == per.label))
    if exists:
        raise Conflict(f"{user.name} already has a contract for {per.label} "
                       f"with this {'agency' if target_agency is not None else 'kecamatan'} (#{exists})")
    contract = PerformanceContract(
        official_id=user.id, agency_id=target_agency.id if target_agency is not None else None,
        district_id=target_district.id if target_district is not None else None, holder_id=holder.id,
        period=per.label, period_kind=per.kind,
        period_start=per.start, period_end=per.end, note=(note or "").strip() or None, created_by=actor.label,
        created_at=now, updated_at=now, **values)
    session.add(contract)
    session.commit()
    return contract


def _district_named(session: Session, district) -> District:
    """A kecamatan by its code (35.10.01) or id."""
    found = None
    if looks_numeric(district):
        ident = row_id(district)
        found = session.get(District, ident) if ident else None
    elif isinstance(district, str) and district.strip():
        found = session.scalar(select(District).where(District.code == district.strip()).order_by(District.id).limit(1))
    if found is None:
        raise ValidationFailed(f"unknown kecamatan {district!r}", field="district")
    return found


def _tenure_in_period(session: Session, user: User, per: rules.Period, *, kind: str,
                      agency: Agency | None = None, district: District | None = None) -> PostHolder:
    """The user's tenure of the post (the agency's head, or the kecamatan's camat) that the period
    falls in (at least in part): a contract belongs to one holder for a period within their tenure."""
    jur = session.get(Jurisdiction, agency.jurisdiction_id if agency is not None else district.jurisdiction_id)
    start, end = per.bounds(jur.timezone)
    post = (Post.agency_id == agency.id) if agency is not None else (Post.district_id == district.id)
    holder = session.scalar(select(PostHolder).join(Post, Post.id == PostHolder.post_id).where(
        Post.kind == kind, post, PostHolder.user_id == user.id,
        PostHolder.from_at < end, or_(PostHolder.until_at.is_(None), PostHolder.until_at > start))
        .order_by(PostHolder.from_at.desc()).limit(1))
    if holder is None:
        what = f"the head post of {agency.code}" if agency is not None else f"the camat post of {district.name}"
        raise ValidationFailed(f"{user.name} does not hold {what} during {per.label}: "
                               f"a contract belongs to the holder of the post (see `posts list`)",
                               code="not_the_holder", field="official")
    return holder


def contracts_visible(session: Session, actor: Actor, period: str | None = None) -> list[PerformanceContract]:
    query = (select(PerformanceContract)
             .outerjoin(Agency, Agency.id == PerformanceContract.agency_id)
             .outerjoin(District, District.id == PerformanceContract.district_id))
    if actor.role not in READ_ROLES and actor.kind != "system":
        raise Forbidden("performance contracts are for staff and officials")
    if actor.is_agency_scoped:
        query = query.where(PerformanceContract.agency_id == actor.agency_id)
    elif actor.role == "camat":
        # Agency officials' contracts measure whole agencies, beyond a kecamatan: a camat sees the
        # contracts of their own kecamatan.
        if actor.district_id is None:
            return []
        query = query.where(PerformanceContract.district_id == actor.district_id)
    elif actor.role != "admin" and actor.kind != "system":
        if actor.jurisdiction_id is None and not actor.all_jurisdictions:
            return []
        if actor.jurisdiction_id is not None:
            query = query.where(func.coalesce(Agency.jurisdiction_id, District.jurisdiction_id) == actor.jurisdiction_id)
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


def _jurisdiction_of(session: Session, contract: PerformanceContract) -> Jurisdiction:
    owner = contract.agency if contract.agency_id is not None else contract.district
    return session.get(Jurisdiction, owner.jurisdiction_id)


def _within_tenure(rows, holder: PostHolder | None, name: str):
    """Of the rows, those whose handle deadline fell within the holder's tenure."""
    if holder is None:
        return rows
    cond = [rows.c.handle_due_at >= holder.from_at]
    if holder.until_at is not None:
        cond.append(rows.c.handle_due_at < holder.until_at)
    return select(*rows.c).where(*cond).cte(name)


def contract_review(session: Session, now: datetime, actor: Actor, contract_id: int,
                    min_sample: int = rules.MIN_SAMPLE) -> dict:
    """Targets against actuals, the verdicts, the weekly trend and the breaches as evidence. An agency
    head's actuals are the complaints and breaches charged to them at the agency; a camat's are the
    per-kecamatan figures (complaints located in the kecamatan, whichever agency held them, and all
    their breaches) of the deadlines that fell within the camat's tenure."""
    contract = get_contract(session, actor, contract_id)
    jur = _jurisdiction_of(session, contract)
    per = parse_period(contract.period)
    if contract.district_id is not None:
        only = None
        rows = _within_tenure(computation.counted(session, [jur], per, district_id=contract.district_id),
                              contract.holder, "camat_counted")
        every = _within_tenure(computation.in_period([jur], per, district_id=contract.district_id),
                               contract.holder, "camat_in_period")
    else:
        only = {"agency_id": contract.agency_id, "official_id": contract.official_id}
        rows = computation.counted(session, [jur], per, **only)
        every = computation.in_period([jur], per)
    figures = (computation.aggregate(session, rows, now, min_sample=min_sample, only=only, breach_rows=every).get(())
               or computation.figures(computation.ZERO_COUNTS, {}, computation.no_breaches(), min_sample))
    handle_breaches = _contract_breaches(session, contract, every, count_only=True)
    actuals = rules.Actuals(
        judged=figures["on_time_rate"]["of"], on_time_rate=figures["on_time_rate"]["value"],
        handled_count=figures["handle"]["minutes_measured"],
        median_handle_minutes=figures["handle"]["median_minutes"], p90_handle_minutes=figures["handle"]["p90_minutes"],
        breaches=handle_breaches, received=figures["received"], reopened_share=figures["reopened_share"]["value"])
    _start, end = per.bounds(jur.timezone)
    verdicts = rules.judge(targets_of(contract), actuals, period_over=now >= end, min_sample=min_sample)
    bucket = computation.bucket(rows, [jur], per)
    weekly = computation.aggregate(session, rows, now, extra_keys=[bucket], min_sample=min_sample, only=only)
    weekly_breaches = computation.breach_counts(session, every, None, [computation.bucket(every, [jur], per)], only)
    buckets = per.buckets(jur.timezone)
    trend_points = []
    for index, (first, _s, _e) in enumerate(buckets):
        f = weekly.get((index,))
        trend_points.append({"start": first.isoformat(), "received": f["received"] if f else 0,
                             "on_time_rate": f["on_time_rate"] if f else rules.rate(0, 0, min_sample),
                             "handle_breaches": sum(weekly_breaches.get((index,),
                                                                        computation.no_breaches())["handle"].values())})
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
    """Breaches naming this agency and official, of the complaints computation.counted in the period;
    for a camat's contract every breach of the kecamatan's complaints in the period and tenure."""
    if contract.district_id is not None:
        cond = true()
    else:
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


def _tenure_of(contract: PerformanceContract) -> dict | None:
    holder = contract.holder
    if holder is None:
        return None
    return {"id": holder.id, "name": holder.name, "title": holder.title, "from": _z(holder.from_at),
            "until": _z(holder.until_at)}


def contract_to_dict(contract: PerformanceContract) -> dict:
    return {
        "id": contract.id, "period": contract.period, "period_kind": contract.period_kind,
        "period_start": contract.period_start.isoformat(), "period_end": contract.period_end.isoformat(),
        "official": {"id": contract.official_id, "username": contract.official.username,
                     "name": contract.official.name},
        "agency": None if contract.agency is None else {"code": contract.agency.code, "name": contract.agency.name},
        "district": None if contract.district is None else {"code": contract.district.code,
                                                            "name": contract.district.name},
        "tenure": _tenure_of(contract),
        "targets": {name: getattr(contract, name) for name in TARGET_FIELDS},
        "note": contract.note, "created_by": contract.created_by, "created_at": _z(contract.created_at),
    }

