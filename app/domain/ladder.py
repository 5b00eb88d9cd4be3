"""The SLA step plan of one complaint: reminders, warning, breach and the escalation ladder.

Pure decisions: given a complaint's deadlines, its policy and the steps already fired, which
step comes next and when, who is told, and which ladder level is next when some are unreachable."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

TRIAGE, ACKNOWLEDGE, HANDLE = "triage", "acknowledge", "handle"
REMIND, WARN, BREACH, ESCALATE = "remind", "warn", "breach", "escalate"
# Past the top of the ladder: the top levels are told again every repeat interval (capped per day).
REPEAT = "repeat"
# How many levels at the top of the ladder the repeats re-alert (e.g. the regional secretary and the
# regent's office), and how far ahead repeats are planned (a complaint open longer is in the daily summary).
TOP_LEVELS = 2
REPEAT_HORIZON = timedelta(days=7)
DEFAULT_REPEAT_DAILY_CAP = 6
OPEN_STATUSES = ("received", "triage", "assigned", "acknowledged")
# A step that fires later than this after its due time is marked late (catch-up after downtime).
LATE_AFTER = timedelta(seconds=60)
# Order of steps that fall due at the same instant.
_DEADLINE_RANK = {TRIAGE: 0, ACKNOWLEDGE: 1, HANDLE: 2}
_ACTION_RANK = {REMIND: 0, WARN: 1, BREACH: 2, ESCALATE: 3, REPEAT: 4}


@dataclass(frozen=True)
class Step:
    deadline: str  # triage | acknowledge | handle
    action: str  # remind | warn | breach | escalate
    index: int  # reminder fraction index, or escalation number (1, 2, ...)
    due_at: datetime
    deadline_at: datetime  # the deadline this step belongs to

    @property
    def key(self) -> str:
        """Stable name, unique per deadline instant (a moved deadline gets fresh steps)."""
        return f"{self.deadline[0]}.{self.action}.{self.index}@{int(self.deadline_at.timestamp())}"

    @property
    def sort_key(self) -> tuple:
        return (self.due_at, _DEADLINE_RANK[self.deadline], _ACTION_RANK[self.action], self.index)


@dataclass(frozen=True)
class ComplaintClock:
    """What the plan needs to know about a complaint (all aware UTC)."""

    status: str
    received_at: datetime
    ack_due_at: datetime
    handle_due_at: datetime
    triage_due_at: datetime | None = None
    acknowledged_at: datetime | None = None
    handled_at: datetime | None = None
    level: int = 0  # ladder levels already climbed (index of the next level to consider)
    alert_acknowledged_at: datetime | None = None  # someone answered an alert (reply or button)


@dataclass(frozen=True)
class LadderPolicy:
    fractions: tuple[float, ...]
    levels: tuple[str, ...]
    repeat_minutes: int
    ack_minutes: int
    handle_minutes: int
    triage_minutes: int
    # deadline -> the ladder levels told at once when it is missed (besides the climb): told_of().
    told_at_breach: tuple[tuple[str, tuple[str, ...]], ...] = ()
    repeat_daily_cap: int = DEFAULT_REPEAT_DAILY_CAP  # repeat alerts past the top, at most this many a day

    def levels_told_of(self, deadline: str) -> tuple[str, ...]:
        return dict(self.told_at_breach).get(deadline, ())


# Which missed deadlines a ladder level hears of at once, when its entry does not say ("told_of"):
# none. A breach tells the supervisors and the agency head (DESIGN.md); a ladder level hears of it
# when the climb after the breach reaches it, and at once only where the policy says so, e.g.
# {"level": "camat", "told_of": ["acknowledge", "handle"]} (the demo policy does).
DEFAULT_TOLD_OF: dict[str, tuple[str, ...]] = {}
TOLD_OF_DEADLINES = (ACKNOWLEDGE, HANDLE)


# checkpoint(start, target_minutes, fraction) -> instant, in the policy's calendar time.
Checkpoint = Callable[[datetime, float, float], datetime]


def ladder_levels(raw: Iterable) -> tuple[str, ...]:
    """Policy ladders are stored as [{"level": "camat"}, ...] or plain names."""
    levels = []
    for item in raw or ():
        name = item.get("level") if isinstance(item, dict) else item
        if name:
            levels.append(str(name))
    return tuple(levels)


def told_of(raw: Iterable) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """From a policy ladder ([{"level": "camat", "told_of": ["acknowledge", "handle"]}, ...]): for each
    deadline, the levels told at once when it is missed. A level without "told_of" takes
    DEFAULT_TOLD_OF; "told_of": [] opts it out."""
    told: dict[str, list[str]] = {deadline: [] for deadline in TOLD_OF_DEADLINES}
    for item in raw or ():
        name = item.get("level") if isinstance(item, dict) else item
        if not name:
            continue
        if isinstance(item, dict) and "told_of" in item:
            wanted = item.get("told_of")
        else:
            wanted = DEFAULT_TOLD_OF.get(str(name), ())
        for deadline in wanted or ():
            if deadline in told and str(name) not in told[deadline]:
                told[deadline].append(str(name))
    return tuple((deadline, tuple(levels)) for deadline, levels in told.items())


def reminder_action(index: int, count: int) -> str:
    """The last of several reminder points is the agency-head warning; the others remind."""
    return WARN if count >= 2 and index == count - 1 else REMIND


def plan(clock: ComplaintClock, policy: LadderPolicy, checkpoint: Checkpoint) -> list[Step]:
    """Every step the complaint's deadlines call for, in firing order (relevance aside)."""
    steps: list[Step] = []
    count = len(policy.fractions)

    def reminders(deadline: str, due: datetime, target: int) -> None:
        for i, fraction in enumerate(policy.fractions):
            at = min(checkpoint(clock.received_at, target, fraction), due)
            steps.append(Step(deadline, reminder_action(i, count), i, at, due))
        steps.append(Step(deadline, BREACH, 0, due, due))

    if clock.triage_due_at is not None:
        reminders(TRIAGE, clock.triage_due_at, policy.triage_minutes)
    reminders(ACKNOWLEDGE, clock.ack_due_at, policy.ack_minutes)
    reminders(HANDLE, clock.handle_due_at, policy.handle_minutes)
    # Escalations climb one shared ladder: while not acknowledged (until the handle deadline
    # takes over), then while not handled.
    remaining = max(len(policy.levels) - clock.level, 0)
    if policy.repeat_minutes > 0 and remaining:
        for deadline, due in ((ACKNOWLEDGE, clock.ack_due_at), (HANDLE, clock.handle_due_at)):
            for k in range(1, len(policy.levels) + 1):
                at = checkpoint(due, policy.repeat_minutes * k, 1.0)
                if deadline == ACKNOWLEDGE and at >= clock.handle_due_at:
                    break
                steps.append(Step(deadline, ESCALATE, k, at, due))
    # Repeats matter only once the top is reached (planned from then on: intake never pays for them).
    if policy.repeat_minutes > 0 and policy.levels and policy.repeat_daily_cap > 0 and not remaining:
        for deadline, due in ((ACKNOWLEDGE, clock.ack_due_at), (HANDLE, clock.handle_due_at)):
            until = clock.handle_due_at if deadline == ACKNOWLEDGE else None
            for j, at in enumerate(repeat_times(due, policy, checkpoint, until), start=1):
                steps.append(Step(deadline, REPEAT, j, at, due))
    steps.sort(key=lambda s: s.sort_key)
    return steps


def repeat_times(due: datetime, policy: LadderPolicy, checkpoint: Checkpoint,
                 until: datetime | None = None) -> list[datetime]:
    """When the top levels are told again after the last level: every repeat interval after the
    ladder's last step, never more than `repeat_daily_cap` in any 24 hours (the next one waits
    until a day after the one `cap` repeats before it), planned up to REPEAT_HORIZON (or `until`)."""
    cap, every = policy.repeat_daily_cap, timedelta(minutes=policy.repeat_minutes)
    times: list[datetime] = []
    k = len(policy.levels) + 1
    while True:
        at = checkpoint(due, policy.repeat_minutes * k, 1.0)
        if times:
            at = max(at, times[-1] + every)
        if len(times) >= cap:
            at = max(at, times[-cap] + timedelta(days=1))
        if at - due > REPEAT_HORIZON or (until is not None and at >= until):
            return times
        times.append(at)
        k += 1


def top_levels(levels: tuple[str, ...]) -> tuple[str, ...]:
    """The levels the repeats past the top re-alert: the last TOP_LEVELS of the ladder."""
    return tuple(levels[-TOP_LEVELS:])


def repeat_answered(step: Step, clock: ComplaintClock) -> bool:
    """Repeats stop once someone acted on the missed deadline: the agency acknowledged the complaint
    after it fell, or a recipient answered an alert about it (reply or button) after it fell."""
    return any(at is not None and at >= step.deadline_at
               for at in (clock.acknowledged_at, clock.alert_acknowledged_at))


def is_relevant(step: Step, clock: ComplaintClock) -> bool:
    """A step matters only while its deadline is still unmet; nothing fires once handled."""
    if clock.status not in OPEN_STATUSES or clock.handled_at is not None:
        return False
    if step.deadline == TRIAGE:
        return clock.status == "triage"
    if step.deadline == ACKNOWLEDGE and clock.acknowledged_at is not None:
        return False
    if step.action == REPEAT:
        return not repeat_answered(step, clock)
    return True


def next_step(clock: ComplaintClock, policy: LadderPolicy, checkpoint: Checkpoint, fired: Iterable[str]) -> Step | None:
    """The earliest relevant step not fired yet, or None when nothing is left to do."""
    done = set(fired)
    for step in plan(clock, policy, checkpoint):
        if step.key in done or not is_relevant(step, clock):
            continue
        if step.action == ESCALATE and clock.level >= len(policy.levels):
            continue
        if step.action == REPEAT and clock.level < len(policy.levels):
            continue
        return step
    return None


def passed_over(clock: ComplaintClock, policy: LadderPolicy, checkpoint: Checkpoint,
                fired: Iterable[str], now: datetime) -> list[Step]:
    """Reminders, warnings and escalations that fell due while the complaint did not need them
    (it was marked handled, then reopened): passed over, not fired late. A missed deadline is
    still a breach."""
    done = set(fired)
    return [s for s in plan(clock, policy, checkpoint)
            if s.action != BREACH and s.due_at <= now and s.key not in done]


# Key prefixes of the steps that move a complaint on the ladder (ESCALATE climbs it, REPEAT re-alerts its
# top), per deadline: Step.key is "<deadline initial>.<action>.<index>@<deadline epoch>".
LADDER_STEP_PREFIXES = ((HANDLE, ("h.escalate.", "h.repeat.")), (ACKNOWLEDGE, ("a.escalate.", "a.repeat.")))


def escalated_for(last_step: str | None, fired: Iterable[str] | None) -> str | None:
    """Which deadline's miss put the complaint where it is on the ladder: ACKNOWLEDGE, HANDLE, or None
    when no escalation step is recorded (an escalation from before steps were recorded: say nothing).

    The step last fired (complaint.sla_last_step) says it when it is an escalation or a repeat. It often
    is not: the handle clock's reminder and warning fire after an acknowledge escalation, so a bare
    prefix of the last step would blame the handle clock before its deadline. Then the fired steps
    decide: the acknowledge ladder runs only before the handle deadline and the handle ladder only
    after it (plan()), so a handle escalation among them is the later one. The board computes the same
    in SQL (app.services.reporting.dashboard.escalated_for_expression): keep the two alike."""
    for keys in ((last_step,) if last_step else (), fired or ()):
        keys = [str(key) for key in keys]
        for deadline, prefixes in LADDER_STEP_PREFIXES:
            if any(key.startswith(prefixes) for key in keys):
                return deadline
    return None


def is_late(step: Step, now: datetime) -> bool:
    return now - step.due_at > LATE_AFTER


@dataclass(frozen=True)
class LevelChoice:
    level_index: int | None  # None: nobody reachable up to the top of the ladder
    level: str | None
    skipped: tuple[str, ...]


def choose_level(levels: tuple[str, ...], start: int, reachable: Callable[[str], bool]) -> LevelChoice:
    """The next ladder level with someone reachable, skipping empty levels at once."""
    skipped = []
    for i in range(start, len(levels)):
        if reachable(levels[i]):
            return LevelChoice(i, levels[i], tuple(skipped))
        skipped.append(levels[i])
    return LevelChoice(None, None, tuple(skipped))


# Who is told at each step. "staff" audiences resolve to people in the service layer, ladder levels
# to their contacts for the complaint's place; when a complaint has no agency yet (triage), agency
# audiences fall back to supervisors. A missed deadline also tells the levels the policy names for it.
def audiences(step: Step, has_agency: bool, policy: LadderPolicy | None = None) -> tuple[str, ...]:
    if step.deadline == TRIAGE:
        return ("supervisors",)
    if not has_agency:
        return ("supervisors",) + (("reporter",) if step.action == BREACH else ())
    if step.action == REMIND:
        return ("assignee_or_duty",)
    if step.action == WARN:
        return ("agency_head",)
    if step.action == BREACH:
        levels = policy.levels_told_of(step.deadline) if policy is not None else ()
        return ("supervisors", "agency_head", *levels, "reporter")
    return ("ladder",)


def repeat_overtaken(step: Step, steps: Iterable[Step], now: datetime) -> bool:
    """A repeat caught up after downtime while a later repeat of the same deadline is already due:
    recorded, not sent (the later one tells the same people once)."""
    return any(s.action == REPEAT and s.deadline == step.deadline and s.deadline_at == step.deadline_at
               and s.index > step.index and s.due_at <= now for s in steps)


def message_still_useful(step: Step, now: datetime) -> bool:
    """A reminder or warning caught up after its deadline has passed says nothing true any
    more (the breach says it); it is recorded but not sent."""
    if step.action in (REMIND, WARN):
        return now < step.deadline_at
    return True
