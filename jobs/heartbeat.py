"""Job: tell the database this scheduler is alive (GET /healthz reports the age). It beats only
while the SLA loop is making progress, so a stuck loop shows as a stale heartbeat."""
from __future__ import annotations

import logging

from app.services.sla import heartbeat
from jobs.runtime import Runtime

log = logging.getLogger("sigap.jobs")
INTERVAL_SECONDS = 10
STALL_SECONDS = 60


def run(runtime: Runtime) -> None:
    if runtime.stalled("sla_steps", STALL_SECONDS):
        log.error("the SLA loop has made no progress for %d s: not beating", STALL_SECONDS)
        return
    with runtime.sessionmaker() as session:
        now = runtime.clock.now()
        heartbeat.beat(session, now, runtime.name, runtime.started_at or now)
