"""Job: deliver due outbox messages through each channel's sender, with retries."""
from __future__ import annotations

from app.services.messaging import outbox
from jobs.runtime import Runtime, run_loop

INTERVAL_SECONDS = 15


def run(runtime: Runtime) -> None:
    run_loop(runtime, "outbox", lambda session, now: outbox.deliver_due(session, now, runtime.senders),
             outbox.next_due_at, budget_seconds=INTERVAL_SECONDS - 0.3)
