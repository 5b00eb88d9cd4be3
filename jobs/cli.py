"""Flask commands of the scheduler: `flask jobs run`, `flask jobs tick`, `flask jobs status`,
`flask jobs demo-contacts`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="The SLA scheduler: run it, tick once, see its state.")


@jobs_cli.command("run")
def run_command() -> None:
    """Run the scheduler in the foreground (the same as `python -m jobs`)."""
    from jobs.__main__ import main

    raise SystemExit(main([]))


@jobs_cli.command("tick")
def tick_command() -> None:
    """Fire the SLA steps due now and try the due messages, once."""
    from app.channels.senders import build_senders
    from app.extensions import state
    from app.services.messaging import outbox
    from app.services.sla import escalation

    sigap = state()
    with sigap.sessionmaker() as session:
        fired = escalation.run_due_steps(session, sigap.clock.now())
        tried = outbox.deliver_due(session, sigap.clock.now(), build_senders(sigap.settings), limit=1000)
    click.echo(f"fired {fired} SLA steps, tried {tried} messages")


@jobs_cli.command("status")
def status_command() -> None:
    """Heartbeats, the next due step and the outbox by status."""
    from app.clock import isoformat_z
    from app.extensions import state
    from app.services.messaging import outbox
    from app.services.sla import escalation, heartbeat

    sigap = state()
    now = sigap.clock.now()
    with sigap.sessionmaker() as session:
        for row in heartbeat.schedulers(session):
            click.echo(f"scheduler {row.name}: last beat {int((now - row.beat_at).total_seconds())} s ago")
        age = heartbeat.age_seconds(session, now)
        if age is None:
            click.echo("no scheduler has run yet")
        click.echo(f"next SLA step due: {isoformat_z(escalation.next_due_at(session)) or 'none'}")
        click.echo("outbox: " + (", ".join(f"{k} {v}" for k, v in sorted(outbox.counts(session).items())) or "empty"))


@jobs_cli.command("demo-contacts")
def demo_contacts_command() -> None:
    """Add made-up escalation contacts (duty desks, camats, regional secretary, regent's office)
    to the demo jurisdictions, so the ladder has someone to alert. Console mode only!"""
    from app.extensions import state
    from app.services.sla import escalation

    sigap = state()
    with sigap.sessionmaker() as session:
        added = escalation.add_demo_contacts(session, sigap.clock.now())
        session.commit()
    click.echo(f"added {added} escalation contacts")


def register(app: Flask) -> None:
    app.cli.add_command(jobs_cli)
