"""`python -m jobs`: the scheduler process in the foreground; SIGTERM/SIGINT stop it cleanly.
`python -m jobs --once` runs each job's work once and exits (for cron or a quick check)."""
from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time

from app.clock import SystemClock
from app.db import make_engine, make_sessionmaker
from config import ConfigError, load_settings

log = logging.getLogger("sigap.jobs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs", description=__doc__)
    parser.add_argument("--once", action="store_true", help="run due SLA steps and deliveries once, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)  # a line per run otherwise
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines print Bot API URLs, token included
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"sigap jobs: configuration error: {exc}", file=sys.stderr)
        return 2
    from app.observability import configure_logging

    # The scheduler logs recipients in console mode: the same masking filter as the web tier.
    configure_logging(json_logs=settings.log_format == "json")
    from app.services.messaging import outbox
    from app.services.sla import escalation
    from jobs import heartbeat
    from jobs import scheduler as sched

    engine = make_engine(settings.database_url)
    runtime = sched.make_runtime(make_sessionmaker(engine, settings.audit_key, settings.public_base_url), SystemClock(), settings)
    if args.once:
        with runtime.sessionmaker() as session:
            fired = escalation.run_due_steps(session, runtime.clock.now())
            sent = outbox.deliver_due(session, runtime.clock.now(), runtime.senders, limit=1000)
        runtime.progress["sla_steps"] = time.monotonic()
        heartbeat.run(runtime)
        print(f"fired {fired} SLA steps, tried {sent} messages")
        engine.dispose()
        return 0

    stop = threading.Event()

    def _stop(signum, _frame):
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    scheduler = sched.build_scheduler(runtime)
    scheduler.start()
    log.info("scheduler %s running (database %s)", runtime.name, engine.url.render_as_string(hide_password=True))
    while not stop.wait(1.0):
        pass
    sched.stop(scheduler, runtime)
    engine.dispose()
    log.info("scheduler %s stopped", runtime.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
