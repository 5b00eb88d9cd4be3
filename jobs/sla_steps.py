"""Job: fire the SLA steps that are due (reminders, warnings, breaches, escalations)."""
from __future__ import annotations

from app.services.sla import escalation
from jobs.runtime import Runtime, run_loop

INTERVAL_SECONDS = 15


def run(runtime: Runtime) -> None:
    run_loop(runtime, "sla_steps", lambda session, now: escalation.run_due_steps(session, now, clock=runtime.clock),
             escalation.next_due_at, budget_seconds=INTERVAL_SECONDS - 0.3)
