"""Flask commands for partner systems: `partners webhook` (set a partner token's webhook),
`partners webhook-remove`, `partners purge-keys` (forget Idempotency-Keys older than 24 hours)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.cli_commands import unit_of_work
from app.extensions import state

partners_cli = AppGroup("partners", help="Partner systems: webhooks and idempotency keys.")


@partners_cli.command("webhook")
@click.argument("token_prefix")
@click.argument("url")
@click.option("--rotate", is_flag=True, help="issue a new signing secret")
@click.option("--inactive", is_flag=True, help="keep the URL but send nothing for now")
def webhook(token_prefix: str, url: str, rotate: bool, inactive: bool) -> None:
    """Status changes of complaints TOKEN_PREFIX submitted are POSTed, signed, to URL."""
    from app.services.messaging import partner_webhooks

    with unit_of_work() as (session, now):
        token = partner_webhooks.token_by_prefix(session, token_prefix)
        hook, secret = partner_webhooks.set_webhook(session, now, token_id=token.id, url=url,
                                                    active=not inactive, rotate_secret=rotate)
        click.echo(f"{token.prefix} -> {hook.url} ({'active' if hook.active else 'inactive'})")
        if secret:
            click.echo(f"signing secret (shown once): {secret}")


@partners_cli.command("webhook-remove")
@click.argument("token_prefix")
def webhook_remove(token_prefix: str) -> None:
    """Stop webhooks for TOKEN_PREFIX."""
    from app.services.messaging import partner_webhooks

    with unit_of_work() as (session, now):
        token = partner_webhooks.token_by_prefix(session, token_prefix)
        partner_webhooks.remove_webhook(session, now, token_id=token.id)
        click.echo(f"{token.prefix}: webhook removed")


@partners_cli.command("purge-keys")
def purge_keys() -> None:
    """Delete Idempotency-Keys older than 24 hours."""
    from app.services.intake import idempotency

    sigap = state()
    with sigap.sessionmaker() as session:
        click.echo(f"{idempotency.purge(session, sigap.clock.now())} idempotency keys purged")


def register(app: Flask) -> None:
    app.cli.add_command(partners_cli)
