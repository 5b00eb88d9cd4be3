"""Job: take closed complaints queued by the database triggers into the performance rollups.
Until then the report counts them live, so a late or missed run costs speed, never a figure."""
from __future__ import annotations

import logging

from app.services.reporting import rollup as performance_rollup
from jobs.runtime import Runtime

log = logging.getLogger("sigap.jobs")
INTERVAL_SECONDS = 300
BATCH = 20_000  # complaints per transaction
MAX_BATCHES = 10  # per run; the rest waits for the next run


def run(runtime: Runtime) -> None:
    taken = 0
    for _ in range(MAX_BATCHES):
        with runtime.sessionmaker() as session:
            n = performance_rollup.refresh(session, limit=BATCH)
        taken += n
        if n < BATCH or runtime.stopping.is_set():
            break
    if taken:
        log.info("took %d closed complaints into the performance rollups", taken)
