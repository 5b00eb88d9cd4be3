"""Flask commands: `flask --app wsgi db upgrade`, `seed demo`, `tokens create`, `sla set-target`, ..."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.extensions import state

db_cli = AppGroup("db", help="Database migrations.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from app import migrate

    with state().engine.begin() as conn:
        migrate.upgrade(revision=revision, connection=conn)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    from app import migrate

    with state().engine.begin() as conn:
        migrate.downgrade(revision=revision, connection=conn)
    click.echo(f"database at {revision}")


@db_cli.command("prepare-partitions")
def db_prepare_partitions() -> None:
    """Before migration 0029 on a large live database: build its indexes concurrently (writes go on)."""
    from app.services.storage import partitions

    engine = state().engine
    if engine.dialect.name != "postgresql":
        raise click.ClickException("partitions exist on PostgreSQL only; on SQLite there is nothing to prepare")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        try:
            for line in partitions.prepare(conn, state().clock.now()):
                click.echo(line)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo("ready: run `flask --app wsgi db upgrade` within the month")


@db_cli.command("partitions")
def db_partitions() -> None:
    """The monthly partitions of events and outbox messages, with their row estimates."""
    from app.services.storage import partitions
    from app.domain.partitions import PARTITIONED

    with state().sessionmaker() as session:
        found = [p for table in PARTITIONED for p in partitions.list_partitions(session, table)]
    if not found:
        click.echo("no partitions (SQLite, or PostgreSQL before migration 0029)")
    for p in found:
        span = ("DEFAULT" if p.upper is None else
                f"{p.lower or 'start':>10} .. {p.upper}")
        click.echo(f"{p.table:16} {p.name:32} {span:24} ~{p.rows:,} rows")


def register_cli(app: Flask) -> None:
    import importlib

    app.cli.add_command(db_cli)
    for module in ("app.cli_commands", "app.cli_gazetteer", "app.cli_posts", "app.cli_contacts", "app.channels.telegram.cli", "app.channels.sms.cli",
                   "app.channels.sms.whatsapp_cli",
                   "app.channels.open311.cli", "app.web.cli", "jobs.cli"):
        importlib.import_module(module).register(app)
