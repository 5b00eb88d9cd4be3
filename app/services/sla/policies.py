"""Changing SLA targets by adding a policy version (e.g. the 2-hour rule from a date); open complaints
keep the deadlines they were given."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import in_service_years
from app.domain import ladder
from app.models import OPEN_STATUSES, Category, Complaint, Jurisdiction, SlaPolicy
from app.services.errors import NotFound, ValidationFailed

# Columns a new version copies from the one before it.
COPIED = ("acknowledge_minutes", "handle_minutes", "triage_minutes", "reminder_fractions", "escalation_ladder",
          "repeat_minutes", "evidence_photo", "evidence_location", "calendar", "business_hours", "may_pause",
          "repeat_daily_cap")
MAX_MINUTES = 60 * 24 * 366


def _by_code(session: Session, model, code: str, what: str):
    """The `model` row (a Jurisdiction, a Category) with `code`; NotFound naming the known codes."""
    found = session.scalar(select(model).where(model.code == code))
    if found is None:
        known = ", ".join(session.scalars(select(model.code).order_by(model.code)))
        raise NotFound(f"no {what} {code!r} (known: {known or 'none'})", field=what)
    return found


def _jurisdiction(session: Session, code: str) -> Jurisdiction:
    return _by_code(session, Jurisdiction, code, "jurisdiction")


def _category(session: Session, code: str) -> Category:
    return _by_code(session, Category, code, "category")


def latest_version(session: Session, jurisdiction_id: int, category_id: int | None) -> SlaPolicy | None:
    """The scope's version with the latest effective_from (ties: the newest row)."""
    scope = SlaPolicy.category_id.is_(None) if category_id is None else SlaPolicy.category_id == category_id
    return session.scalar(select(SlaPolicy).where(SlaPolicy.jurisdiction_id == jurisdiction_id, scope)
                          .order_by(SlaPolicy.effective_from.desc(), SlaPolicy.id.desc()).limit(1))


def _minutes(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(f"{name} must be a whole number of minutes", field=name)
    if not 0 < value <= MAX_MINUTES:
        raise ValidationFailed(f"{name} must be between 1 and {MAX_MINUTES} minutes, got {value}", field=name)
    return value


def set_target(session: Session, now: datetime, *, jurisdiction_code: str, handle_minutes: int,
               effective_from: datetime, acknowledge_minutes: int | None = None, category_code: str | None = None,
               note: str | None = None, retroactive: bool = False, evidence_photo: bool | None = None,
               evidence_location: bool | None = None) -> SlaPolicy:
    """Adds a policy version for the jurisdiction (default scope, or one category) from `effective_from`,
    copying everything but the targets from the scope's latest version. An effective time in the past
    is refused unless `retroactive` (complaints received since keep their deadlines either way:
    `governed_retroactively` lists them). Commits."""
    if effective_from.tzinfo is None:
        raise ValidationFailed("effective_from needs a time zone", field="effective_from")
    if not in_service_years(effective_from):
        raise ValidationFailed("effective_from must lie between 2000 and 2099", field="effective_from")
    jurisdiction = _jurisdiction(session, jurisdiction_code)
    category = _category(session, category_code) if category_code else None
    handle_minutes = _minutes(handle_minutes, "handle_minutes")
    if acknowledge_minutes is not None:
        acknowledge_minutes = _minutes(acknowledge_minutes, "acknowledge_minutes")

    previous = latest_version(session, jurisdiction.id, category.id if category else None)
    if previous is not None and effective_from < previous.effective_from:
        raise ValidationFailed(
            f"effective_from must not be earlier than the latest version of this policy "
            f"(#{previous.id}, effective {previous.effective_from.astimezone(ZoneInfo(jurisdiction.timezone)):%Y-%m-%d %H:%M} "
            f"{jurisdiction.timezone})", field="effective_from")
    if effective_from < now and not retroactive:
        local = effective_from.astimezone(ZoneInfo(jurisdiction.timezone))
        raise ValidationFailed(
            f"effective_from {local:%Y-%m-%d %H:%M} {jurisdiction.timezone} is in the past: complaints received since "
            f"then already have their deadlines. Give a time from now on, or --retroactive to record it anyway "
            f"(their deadlines are not rewritten; the complaints it would have governed are listed)",
            code="past_effective_from", field="effective_from")
    # A category's first own version starts from the jurisdiction's default.
    base = previous or (latest_version(session, jurisdiction.id, None) if category else None)
    values = {name: getattr(base, name) for name in COPIED} if base else {
        "triage_minutes": 30, "reminder_fractions": [0.5, 0.75], "escalation_ladder": [], "repeat_minutes": 60,
        "evidence_photo": False, "evidence_location": False, "calendar": "24x7", "business_hours": None,
        "may_pause": False, "repeat_daily_cap": ladder.DEFAULT_REPEAT_DAILY_CAP}
    values = {k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
              for k, v in values.items()}
    values["handle_minutes"] = handle_minutes
    if evidence_photo is not None:
        values["evidence_photo"] = bool(evidence_photo)
    if evidence_location is not None:
        values["evidence_location"] = bool(evidence_location)
    if acknowledge_minutes is not None:
        values["acknowledge_minutes"] = acknowledge_minutes
    elif values.get("acknowledge_minutes") is None:
        values["acknowledge_minutes"] = min(30, handle_minutes)
    if values["acknowledge_minutes"] > handle_minutes:
        raise ValidationFailed(
            f"the acknowledge target ({values['acknowledge_minutes']} min) cannot be longer than the handle "
            f"target ({handle_minutes} min): give a shorter acknowledge target", field="acknowledge_minutes")

    policy = SlaPolicy(jurisdiction_id=jurisdiction.id, category_id=category.id if category else None,
                       effective_from=effective_from, note=note, created_at=now, **values)
    session.add(policy)
    session.commit()
    return policy


MAX_REPEATS_PER_DAY = 48


def set_proof(session: Session, now: datetime, policy_id: int, *, photo: bool, location: bool,
              repeat_daily_cap: int | None = None) -> SlaPolicy:
    """Which proof of action handling needs under this policy version (a photo, a location check-in,
    both or neither), and how many repeat alerts past the top of the ladder a day. Applies to the
    complaints that keep this version, open ones included (the next handling asks for it). Commits."""
    policy = session.get(SlaPolicy, policy_id) if isinstance(policy_id, int) else None
    if policy is None:
        raise NotFound(f"no policy version #{policy_id}", field="policy")
    if repeat_daily_cap is not None:
        if isinstance(repeat_daily_cap, bool) or not isinstance(repeat_daily_cap, int) \
                or not 0 <= repeat_daily_cap <= MAX_REPEATS_PER_DAY:
            raise ValidationFailed(f"repeat alerts a day must be a whole number from 0 to {MAX_REPEATS_PER_DAY}",
                                   field="repeat_daily_cap")
        policy.repeat_daily_cap = repeat_daily_cap
    policy.evidence_photo, policy.evidence_location = bool(photo), bool(location)
    session.commit()
    return policy


def set_told_of(session: Session, now: datetime, *, jurisdiction_code: str, level: str, deadlines,
                category_code: str | None = None, note: str | None = None) -> SlaPolicy:
    """Which missed deadlines (acknowledge, handle) a ladder level hears of at once: a new policy
    version from `now`, copying the scope's latest one with that level's "told_of" set. Complaints
    already received keep the version they had. Commits."""
    deadlines = list(dict.fromkeys(d.strip() for d in deadlines if d and d.strip()))
    unknown = [d for d in deadlines if d not in ladder.TOLD_OF_DEADLINES]
    if unknown:
        raise ValidationFailed(f"unknown deadline {unknown[0]!r}: use {' and/or '.join(ladder.TOLD_OF_DEADLINES)}",
                               field="deadlines")
    jurisdiction = _jurisdiction(session, jurisdiction_code)
    category = _category(session, category_code) if category_code else None
    previous = latest_version(session, jurisdiction.id, category.id if category else None)
    if previous is None:
        raise NotFound(f"{jurisdiction.code} has no SLA policy{' for ' + category.code if category else ''} yet: "
                       "set one with `sla set-target` first", field="jurisdiction")
    levels = ladder.ladder_levels(previous.escalation_ladder)
    if level not in levels:
        raise ValidationFailed(f"{level!r} is not on this policy's ladder ({', '.join(levels) or 'empty'})",
                               field="level")
    values = {name: getattr(previous, name) for name in COPIED}
    values["escalation_ladder"] = [
        {**(item if isinstance(item, dict) else {"level": item}),
         **({"told_of": deadlines} if ladder.ladder_levels([item]) == (level,) else {})}
        for item in previous.escalation_ladder or ()]
    policy = SlaPolicy(jurisdiction_id=jurisdiction.id, category_id=category.id if category else None,
                       effective_from=max(now, previous.effective_from), created_at=now,
                       note=note or f"{level} told of missed: {', '.join(deadlines) or 'none'}", **values)
    session.add(policy)
    session.commit()
    return policy


@dataclass
class AffectedSummary:
    open_complaints: int  # open complaints in the scope: all keep the deadlines they have
    categories_with_own_policy: list[str]  # untouched by a change to the default scope


def affected_summary(session: Session, jurisdiction: Jurisdiction, effective_from: datetime,
                     category: Category | None = None) -> AffectedSummary:
    """What a new version changes for complaints already in the system: nothing, and how many that is."""
    query = select(func.count(Complaint.id)).where(Complaint.jurisdiction_id == jurisdiction.id,
                                                   Complaint.status.in_(OPEN_STATUSES))
    if category is not None:
        query = query.where(Complaint.category_id == category.id)
    own = [] if category is not None else list(session.scalars(
        select(Category.code).join(SlaPolicy, SlaPolicy.category_id == Category.id)
        .where(SlaPolicy.jurisdiction_id == jurisdiction.id).distinct().order_by(Category.code)))
    return AffectedSummary(open_complaints=session.scalar(query) or 0, categories_with_own_policy=own)


def governed_retroactively(session: Session, policy: SlaPolicy, now: datetime) -> list[Complaint]:
    """The complaints a version dated in the past would have governed (received in its scope between
    its effective time and now); they keep the deadlines they were given."""
    query = select(Complaint).where(Complaint.jurisdiction_id == policy.jurisdiction_id,
                                    Complaint.received_at >= policy.effective_from, Complaint.received_at < now)
    if policy.category_id is not None:
        query = query.where(Complaint.category_id == policy.category_id)
    else:  # categories with their own versions are not governed by the default scope
        own = select(SlaPolicy.category_id).where(SlaPolicy.jurisdiction_id == policy.jurisdiction_id,
                                                  SlaPolicy.category_id.is_not(None))
        query = query.where(Complaint.category_id.not_in(own))
    return list(session.scalars(query.order_by(Complaint.received_at, Complaint.id)))
