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


def register_cli(app: Flask) -> None:
    import importlib

    app.cli.add_command(db_cli)
    for module in ("app.cli_commands", "app.cli_gazetteer", "app.cli_posts", "app.cli_contacts", "app.channels.telegram.cli", "app.channels.sms.cli",
                   "app.channels.sms.whatsapp_cli",
                   "app.channels.open311.cli", "app.web.cli", "jobs.cli"):
        importlib.import_module(module).register(app)
