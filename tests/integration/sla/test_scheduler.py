"""The scheduler process and the embedded scheduler: start, beat, stop cleanly."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import delete, text

from app.models.sla_engine import SchedulerHeartbeat
from app.services.sla import heartbeat
from jobs import scheduler as sched
from tests.conftest import ROOT, T0


def test_heartbeat_age_is_none_before_any_scheduler_then_counts_from_the_newest_beat(session):
    assert heartbeat.age_seconds(session, T0) is None
    heartbeat.beat(session, T0, "host-a:1", T0)
    heartbeat.beat(session, T0 + timedelta(seconds=20), "host-b:2", T0)
    assert heartbeat.age_seconds(session, T0 + timedelta(seconds=25)) == 5.0
    heartbeat.beat(session, T0 + timedelta(days=2), "host-b:2", T0)
    assert [h.name for h in heartbeat.schedulers(session)] == ["host-b:2"]  # dead processes are forgotten


@pytest.fixture
def forget_heartbeats(engine):
    yield
    with engine.begin() as conn:
        conn.execute(delete(SchedulerHeartbeat))


def _env(database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TWILIO_"))}
    return {**env, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), "SIGAP_RUN_SCHEDULER": "0"}


def test_python_m_jobs_runs_beats_and_stops_cleanly_on_sigterm(engine, database_url, forget_heartbeats):
    proc = subprocess.Popen([sys.executable, "-m", "jobs"], cwd=ROOT, env=_env(database_url),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        beats = 0
        while time.monotonic() < deadline and not beats:
            with engine.connect() as conn:
                beats = conn.execute(text("SELECT count(*) FROM scheduler_heartbeats")).scalar()
            if not beats:
                time.sleep(0.2)  # a real process on the wall clock: wait for its first beat
        assert beats == 1, "the scheduler process should beat within a minute"
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "stopped" in out and "Traceback" not in out


def test_python_m_jobs_once_fires_due_work_and_exits(database_url, forget_heartbeats):
    done = subprocess.run([sys.executable, "-m", "jobs", "--once"], cwd=ROOT, env=_env(database_url),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "fired 0 SLA steps" in done.stdout


def test_the_embedded_scheduler_starts_only_when_asked_and_stops_cleanly(committed_app, forget_heartbeats):
    assert sched.start_embedded(committed_app) is None  # SIGAP_RUN_SCHEDULER is off in tests
    committed_app.extensions["sigap"].settings.run_scheduler = True
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    scheduler = sched.start_embedded(committed_app)
    try:
        assert {job.id for job in scheduler.get_jobs()} == {"sla_steps", "outbox_delivery", "heartbeat", "nightly_close",
                                                             "partitions", "telegram_photos", "performance_rollup",
                                                             "public_figures", "ladder_summary"}
        assert sched.start_embedded(committed_app) is None  # once per app
    finally:
        sched.stop(*committed_app.extensions["sigap_scheduler"])
    assert not scheduler.running


def test_flask_commands_other_than_run_never_start_the_embedded_scheduler(monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    monkeypatch.setattr(sys, "argv", ["flask", "--app", "wsgi", "db", "upgrade"])
    assert sched._is_cli_command_other_than_run()
    monkeypatch.setattr(sys, "argv", ["flask", "--app", "wsgi", "jobs", "run"])
    assert sched._is_cli_command_other_than_run()
    monkeypatch.setattr(sys, "argv", ["flask", "--app", "wsgi", "run", "--no-reload"])
    assert not sched._is_cli_command_other_than_run()


def test_the_heartbeat_stops_when_the_sla_loop_is_stuck(committed_sessionmaker, clock, forget_heartbeats):
    from jobs import heartbeat as heartbeat_job
    from jobs.runtime import Runtime

    runtime = Runtime(sessionmaker=committed_sessionmaker, clock=clock, settings=None, name="host:1")
    runtime.progress["sla_steps"] = time.monotonic() - 2 * heartbeat_job.STALL_SECONDS
    heartbeat_job.run(runtime)
    with committed_sessionmaker() as session:
        assert heartbeat.age_seconds(session, T0) is None
    runtime.progress["sla_steps"] = time.monotonic()
    heartbeat_job.run(runtime)
    with committed_sessionmaker() as session:
        assert heartbeat.age_seconds(session, T0) == 0.0


def test_flask_jobs_commands_tick_report_status_and_add_demo_contacts(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "demo-contacts"])
    assert result.exit_code == 0 and "added" in result.output
    assert int(result.output.split()[1]) > 25  # camats of Banyuwangi's 25 districts, duty desks, ...
    assert runner.invoke(args=["jobs", "demo-contacts"]).output.strip() == "added 0 escalation contacts"
    result = runner.invoke(args=["jobs", "tick"])
    assert result.exit_code == 0 and result.output.startswith("fired 0 SLA steps")
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 0 and "no scheduler has run yet" in result.output
