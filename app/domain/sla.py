"""SLA deadline maths: which policy version governs a complaint, its deadlines and checkpoints
(reminder, warning, due) in calendar time, and by how much a deadline was missed."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, Sequence

from .calendar import SlaCalendar, aware_utc

ONE_MINUTE = timedelta(minutes=1)


class PolicyLike(Protocol):
    """What the maths needs of an SLA policy version (app.models.SlaPolicy fits)."""

    id: int
    category_id: int | None
    effective_from: datetime
    acknowledge_minutes: int
    handle_minutes: int
    triage_minutes: int
    reminder_fractions: list[float]
    calendar: str
    business_hours: dict | None


def select_policy(policies: Sequence[PolicyLike], category_id: int, received_at: datetime) -> PolicyLike | None:
    """The version in force at `received_at` for a category, among one jurisdiction's policies.

    Only versions with effective_from <= received_at count. A version for the category beats a
    default one (category_id None) whatever their dates; within one scope the latest
    effective_from wins, ties going to the highest id. None when nothing is in force."""
    received_utc = aware_utc(received_at, "received_at")
    specific: list[PolicyLike] = []
    default: list[PolicyLike] = []
    for policy in policies:
        if aware_utc(policy.effective_from, f"effective_from of policy {policy.id}") > received_utc:
            continue
        if policy.category_id is None:
            default.append(policy)
        elif policy.category_id == category_id:
            specific.append(policy)
    candidates = specific or default
    if not candidates:
        return None
    return max(candidates, key=lambda p: (aware_utc(p.effective_from, "effective_from"), p.id))


@dataclass(frozen=True)
class Deadlines:
    ack_due_at: datetime
    handle_due_at: datetime
    triage_due_at: datetime


def compute_deadlines(received_at: datetime, policy: PolicyLike, calendar: SlaCalendar) -> Deadlines:
    """The acknowledge, handle and triage deadlines of a complaint received at `received_at`."""
    return Deadlines(
        ack_due_at=calendar.add_minutes(received_at, policy.acknowledge_minutes),
        handle_due_at=calendar.add_minutes(received_at, policy.handle_minutes),
        triage_due_at=calendar.add_minutes(received_at, policy.triage_minutes),
    )


def checkpoint_at(received_at: datetime, target_minutes: float, fraction: float, calendar: SlaCalendar) -> datetime:
    """The instant when `fraction` of the target has elapsed in calendar time
    (reminder at 0.5, warning at 0.75, due at 1.0, which equals the deadline itself)."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not math.isfinite(fraction) or fraction < 0:
        raise ValueError(f"fraction must be a finite number >= 0, got {fraction!r}")
    if isinstance(target_minutes, bool) or not isinstance(target_minutes, (int, float)) \
            or not math.isfinite(target_minutes) or target_minutes < 0:
        raise ValueError(f"target_minutes must be a finite number >= 0, got {target_minutes!r}")
    return calendar.add_minutes(received_at, target_minutes * fraction)


def minutes_late(due_at: datetime, met_at: datetime) -> int:
    """Whole minutes past the deadline, rounded up (30 s late is 1 minute); 0 if on time."""
    late = aware_utc(met_at, "met_at") - aware_utc(due_at, "due_at")
    if late <= timedelta(0):
        return 0
    return -((-late) // ONE_MINUTE)
