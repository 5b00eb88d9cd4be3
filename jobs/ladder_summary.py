"""Job: the regent's office's daily summary of complaints still open past a deadline."""
from __future__ import annotations

from app.services.sla import daily_summary
from jobs.runtime import Runtime

# Checked every quarter hour; the service sends once per jurisdiction and local day.
INTERVAL_SECONDS = 900


def run(runtime: Runtime) -> None:
    with runtime.sessionmaker() as session:
        daily_summary.send_due(session, runtime.clock.now())
