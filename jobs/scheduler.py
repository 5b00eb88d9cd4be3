"""APScheduler wiring: the fixed jobs in a MemoryJobStore (never a shared job store: the state
lives in our own rows), for `python -m jobs` and for the web process (SIGAP_RUN_SCHEDULER=1).

Embedded use: `create_app` calls `jobs.scheduler.start_embedded(app)`; it does nothing unless
settings.run_scheduler is on. SQLite supports one scheduler; PostgreSQL any number."""
from __future__ import annotations

import atexit
import logging
import os
import sys

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from app.channels.senders import build_senders
from jobs import (heartbeat, ladder_summary, nightly_close, outbox_delivery, partitions, performance_rollup, public_figures,
                  sla_steps, telegram_photos)
from jobs.runtime import Runtime

log = logging.getLogger("sigap.jobs")


def _guarded(job, runtime: Runtime):
    def run() -> None:
        try:
            job.run(runtime)
        except Exception:  # noqa: BLE001 - a failing run is logged; the next run tries again
            log.exception("job %s failed", job.__name__)
    run.__name__ = job.__name__.rsplit(".", 1)[-1]
    return run


def build_scheduler(runtime: Runtime) -> BackgroundScheduler:
    """A scheduler with the fixed jobs (not started)."""
    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=6)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        timezone="UTC",
    )
    # The loops run for just under their interval; a pass that overruns may overlap the next
    # run (two instances), which claiming in the database makes harmless.
    scheduler.add_job(_guarded(sla_steps, runtime), "interval", seconds=sla_steps.INTERVAL_SECONDS,
                      id="sla_steps", name="sla_steps", next_run_time=_now(runtime), max_instances=2)
    scheduler.add_job(_guarded(outbox_delivery, runtime), "interval", seconds=outbox_delivery.INTERVAL_SECONDS,
                      id="outbox_delivery", name="outbox_delivery", next_run_time=_now(runtime), max_instances=2)
    scheduler.add_job(_guarded(heartbeat, runtime), "interval", seconds=heartbeat.INTERVAL_SECONDS,
                      id="heartbeat", name="heartbeat", next_run_time=_now(runtime))
    scheduler.add_job(_guarded(nightly_close, runtime), "cron", id="nightly_close", name="nightly_close", **nightly_close.CRON)
    scheduler.add_job(_guarded(partitions, runtime), "cron", id="partitions", name="partitions", **partitions.CRON)
    scheduler.add_job(_guarded(telegram_photos, runtime), "interval", seconds=telegram_photos.INTERVAL_SECONDS,
                      id="telegram_photos", name="telegram_photos")
    scheduler.add_job(_guarded(performance_rollup, runtime), "interval", seconds=performance_rollup.INTERVAL_SECONDS,
                      id="performance_rollup", name="performance_rollup")
    scheduler.add_job(_guarded(public_figures, runtime), "interval", seconds=public_figures.INTERVAL_SECONDS,
                      id="public_figures", name="public_figures")
    scheduler.add_job(_guarded(ladder_summary, runtime), "interval", seconds=ladder_summary.INTERVAL_SECONDS,
                      id="ladder_summary", name="ladder_summary")
    return scheduler


def _now(runtime: Runtime):
    return runtime.clock.now()  # the first run: at once


def make_runtime(sessionmaker, clock, settings) -> Runtime:
    runtime = Runtime(sessionmaker=sessionmaker, clock=clock, settings=settings, senders=build_senders(settings))
    runtime.started_at = clock.now()
    return runtime


def stop(scheduler: BackgroundScheduler, runtime: Runtime) -> None:
    """Let running loops finish their current step, then stop."""
    runtime.stopping.set()
    runtime.wake()
    if scheduler.running:
        scheduler.shutdown(wait=True)


def _flask_command(argv: list[str]) -> str | None:
    """The subcommand of a `flask [--app X] COMMAND ...` command line."""
    args = iter(argv)
    for arg in args:
        if arg in ("--app", "-A", "--env-file", "-e"):
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def _is_cli_command_other_than_run() -> bool:
    return bool(os.environ.get("FLASK_RUN_FROM_CLI")) and _flask_command(sys.argv[1:]) != "run"


def start_embedded(app):
    """Start the jobs inside the web process when SIGAP_RUN_SCHEDULER=1 (the `make run` default).
    Not in `flask db ...`/`seed` commands, nor in the debug reloader's watcher process.
    Returns the started scheduler, or None."""
    sigap = app.extensions["sigap"]
    if not sigap.settings.run_scheduler or "sigap_scheduler" in app.extensions:
        return None
    if _is_cli_command_other_than_run():
        return None
    if os.environ.get("FLASK_DEBUG") in ("1", "true") and os.environ.get("WERKZEUG_RUN_MAIN") != "true" \
            and "--no-reload" not in sys.argv:
        return None
    runtime = make_runtime(sigap.sessionmaker, sigap.clock, sigap.settings)
    scheduler = build_scheduler(runtime)
    scheduler.start()
    app.extensions["sigap_scheduler"] = (scheduler, runtime)
    atexit.register(stop, scheduler, runtime)
    log.info("embedded scheduler started (%s)", runtime.name)
    return scheduler
