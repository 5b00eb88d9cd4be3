"""Job: close complaints left handled or resolved past their confirmation window; erase the link
between settled anonymous complaints and their reporters; forget expired idempotency keys."""
from __future__ import annotations

import logging

from app.services.intake import idempotency
from app.services.lifecycle import anonymity, closing
from jobs.runtime import Runtime

log = logging.getLogger("sigap.jobs")
# 01:00 WIB; closing is idempotent, so a second scheduler running it too changes nothing.
CRON = {"hour": 18, "minute": 0}


def run(runtime: Runtime) -> None:
    with runtime.sessionmaker() as session:
        closed = closing.close_settled(session, runtime.clock.now())
        erased = anonymity.erase_settled(session, runtime.clock.now())
        purged = idempotency.purge(session, runtime.clock.now())
    if closed:
        log.info("closed %d complaints past their confirmation window", closed)
    if erased:
        log.info("detached %d settled anonymous complaints from their reporters", erased)
    if purged:
        log.info("forgot %d expired idempotency keys", purged)
