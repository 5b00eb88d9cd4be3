"""A regency's public figures (no sign-in; open data as JSON and CSV): per agency and per
kecamatan, by month, the reports received, the share handled within the rule in force (each
complaint's own deadline, stamped from the policy in force when it was received), the median time
to handling and the citizens' satisfaction, with the history of the rule itself.

Aggregates only, built from the live performance computation (computation.py): no ticket, name,
number, description, village, address or point ever enters the result (its rows are counts keyed
by agency, kecamatan and month). A figure over fewer than SUPPRESS_BELOW complaints is withheld
(null) so that a small count cannot point at a household; a rate over fewer than MIN_SAMPLE is
marked too few to judge. A month is the local month of the handling deadline, as in the staff
reports.

A year's computation reads every complaint of the year (tens of seconds at a million on a busy
machine), so no visitor waits for it: the scheduler (jobs/public_figures.py) stores each regency's
figures as a snapshot every REFRESH_SECONDS, and a data call reads that snapshot (a row), kept in
each process for CACHE_SECONDS. Only a year nobody asked for before is computed on demand, once."""
from __future__ import annotations

import csv
import io
import json
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import performance as rules
from app.domain.local_time import local_time
from app.models import Agency, District, Jurisdiction, SlaPolicy
from app.models.satisfaction import PublicFiguresSnapshot
from app.services.errors import NotFound, ValidationFailed
from app.services.reporting import computation, satisfaction_figures

SUPPRESS_BELOW = 5
CACHE_SECONDS = 60  # per process, over the stored snapshot
REFRESH_SECONDS = 600  # the scheduler's refresh of the current year's snapshot
PAST_YEAR_REFRESH = timedelta(days=1)  # a past year changes little (late handling, answers): daily
_cache: dict = {}
_lock = threading.Lock()


def jurisdiction(session: Session, code) -> Jurisdiction:
    found = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code)) if isinstance(code, str) else None
    if found is None:
        raise NotFound("no such regency")
    return found


def year_of(text, now: datetime, tz: str) -> int:
    this_year = now.astimezone(ZoneInfo(tz)).year
    if text in (None, ""):
        return this_year
    if not isinstance(text, str) or not text.isdigit() or not 2020 <= int(text) <= this_year:
        raise ValidationFailed(f"year must be between 2020 and {this_year}", field="year")
    return int(text)


def document(session: Session, now: datetime, code, year=None, *, parse: bool = True) -> tuple[str, dict | None]:
    """(the JSON document as served, the same parsed unless parse=False) of a regency's year: the
    stored snapshot, kept in this process for CACHE_SECONDS; computed and stored only if there is none yet."""
    if not isinstance(code, str) or len(code) > 40:
        raise NotFound("no such regency")
    with _lock:
        hit = _cache.get((code, year or ""))
    if hit is not None and now < hit[0] <= now + timedelta(seconds=CACHE_SECONDS) and (hit[2] or not parse):
        return hit[1], hit[2]
    jur = jurisdiction(session, code)
    wanted = year_of(year, now, jur.timezone)
    stored = session.get(PublicFiguresSnapshot, (jur.id, wanted))
    payload = stored.payload if stored is not None else refresh(session, now, jur, wanted).payload
    parsed = json.loads(payload) if parse else None
    with _lock:
        _cache[(code, year or "")] = (now + timedelta(seconds=CACHE_SECONDS), payload, parsed)
    return payload, parsed


def figures(session: Session, now: datetime, code, year=None) -> dict:
    return document(session, now, code, year)[1]


def refresh(session: Session, now: datetime, jur: Jurisdiction, year: int) -> PublicFiguresSnapshot:
    """Compute a year's figures and store them as its snapshot; commits."""
    payload = json.dumps(compute(session, now, jur, year), ensure_ascii=False, separators=(",", ":"))
    snapshot = session.get(PublicFiguresSnapshot, (jur.id, year))
    if snapshot is None:
        snapshot = PublicFiguresSnapshot(jurisdiction_id=jur.id, year=year, computed_at=now, payload=payload)
        session.add(snapshot)
    else:
        snapshot.computed_at, snapshot.payload = now, payload
    session.commit()
    return snapshot


def refresh_due(session: Session, now: datetime) -> int:
    """The scheduler's pass: each regency's current year when older than REFRESH_SECONDS, any other
    stored year when older than PAST_YEAR_REFRESH. Returns how many were recomputed."""
    done = 0
    for jur in session.scalars(select(Jurisdiction).order_by(Jurisdiction.id)).all():
        current = now.astimezone(ZoneInfo(jur.timezone)).year
        stored = {s.year: s.computed_at for s in session.scalars(
            select(PublicFiguresSnapshot).where(PublicFiguresSnapshot.jurisdiction_id == jur.id))}
        for year in sorted(set(stored) | {current}):
            age = now - stored[year] if year in stored else None
            limit = timedelta(seconds=REFRESH_SECONDS) if year == current else PAST_YEAR_REFRESH
            if age is None or age >= limit:
                refresh(session, now, jur, year)
                done += 1
    return done


def forget_cache() -> None:
    with _lock:
        _cache.clear()


def _withheld(n: int | None) -> int | None:
    return n if n is not None and n >= SUPPRESS_BELOW else None


def _share(rate: dict) -> dict:
    base = rate["of"]
    if base < SUPPRESS_BELOW:
        return {"share": None, "of": None, "too_few_to_judge": True}
    return {"share": round(rate["value"], 4), "of": base, "too_few_to_judge": rate["too_few_to_judge"]}


def _cell(month: str, fig: dict | None, sat: tuple) -> dict:
    received = fig["received"] if fig else 0
    handle = fig["handle"] if fig else {"minutes_measured": 0, "median_minutes": None}
    sat_fig = satisfaction_figures.figures(*sat)
    answered = sat_fig["answered"]
    return {
        "month": month,
        "reports": _withheld(received),
        "handled_within_rule": _share(fig["on_time_rate"] if fig else rules.rate(0, 0)),
        "median_minutes_to_handling": handle["median_minutes"] if handle["minutes_measured"] >= SUPPRESS_BELOW
        else None,
        "satisfaction": {
            "asked": _withheld(sat_fig["asked"]),
            "answered": _withheld(answered),
            "response_rate": _share(sat_fig["response_rate"]),
            "mean_score": sat_fig["mean_score"] if answered >= SUPPRESS_BELOW else None,
            "satisfied_share": _share(sat_fig["satisfied_share"]),
        },
    }


def _rules(session: Session, jur: Jurisdiction) -> list[dict]:
    policies = session.scalars(select(SlaPolicy).where(SlaPolicy.jurisdiction_id == jur.id)
                               .order_by(SlaPolicy.effective_from, SlaPolicy.id))
    return [{"category": p.category.code if p.category is not None else None,
             "effective_from": p.effective_from.isoformat().replace("+00:00", "Z"),
             "effective_from_local": local_time(p.effective_from, jur.timezone, "date"),
             "handle_minutes": p.handle_minutes, "acknowledge_minutes": p.acknowledge_minutes}
            for p in policies]


def _targets_by_month(rule_rows: list[dict], months: list, tz: str) -> dict:
    """{month label: [handle minutes of the default rule in force during that month, in order]}."""
    defaults = [r for r in rule_rows if r["category"] is None]
    out = {}
    for first, start, end in months:
        label = first.strftime("%Y-%m")
        starts = [datetime.fromisoformat(r["effective_from"].replace("Z", "+00:00")) for r in defaults]
        in_force = [r["handle_minutes"] for r, at in zip(defaults, starts) if start <= at < end]
        before = [r["handle_minutes"] for r, at in zip(defaults, starts) if at < start]
        out[label] = ([before[-1]] if before else []) + in_force
    return out


def compute(session: Session, now: datetime, jur: Jurisdiction, year: int) -> dict:
    computation.sort_in_memory(session)
    period = rules.parse_period(str(year))
    months = period.months(jur.timezone)
    labels = [first.strftime("%Y-%m") for first, _s, _e in months]
    rows = computation.counted(session, [jur], period)
    bucket = computation.bucket(rows, [jur], period)
    every = computation.in_period([jur], period)
    every_bucket = computation.bucket(every, [jur], period)
    sat_rows = rows  # satisfaction is attributed like the on-time rate

    def grouped(dim: str | None) -> tuple[dict, dict]:
        perf = computation.aggregate(session, rows, now, group_by=dim, extra_keys=[bucket],
                                     breach_rows=every, breach_extra_keys=[every_bucket])
        keys = ([rows.c[f"{dim}_id"]] if dim else []) + [bucket]
        return perf, satisfaction_figures.counts(session, sat_rows, keys)

    def series(perf: dict, sat: dict, group) -> list[dict]:
        out = []
        for index, label in enumerate(labels):
            key = (group, index) if group is not ... else (index,)
            if key not in perf and key not in sat and group is not ...:
                continue
            out.append(_cell(label, perf.get(key), sat.get(key, satisfaction_figures.NONE)))
        return out

    total_perf, total_sat = grouped(None)
    result = {
        "jurisdiction": {"code": jur.code, "name": jur.name, "timezone": jur.timezone},
        "year": year,
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "refreshed_every_seconds": REFRESH_SECONDS,
        "suppressed_below": SUPPRESS_BELOW,
        "too_few_to_judge_below": rules.MIN_SAMPLE,
        "month_basis": "local month of the handling deadline",
        "months": labels,
        "rules": _rules(session, jur),
        "total": series(total_perf, total_sat, ...),
    }
    result["handle_target_minutes_by_month"] = _targets_by_month(result["rules"], months, jur.timezone)
    names = {"agency": {a.id: (a.code, a.name) for a in session.scalars(
                 select(Agency).where(Agency.jurisdiction_id == jur.id))},
             "district": {d.id: (d.code, d.name) for d in session.scalars(
                 select(District).where(District.jurisdiction_id == jur.id))}}
    for dim, out_key in (("agency", "agencies"), ("district", "districts")):
        perf, sat = grouped(dim)
        groups = {k[0] for k in perf if k != computation.TOTAL} | {k[0] for k in sat}
        items = []
        for group in groups:
            code, name = names[dim].get(group, (None, None))
            items.append({"code": code, "name": name, "months": series(perf, sat, group)})
        result[out_key] = sorted(items, key=lambda i: (i["name"] is None, i["name"] or ""))
    return result


CSV_COLUMNS = ("level", "code", "name", "month", "handle_target_minutes", "reports", "handled_within_rule_share",
               "handled_within_rule_of", "too_few_to_judge", "median_minutes_to_handling", "satisfaction_asked",
               "satisfaction_answered", "satisfaction_response_rate", "satisfaction_mean_score",
               "satisfaction_satisfied_share")


def as_csv(data: dict) -> str:
    """The same figures, one row per (level, group, month); empty cells are withheld figures."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    targets = data["handle_target_minutes_by_month"]

    def rows(level, code, name, months):
        for cell in months:
            within, sat = cell["handled_within_rule"], cell["satisfaction"]
            writer.writerow([level, code or "", name or "", cell["month"],
                             "/".join(str(m) for m in targets.get(cell["month"], [])),
                             _blank(cell["reports"]), _blank(within["share"]), _blank(within["of"]),
                             "yes" if within["too_few_to_judge"] else "no",
                             _blank(cell["median_minutes_to_handling"]), _blank(sat["asked"]), _blank(sat["answered"]),
                             _blank(sat["response_rate"]["share"]), _blank(sat["mean_score"]),
                             _blank(sat["satisfied_share"]["share"])])

    rows("regency", data["jurisdiction"]["code"], data["jurisdiction"]["name"], data["total"])
    for item in data["agencies"]:
        rows("agency", item["code"], item["name"], item["months"])
    for item in data["districts"]:
        rows("kecamatan", item["code"], item["name"], item["months"])
    return out.getvalue()


def _blank(value) -> str:
    return "" if value is None else str(value)
