"""Each complaint's SLA cursor (next_step, next_step_at): what the engine does next and when, kept
in line with the complaint's state, and the breaches an action settles.

`reschedule` moves the cursor (intake, after every lifecycle action, after each step fired);
`settle_breaches` is the other half of an action: a triage breach is met when the complaint
leaves triage, and a breach recorded by a tick that raced an action taken in time is withdrawn.
The SLA clock itself (deadline maths) is app/domain/sla.py and app/domain/calendar.py."""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app import metrics
from app.domain import ladder
from app.domain.actor import SYSTEM
from app.domain.calendar import make_calendar
from app.domain.sla import checkpoint_at, minutes_late
from app.models import Breach, Complaint, SlaPolicy


@lru_cache(maxsize=256)
def _calendar(kind: str, tz: str, business_hours_json: str):
    return make_calendar(kind, tz, json.loads(business_hours_json) if business_hours_json else None)


def checkpoint_fn(policy: SlaPolicy, tz: str) -> ladder.Checkpoint:
    """checkpoint(start, target_minutes, fraction) in the policy's calendar and the jurisdiction's zone."""
    cal = _calendar(policy.calendar or "24x7", tz, json.dumps(policy.business_hours, sort_keys=True)
                    if policy.business_hours else "")
    return lambda start, target, fraction: checkpoint_at(start, target, fraction, cal)


def ladder_policy(policy: SlaPolicy) -> ladder.LadderPolicy:
    return ladder.LadderPolicy(
        fractions=tuple(float(f) for f in (policy.reminder_fractions or ())),
        levels=ladder.ladder_levels(policy.escalation_ladder),
        repeat_minutes=int(policy.repeat_minutes or 0),
        ack_minutes=policy.acknowledge_minutes,
        handle_minutes=policy.handle_minutes,
        triage_minutes=policy.triage_minutes,
        told_at_breach=ladder.told_of(policy.escalation_ladder),
        repeat_daily_cap=ladder.DEFAULT_REPEAT_DAILY_CAP if policy.repeat_daily_cap is None
        else int(policy.repeat_daily_cap),
    )


def clock_of(complaint: Complaint) -> ladder.ComplaintClock:
    return ladder.ComplaintClock(
        status=complaint.status, received_at=complaint.received_at, ack_due_at=complaint.ack_due_at,
        handle_due_at=complaint.handle_due_at, triage_due_at=complaint.triage_due_at,
        acknowledged_at=complaint.acknowledged_at, handled_at=complaint.handled_at,
        level=complaint.sla_level or 0, alert_acknowledged_at=complaint.alert_acknowledged_at,
    )


def plan_inputs(complaint: Complaint):
    """(clock, ladder policy, checkpoint) for the pure plan functions."""
    policy = complaint.sla_policy
    return clock_of(complaint), ladder_policy(policy), checkpoint_fn(policy, complaint.jurisdiction.timezone)


def settle_breaches(session: Session, complaint: Complaint, now: datetime) -> None:
    """What an action (or a step just fired) does to the complaint's breaches: withdraw those a
    tick recorded while the deadline was in fact met, and meet a triage breach once out of triage.
    Each withdrawal is an event in the trail."""
    _withdraw_raced_breaches(session, complaint, now)
    _meet_triage_breach(session, complaint, now)


def reschedule(complaint: Complaint, now: datetime) -> None:
    """Set complaint.next_step / next_step_at from its deadlines and what has already fired
    (no SQL: the cursor goes in with the row)."""
    if complaint.status not in ladder.OPEN_STATUSES or complaint.handled_at is not None \
            or follows_open_original(complaint):
        complaint.next_step = None
        complaint.next_step_at = None
        return
    clock, policy, checkpoint = plan_inputs(complaint)
    fired = list(complaint.sla_fired or [])
    if (complaint.reopened_count or 0) > (complaint.sla_reopened_seen or 0):
        # Alerts that fell due while it was marked handled were not missed: pass over them.
        fired += [s.key for s in ladder.passed_over(clock, policy, checkpoint, fired, now)]
        complaint.sla_fired = fired
        complaint.sla_reopened_seen = complaint.reopened_count
    step = ladder.next_step(clock, policy, checkpoint, fired)
    complaint.next_step = step.key if step else None
    complaint.next_step_at = step.due_at if step else None


def follows_open_original(complaint: Complaint) -> bool:
    """A linked repeat never reminds, escalates or breaches on its own while its original is open:
    the original's steps carry the alerts, and handling the original handles the repeat."""
    if complaint.repeat_of_id is None:
        return False
    original = complaint.repeat_of
    return original is not None and original.status in ladder.OPEN_STATUSES and original.handled_at is None


def _fired_any(complaint: Complaint, prefix: str) -> bool:
    return any(key.startswith(prefix) for key in complaint.sla_fired or ())


def _meet_triage_breach(session: Session, complaint: Complaint, now: datetime) -> None:
    """A triage breach is met when the complaint leaves triage (lifecycle meets the others)."""
    if complaint.status == "triage" or not _fired_any(complaint, "t.breach"):
        return
    for breach in session.scalars(select(Breach).where(
        Breach.complaint_id == complaint.id, Breach.kind == "triage", Breach.met_at.is_(None)
    )):
        breach.met_at = now
        breach.minutes_late = minutes_late(breach.due_at, now)
        from app.services import audit

        audit.record_breach_met(session, complaint, breach, now)


def _withdraw_raced_breaches(session: Session, complaint: Complaint, now: datetime) -> None:
    """A breach recorded by a tick that raced an action taken before the deadline is withdrawn:
    the deadline was met, and the trail says what happened."""
    ack_met_in_time = complaint.ack_breached and complaint.acknowledged_at is not None \
        and complaint.acknowledged_at <= complaint.ack_due_at
    handle_met_in_time = complaint.handle_breached and complaint.handled_at is not None \
        and complaint.handled_at <= complaint.handle_due_at
    if not (ack_met_in_time or handle_met_in_time):
        return
    met = {"acknowledge": complaint.acknowledged_at, "handle": complaint.handled_at}
    for breach in session.scalars(select(Breach).where(
        Breach.complaint_id == complaint.id, Breach.kind.in_(("acknowledge", "handle"))
    )).all():
        met_at = met.get(breach.kind)
        if met_at is None or met_at > breach.due_at:
            continue
        from app.services import audit

        audit.record(session, complaint, "breach_withdrawn", now, SYSTEM, data={
            "kind": breach.kind, "due_at": breach.due_at.isoformat(), "met_at": met_at.isoformat(),
            "reason": "the deadline was met; the alert raced the action",
        })
        session.execute(delete(Breach).where(Breach.id == breach.id))
        metrics.breach_withdrawn(session, breach.kind)
        session.expire(complaint, ["breaches"])
        if breach.kind == "acknowledge":
            complaint.ack_breached = False
        else:
            complaint.handle_breached = False
