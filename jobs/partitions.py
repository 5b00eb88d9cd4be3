"""Job: keep monthly partitions made ahead and drop the outbox's months past retention
(SIGAP_OUTBOX_RETENTION_DAYS). Daily; PostgreSQL partitions, SQLite deletes expired rows."""
from __future__ import annotations

import logging

from app.services.storage import partitions
from jobs.runtime import Runtime

log = logging.getLogger("sigap.jobs")
# 02:30 WIB, after the nightly close; both steps are idempotent, so a second scheduler changes nothing.
CRON = {"hour": 19, "minute": 30}


def run(runtime: Runtime) -> None:
    with runtime.sessionmaker() as session:
        now = runtime.clock.now()
        partitions.ensure_months(session, now)
        result = partitions.drop_expired_outbox(session, now, runtime.settings.outbox_retention_days)
    if result.rows_deleted:
        log.info("deleted %d outbox messages past retention", result.rows_deleted)
