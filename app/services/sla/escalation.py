"""Fires due SLA steps (reminder, warning, breach, escalation) exactly once each, and lists breaches.

Each step is claimed and fired in its own transaction together with its event, breach and
outbox rows: a worker killed mid-step loses nothing, and two workers never fire one step twice."""
from __future__ import annotations

import base64
import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app import metrics
from app.clock import isoformat_z
from app.domain import ladder
from app.domain.actor import SYSTEM
from app.i18n import t
from app.models import Agency, Breach, Complaint
from app.services import audit, posts
from app.services.access import visibility
from app.services.errors import ValidationFailed
from app.services.messaging import notifications
from app.services.sla import cursor as sla_cursor

log = logging.getLogger("sigap.escalation")

# A step that raises is retried after this pause instead of spinning.
RETRY_FAILED_STEP = timedelta(minutes=1)
EVENT_KINDS = {ladder.REMIND: "reminded", ladder.WARN: "warned", ladder.BREACH: "breached", ladder.ESCALATE: "escalated",
               ladder.REPEAT: "escalated"}
BREACH_KINDS = {ladder.TRIAGE: "triage", ladder.ACKNOWLEDGE: "acknowledge", ladder.HANDLE: "handle"}


def _open_cursor():
    """Complaints whose cursor counts: open and not handled (others never fire, nor wake the loop)."""
    return (Complaint.next_step_at.is_not(None), Complaint.status.in_(ladder.OPEN_STATUSES),
            Complaint.handled_at.is_(None))


def claim_next(session: Session, now: datetime) -> tuple[int, str] | None:
    """(complaint id, step key) of the earliest due step, claimed in the current transaction."""
    complaint = _claim(session, now)
    return None if complaint is None else (complaint.id, complaint.next_step)


def _claim(session: Session, now: datetime) -> Complaint | None:
    """Take the earliest due step in the current transaction, or None when nothing is due.

    One statement: a conditional UPDATE of the row picked by a subquery that, on PostgreSQL,
    locks it and skips rows other workers hold (SKIP LOCKED); on SQLite the write transaction
    (BEGIN IMMEDIATE) serialises workers. Nothing fires for a complaint no longer open."""
    due = (
        select(Complaint.id)
        .where(Complaint.next_step_at <= now, *_open_cursor())
        .order_by(Complaint.next_step_at, Complaint.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    complaint = session.scalars(
        update(Complaint)
        .where(Complaint.id == due, Complaint.next_step_at <= now, Complaint.next_step.is_not(None))
        .values(sla_last_step=Complaint.next_step)
        .returning(Complaint)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).first()
    return complaint


def fire_next(session: Session, now: datetime) -> str | None:
    """Claim and fire one due step, committing it; returns its key ("" for a step that failed
    and was put back for a minute), or None when nothing is due."""
    complaint_id = None
    try:
        complaint = _claim(session, now)  # loaded fresh by the claim's RETURNING
        if complaint is None:
            session.rollback()
            return None
        complaint_id, key = complaint.id, complaint.next_step
        fire(session, complaint, key, now)
        session.commit()
        return key
    except Exception:
        session.rollback()
        if complaint_id is None:
            raise
        log.exception("SLA step of complaint %s failed at %s; retrying in %s", complaint_id, now, RETRY_FAILED_STEP)
        session.execute(update(Complaint).where(Complaint.id == complaint_id)
                        .values(next_step_at=now + RETRY_FAILED_STEP).execution_options(synchronize_session=False))
        session.commit()
        return ""


def run_due_steps(session: Session, now: datetime, *, limit: int = 1000, clock=None) -> int:
    """Fire every step due at `now` (up to `limit`), earliest first, one transaction each.
    A complaint several steps behind (the scheduler was down) fires them all, in order.
    With a `clock`, each step is stamped with the time it really fires (a long batch drifts)."""
    fired = 0
    # The common case, nothing due, costs one index probe.
    if session.scalar(select(Complaint.id).where(Complaint.next_step_at <= now, *_open_cursor()).limit(1)) is None:
        session.rollback()
        return 0
    # Reference rows stay in the identity map for the run, and staff lookups are cached.
    keep = _reference_rows(session)
    session.info[notifications.CACHE_KEY] = {}
    try:
        for _ in range(limit * 2):
            key = fire_next(session, max(now, clock.now()) if clock is not None else now)
            if key is None:
                break
            if key:
                fired += 1
                if fired >= limit:
                    break
    finally:
        session.info.pop(notifications.CACHE_KEY, None)
        del keep
    return fired


def _reference_rows(session: Session) -> list:
    from app.models import Category, Jurisdiction, SlaPolicy

    rows: list = []
    for model in (Jurisdiction, Agency, SlaPolicy, Category):
        rows.extend(session.scalars(select(model)))
    return rows


def next_due_at(session: Session) -> datetime | None:
    """When the earliest step falls due (the loop sleeps until then)."""
    return session.scalar(select(Complaint.next_step_at).where(*_open_cursor())
                          .order_by(Complaint.next_step_at).limit(1))


def fire(session: Session, complaint: Complaint, key: str, now: datetime) -> None:
    """Fire the step `key` of a complaint already claimed (no commit)."""
    clock, policy, checkpoint = sla_cursor.plan_inputs(complaint)
    steps = ladder.plan(clock, policy, checkpoint)
    step = next((s for s in steps if s.key == key), None)
    fired = list(complaint.sla_fired or [])
    if step is not None and key not in fired and ladder.is_relevant(step, clock) \
            and not sla_cursor.follows_open_original(complaint):
        late = ladder.is_late(step, now)
        base = {
            "step": key, "deadline": step.deadline, "due_at": isoformat_z(step.due_at),
            "deadline_at": isoformat_z(step.deadline_at), "late": late,
            "late_seconds": max(int((now - step.due_at).total_seconds()), 0),
        }
        with session.no_autoflush:
            if step.action in (ladder.REMIND, ladder.WARN):
                _remind(session, complaint, step, now, base)
            elif step.action == ladder.BREACH:
                _breach(session, complaint, step, now, base, policy)
            elif step.action == ladder.REPEAT:
                _repeat(session, complaint, step, now, base, policy, ladder.repeat_overtaken(step, steps, now))
            else:
                _escalate(session, complaint, step, now, base, policy.levels)
        fired.append(key)
        complaint.sla_fired = fired
        complaint.sla_last_step_at = now
        metrics.step_fired(session, EVENT_KINDS[step.action], base["late_seconds"])
    sla_cursor.settle_breaches(session, complaint, now)
    sla_cursor.reschedule(complaint, now)


def _names(recipients) -> list[str]:
    return [f"{r.name} ({r.channel})" for r in recipients]


def _what(step: ladder.Step):
    return lambda lang: t(f"core.what.{step.deadline}", lang)


def _remind(session: Session, complaint: Complaint, step: ladder.Step, now: datetime, data: dict) -> None:
    who = ladder.audiences(step, complaint.agency_id is not None)[0]
    recipients = notifications.audience(session, complaint, who, now)
    useful = ladder.message_still_useful(step, now)
    if recipients and useful:
        template = "core.staff.triage_remind" if step.deadline == ladder.TRIAGE else f"core.staff.{step.action}"
        left = max(int((step.deadline_at - now).total_seconds() // 60), 0)
        notifications.tell_staff(session, complaint, recipients, template, now, due=_due(complaint, step),
                                 left=left, what=_what(step), extra={"step": step.key})
    data.update(audience=who, recipients=_names(recipients), nobody_reachable=not recipients,
                sent=bool(recipients and useful))
    if not useful:
        data["not_sent"] = "caught up after the deadline had passed"
    audit.record(session, complaint, EVENT_KINDS[step.action], now, SYSTEM, data=data)


def _due(complaint: Complaint, step: ladder.Step):
    return notifications.local_time(complaint, step.deadline_at)


def _breach(session: Session, complaint: Complaint, step: ladder.Step, now: datetime, data: dict,
            policy: ladder.LadderPolicy | None = None) -> None:
    kind = BREACH_KINDS[step.deadline]
    if _open_breach_stands(session, complaint, kind, step, now, data):
        return
    agency: Agency | None = complaint.agency
    if kind == "triage":
        agency = session.scalar(select(Agency).where(Agency.jurisdiction_id == complaint.jurisdiction_id,
                                                     Agency.is_supervisor.is_(True)).order_by(Agency.id))
    # Charged to the holder of the accountable post when the deadline fell (the triage desk for triage).
    holder = posts.holder_at(session, agency_id=None if kind == "triage" else (agency.id if agency else None),
                             jurisdiction_id=complaint.jurisdiction_id, at=step.deadline_at)
    official_name = holder.name if holder else None
    staff = []
    for who in ladder.audiences(step, complaint.agency_id is not None, policy):
        if who != "reporter":
            staff += notifications.audience(session, complaint, who, now)
    staff = notifications.unique(staff)
    # Unique (complaint, kind, due_at): a second breach for one deadline cannot be written.
    breach = Breach(complaint_id=complaint.id, kind=kind, agency_id=agency.id if agency else None,
                    official_id=holder.user_id if holder else None, official_name=official_name,
                    due_at=step.deadline_at, detected_at=now, staff_notified=None if staff else False,
                    notify_failed=not staff)
    session.add(breach)
    metrics.breach_recorded(session, kind)
    session.flush()
    template = "core.staff.triage_breach" if kind == "triage" else "core.staff.breach"
    notifications.tell_staff(
        session, complaint, staff, template, now, breach_id=breach.id, due=_due(complaint, step), what=_what(step),
        official=lambda lang: official_name or t("core.no_official", lang), extra={"step": step.key},
    )
    told_citizen = False
    if kind == "handle":
        told_citizen = notifications.tell_reporter(session, complaint, "core.late", now,
                                                   due=_due(complaint, step)) is not None
    data.update(breach_id=breach.id, kind=kind, agency=agency.code if agency else None,
                agency_id=agency.id if agency else None, official=official_name,
                official_id=holder.user_id if holder else None, recipients=_names(staff), nobody_reachable=not staff,
                citizen_told=told_citizen)
    audit.record(session, complaint, "breached", now, SYSTEM, data=data)
    if kind == "acknowledge":
        complaint.ack_breached = True
    elif kind == "handle":
        complaint.handle_breached = True


def _open_breach_stands(session: Session, complaint: Complaint, kind: str, step: ladder.Step, now: datetime,
                        data: dict) -> bool:
    """A deadline moved earlier (a linked repeat report) after it was already breached: the open
    breach stands, and no second one is counted for the same miss."""
    flagged = {"acknowledge": complaint.ack_breached, "handle": complaint.handle_breached}.get(kind)
    if not flagged:
        return False
    existing = session.scalar(select(Breach).where(Breach.complaint_id == complaint.id, Breach.kind == kind,
                                                   Breach.met_at.is_(None)).order_by(Breach.id))
    if existing is None:
        return False
    data.update(breach_id=existing.id, kind=kind, already_breached=True,
                note="the deadline moved earlier; the breach already recorded stands")
    audit.record(session, complaint, "breached", now, SYSTEM, data=data)
    return True


def _escalate(session: Session, complaint: Complaint, step: ladder.Step, now: datetime, data: dict,
              levels: tuple[str, ...]) -> None:
    found: dict[str, list] = {}

    def reachable(level: str) -> bool:
        found[level] = notifications.audience(session, complaint, level, now)
        return bool(found[level])

    choice = ladder.choose_level(levels, complaint.sla_level or 0, reachable)
    if choice.level is not None:
        recipients, level_name = found[choice.level], choice.level
        complaint.sla_level = choice.level_index + 1
    else:
        # Nobody reachable on the rest of the ladder: the supervisors hear it instead.
        recipients, level_name = notifications.audience(session, complaint, "supervisors", now), "supervisors"
        complaint.sla_level = len(levels)
    late = max(int((now - step.deadline_at).total_seconds() // 60), 0)
    notifications.tell_staff(
        session, complaint, recipients, "core.staff.escalate", now, due=_due(complaint, step), what=_what(step),
        late=late, level=lambda lang: level_title(level_name, lang), extra={"step": step.key, "level": level_name},
    )
    data.update(level=choice.level, skipped=list(choice.skipped), recipients=_names(recipients),
                nobody_reachable=not recipients, fallback="supervisors" if choice.level is None else None)
    audit.record(session, complaint, "escalated", now, SYSTEM, data=data)


def _repeat(session: Session, complaint: Complaint, step: ladder.Step, now: datetime, data: dict,
            policy: ladder.LadderPolicy, overtaken: bool) -> None:
    """Past the top of the ladder: tell the top levels again (nobody reachable there: the supervisors),
    until someone acts on the missed deadline; the policy caps how many a day (ladder.repeat_times)."""
    recipients, levels = [], []
    for level in ladder.top_levels(policy.levels):
        found = notifications.audience(session, complaint, level)
        if found:
            recipients += found
            levels.append(level)
    recipients = notifications.unique(recipients)
    if not recipients:
        recipients, levels = notifications.audience(session, complaint, "supervisors"), ["supervisors"]
    late = max(int((now - step.deadline_at).total_seconds() // 60), 0)
    if not overtaken:
        notifications.tell_staff(
            session, complaint, recipients, "core.staff.escalate", now, due=_due(complaint, step), what=_what(step),
            late=late, level=lambda lang: ", ".join(level_title(lv, lang) for lv in levels),
            extra={"step": step.key, "level": levels[-1], "repeat": step.index},
        )
    data.update(level=levels[-1], levels=levels, repeat=step.index, recipients=_names(recipients),
                nobody_reachable=not recipients, sent=bool(recipients) and not overtaken)
    if overtaken:
        data["not_sent"] = "caught up while a later repeat was already due"
    audit.record(session, complaint, "escalated", now, SYSTEM, data=data)


def level_title(level: str, lang: str) -> str:
    """A ladder level's name for people ("Camat"); unknown levels keep their policy name."""
    from app.i18n import catalogue

    key = f"core.level.{level}"
    return t(key, lang) if key in catalogue() else level.replace("_", " ")


# ---- breaches for the API --------------------------------------------------------------------

def breach_to_dict(breach: Breach, official: bool = True) -> dict:
    """A breach as the API shows it (UTC ISO-8601 with Z); `official=False` leaves out whom it is
    charged to (for readers who may not see staff names)."""
    agency = breach.agency
    return {
        "id": breach.id,
        "ticket": breach.complaint.ticket if breach.complaint is not None else None,
        "kind": breach.kind,
        "agency": {"code": agency.code, "name": agency.name} if agency is not None else None,
        "official": {"id": breach.official_id, "name": breach.official_name} if official else None,
        "due_at": isoformat_z(breach.due_at),
        "detected_at": isoformat_z(breach.detected_at),
        "met_at": isoformat_z(breach.met_at),
        "minutes_late": breach.minutes_late,
        "open": breach.met_at is None,
        "staff_notified": breach.staff_notified,
        "notify_failed": breach.notify_failed,
    }


def _cursor_encode(detected_at: datetime, breach_id: int) -> str:
    raw = f"{detected_at.timestamp():.6f}:{breach_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_decode(cursor: str) -> tuple[datetime, int]:
    from datetime import timezone

    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ts, ident = raw.split(":")
        return datetime.fromtimestamp(float(ts), tz=timezone.utc), int(ident)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("cursor is not one this API gave out", field="cursor") from None


def list_breaches(session: Session, *, agency_ids=None, jurisdiction_id: int | None = None,
                  since: datetime | None = None, until: datetime | None = None, kind: str | None = None,
                  limit: int = 50, cursor: str | None = None, scope=None) -> tuple[list[Breach], str | None]:
    """Breaches newest first (by detection time), filtered; returns (page, next cursor or None).
    since/until bound detected_at; agency_ids None means any agency; `scope` (a visibility Scope)
    keeps the breaches of complaints it admits."""
    if kind is not None and kind not in ("acknowledge", "handle", "triage"):
        raise ValidationFailed("kind must be acknowledge, handle or triage", field="kind")
    if not isinstance(limit, int) or not 1 <= limit <= 500:
        raise ValidationFailed("limit must be between 1 and 500", field="limit")
    for name, value in (("since", since), ("until", until)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise ValidationFailed(f"{name} must be a date-time with a time zone", field=name)
    query = select(Breach).options(selectinload(Breach.complaint), selectinload(Breach.agency))
    if agency_ids is not None:
        query = query.where(Breach.agency_id.in_(list(agency_ids)))
    if jurisdiction_id is not None or scope is not None:
        query = query.join(Complaint, Complaint.id == Breach.complaint_id)
    if jurisdiction_id is not None:
        query = query.where(Complaint.jurisdiction_id == jurisdiction_id)
    if scope is not None:
        query = query.where(visibility.condition(scope))
    if since is not None:
        query = query.where(Breach.detected_at >= since)
    if until is not None:
        query = query.where(Breach.detected_at < until)
    if kind is not None:
        query = query.where(Breach.kind == kind)
    if cursor:
        at, ident = _cursor_decode(cursor)
        query = query.where(or_(Breach.detected_at < at, and_(Breach.detected_at == at, Breach.id < ident)))
    rows = list(session.scalars(query.order_by(Breach.detected_at.desc(), Breach.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    next_cursor = _cursor_encode(page[-1].detected_at, page[-1].id) if len(rows) > limit else None
    return page, next_cursor


# ---- demo contacts ---------------------------------------------------------------------------

def add_demo_contacts(session: Session, now: datetime) -> int:
    """Made-up contacts for the demo (no village heads, so the ladder visibly skips that level).
    Idempotent; does not commit."""
    from app.models import District, Jurisdiction
    from app.models.sla_engine import EscalationContact

    added = 0
    for number, jur in enumerate(session.scalars(select(Jurisdiction).order_by(Jurisdiction.id)), start=1):
        if session.scalar(select(EscalationContact.id).where(EscalationContact.jurisdiction_id == jur.id).limit(1)):
            continue
        phones = _demo_phones(number)

        def phone(phones=phones) -> str:
            return next(phones)

        rows = [
            EscalationContact(jurisdiction_id=jur.id, level="regional_secretary", name=f"Sekda {jur.name}",
                              phone=phone(), created_at=now),
            EscalationContact(jurisdiction_id=jur.id, level="regent_office", name=f"Kantor Bupati {jur.name}",
                              phone=phone(), created_at=now),
        ]
        for agency in session.scalars(select(Agency).where(Agency.jurisdiction_id == jur.id,
                                                           Agency.is_supervisor.is_(False)).order_by(Agency.id)):
            rows.append(EscalationContact(jurisdiction_id=jur.id, level="agency_duty", agency_id=agency.id,
                                          name=f"Piket {agency.name}", phone=phone(), created_at=now))
            rows.append(EscalationContact(jurisdiction_id=jur.id, level="agency_head", agency_id=agency.id,
                                          name=agency.head_name or f"Kepala {agency.name}", phone=phone(),
                                          created_at=now))
        for district in session.scalars(select(District).where(District.jurisdiction_id == jur.id)
                                        .order_by(District.code)):
            rows.append(EscalationContact(jurisdiction_id=jur.id, level="camat", district_id=district.id,
                                          name=f"Camat {district.name}", phone=phone(), channel="whatsapp",
                                          created_at=now))
        session.add_all(rows)
        added += len(rows)
    session.flush()
    return added


def _demo_phones(number: int):
    return (f"+628129{number:02d}{serial:04d}" for serial in range(1, 10_000))
