"""Flask commands of the telegram channel: `telegram set-webhook`, `telegram poll`, `telegram link-code`."""
from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from app.cli_commands import unit_of_work
from app.extensions import state

telegram_cli = AppGroup("telegram", help="Telegram bot: webhook, long polling, staff link codes.")


def _need_token(settings) -> None:
    if not settings.telegram_bot_token:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set")


@telegram_cli.command("set-webhook")
@click.option("--drop-pending", is_flag=True, help="Discard updates Telegram has queued.")
def set_webhook(drop_pending: bool) -> None:
    """Register PUBLIC_BASE_URL/webhooks/telegram with Telegram, with the secret token."""
    from . import bots
    from .polling import ALLOWED_UPDATES

    settings = state().settings
    _need_token(settings)
    if not settings.public_base_url:
        raise click.ClickException("PUBLIC_BASE_URL is not set (the https:// address Telegram should call)")
    if not settings.telegram_webhook_secret:
        raise click.ClickException("TELEGRAM_WEBHOOK_SECRET is not set (the webhook refuses every update without it)")
    url = settings.public_base_url.rstrip("/") + "/webhooks/telegram"

    try:
        bots.call(settings, lambda bot: bot.set_webhook(url=url, secret_token=settings.telegram_webhook_secret,
                                                        allowed_updates=ALLOWED_UPDATES,
                                                        drop_pending_updates=drop_pending))
    except Exception as exc:
        raise click.ClickException(f"setWebhook failed: {exc}") from None
    click.echo(f"webhook set: {url}")


@telegram_cli.command("poll")
@click.option("--once", is_flag=True, help="One getUpdates round, then exit.")
@click.option("--timeout", default=30, show_default=True, help="Long-poll seconds per round.")
@click.option("--no-deliver", is_flag=True, help="Leave replies in the outbox for the scheduler.")
def poll(once: bool, timeout: int, no_deliver: bool) -> None:
    """Long polling for development: removes the webhook, then feeds updates to the same handler."""
    from flask import current_app

    from .polling import delete_webhook, poll_once

    sigap = state()
    _need_token(sigap.settings)
    delete_webhook(sigap.settings)
    click.echo("polling Telegram for updates (Ctrl-C to stop)")
    offset = None
    while True:
        try:
            offset = poll_once(sigap, offset, timeout=timeout, deliver=not no_deliver,
                               instance_dir=None if no_deliver else current_app.instance_path)
        except KeyboardInterrupt:
            break
        except Exception as exc:  # network trouble: wait and go on, as a long-lived poller should
            click.echo(f"poll failed: {exc}; retrying in 5 s", err=True)
            if once:
                raise SystemExit(1)
            time.sleep(5)
        if once:
            break


@telegram_cli.command("fetch-photos")
@click.option("--limit", default=50, show_default=True)
def fetch_photos(limit: int) -> None:
    """Download reporters' photos not yet stored into the instance folder."""
    from flask import current_app

    from .files import download_pending

    sigap = state()
    _need_token(sigap.settings)
    with sigap.sessionmaker() as session:
        stored = download_pending(session, sigap.clock.now(), sigap.settings, current_app.instance_path, limit)
    click.echo(f"{stored} photo(s) stored")


@telegram_cli.command("link-code")
@click.option("--user", "username", required=True, help="The staff user's username.")
def link_code(username: str) -> None:
    """Print a one-time code; the staff member sends `/link CODE` to the bot to get alerts there."""
    from app.services.conversations import telegram_dialogue

    with unit_of_work() as (session, now):
        code = telegram_dialogue.create_link_code(session, now, username)
    hours = int(telegram_dialogue.LINK_CODE_TTL.total_seconds() // 3600)
    click.echo(f"{code}\nSend `/link {code}` to the bot from {username}'s Telegram within {hours} hours.")


def register(app: Flask) -> None:
    app.cli.add_command(telegram_cli)
