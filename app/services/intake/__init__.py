"""Intake: a new complaint, from any door. Validates it, finds (or creates) its reporter, routes it,
stamps its deadlines from the policy in force, takes its ticket number and opens its trail.
`stage` does all that in the caller's transaction (the caller commits it with what belongs with
it); `submit` is `stage` plus the commit.

May import the rooms below it: sla, access, reporting, messaging, reference, audit (and errors);
never lifecycle, conversations or demo."""
from .submission import (  # noqa: F401 - the room's use cases, called as intake.submit(...)
    CHANNELS,
    MAX_DESCRIPTION,
    area_of,
    calendar_for,
    claimed_received_at,
    get_by_ticket,
    policy_for,
    stage,
    submit,
    take_numbers,
)
from .checks import Choice, Problem, problems  # noqa: F401 - all of a staff form's problems at once
