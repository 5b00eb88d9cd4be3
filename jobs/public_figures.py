"""Job: recompute each regency's public figures into their stored snapshot, so that no visitor of
the public page waits for a year's computation (app/services/reporting/public_figures.py)."""
from __future__ import annotations

import logging

from app.services.reporting import public_figures
from jobs.runtime import Runtime

log = logging.getLogger("sigap.jobs")
INTERVAL_SECONDS = 120  # checks; each regency's current year is recomputed every REFRESH_SECONDS


def run(runtime: Runtime) -> None:
    with runtime.sessionmaker() as session:
        done = public_figures.refresh_due(session, runtime.clock.now())
    if done:
        log.info("refreshed %d public figures snapshots", done)
