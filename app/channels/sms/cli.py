"""Flask commands of the sms channel: `sms map-number` (which jurisdiction a number serves, through
which gateway: Twilio, or Kannel for the regency's own short code)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.cli_commands import unit_of_work
from app.extensions import state

sms_cli = AppGroup("sms", help="SMS/WhatsApp through Twilio or Kannel: number-to-jurisdiction map.")


@sms_cli.command("map-number")
@click.argument("number")
@click.argument("jurisdiction")
@click.option("--note", default=None, help="e.g. 'camat Glagah WhatsApp'")
@click.option("--gateway", type=click.Choice(["twilio", "kannel"]), default=None,
              help="which gateway carries this number: twilio, or kannel (SMPP short code); new numbers: twilio")
def map_number(number: str, jurisdiction: str, note: str | None, gateway: str | None) -> None:
    """Messages sent to NUMBER (E.164, 08... or a short code such as 1708) are reports for JURISDICTION
    (e.g. banyuwangi); replies and later messages to those citizens leave by the number's gateway."""
    from app.services.conversations import sms_dialogue

    with unit_of_work() as (session, _now):
        mapping = sms_dialogue.map_number(session, number, jurisdiction, note, gateway)
        click.echo(f"{mapping.number} -> {jurisdiction} via {mapping.gateway}")


@sms_cli.command("numbers")
def numbers() -> None:
    """List mapped numbers; unmapped numbers serve the first jurisdiction."""
    from app.models import Jurisdiction
    from app.models.sms import SmsNumber

    with state().sessionmaker() as session:
        rows = session.execute(select(SmsNumber.number, Jurisdiction.code, SmsNumber.gateway).join(
            Jurisdiction, Jurisdiction.id == SmsNumber.jurisdiction_id).order_by(SmsNumber.number)).all()
        first = session.scalar(select(Jurisdiction.code).order_by(Jurisdiction.id).limit(1))
    for number, code, gateway in rows:
        click.echo(f"{number} -> {code} via {gateway}")
    click.echo(f"(any other number -> {first} via twilio)")


def register(app: Flask) -> None:
    app.cli.add_command(sms_cli)
