"""Flask commands for WhatsApp's templates: `whatsapp templates` prints what to submit to
Twilio/Meta, `whatsapp set-sid` enters an approved template's content SID, `whatsapp missing` lists
the templates still without one (messages outside the 24-hour window fall back to SMS for those);
`whatsapp verify-contact` sends a staff contact a code and `whatsapp confirm-contact` enters it."""
from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from app.cli_commands import unit_of_work
from app.extensions import state

whatsapp_cli = AppGroup("whatsapp", help="WhatsApp templates (Twilio Content API) and their content SIDs.")


@whatsapp_cli.command("templates")
@click.option("--json", "as_json", is_flag=True,
              help="one Content API request body per line (POST https://content.twilio.com/v1/Content)")
def templates(as_json: bool) -> None:
    """Every template Sigap needs, per language, in the form Twilio/Meta review needs."""
    from app.services.messaging import whatsapp

    with state().sessionmaker() as session:
        entries = whatsapp.registry(session)
    for entry in entries:
        template = entry.template
        if as_json:
            click.echo(json.dumps({**template.api_payload(), "category": template.category}, ensure_ascii=False))
            continue
        click.echo(f"name:     {template.name}")
        click.echo(f"category: {template.category}")
        click.echo(f"language: {template.language}")
        click.echo(f"body:     {template.body}")
        for number, field in enumerate(template.variables, 1):
            click.echo(f"  {{{{{number}}}}} = {field}")
        if template.buttons:
            click.echo("buttons:  " + ", ".join(f"{title} (quick reply, id {payload})"
                                                for title, payload in template.buttons))
        click.echo(f"sid:      {entry.content_sid or '(none yet)'}")
        click.echo("")


@whatsapp_cli.command("verify-contact")
@click.argument("contact_id", type=int)
@click.option("--channel", type=click.Choice(["whatsapp", "sms"]), default="whatsapp", show_default=True)
def verify_contact(contact_id: int, channel: str) -> None:
    """Send escalation contact CONTACT_ID a code on CHANNEL; they reply with it (or read it out for
    `confirm-contact`). Until their WhatsApp number is verified, their alerts go by SMS."""
    from app.services.messaging import staff_consent

    with unit_of_work() as (session, now):
        row = staff_consent.send_code(session, now, contact_id, channel)
        click.echo(f"code sent to {row.address} by {row.channel}; valid until {row.expires_at:%Y-%m-%d %H:%M} UTC")


@whatsapp_cli.command("confirm-contact")
@click.argument("contact_id", type=int)
@click.argument("code")
def confirm_contact(contact_id: int, code: str) -> None:
    """Enter the CODE escalation contact CONTACT_ID received (their newest code still valid)."""
    from app.services.messaging import staff_consent

    sigap = state()
    with sigap.sessionmaker() as session:
        if not staff_consent.confirm(session, sigap.clock.now(), contact_id, code):
            raise click.ClickException("wrong or expired code: send a new one with `whatsapp verify-contact`")
    click.echo(f"contact {contact_id} verified")


@whatsapp_cli.command("set-sid")
@click.argument("name")
@click.argument("language")
@click.argument("content_sid", required=False, default="")
def set_sid(name: str, language: str, content_sid: str) -> None:
    """Enter the approved CONTENT_SID (HX...) of template NAME in LANGUAGE (id, en); without a SID, remove it."""
    from app.services.messaging import whatsapp

    with unit_of_work() as (session, now):
        entry = whatsapp.set_content_sid(session, now, name=name, language=language, sid=content_sid, by="cli")
    click.echo(f"{entry.template.name}/{entry.template.language} -> {entry.content_sid or '(removed)'}")


@whatsapp_cli.command("missing")
def missing() -> None:
    """Templates without an approved content SID (exit status 1 when there are any)."""
    from app.services.messaging import whatsapp

    with state().sessionmaker() as session:
        names = whatsapp.missing(session)
    for name in names:
        click.echo(name)
    if names:
        raise SystemExit(1)
    click.echo("every template has a content SID")


def register(app: Flask) -> None:
    app.cli.add_command(whatsapp_cli)
