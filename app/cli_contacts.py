"""`contacts list | add | import | export | handover | retire | on-duty`: the escalation ladder's people
and duty rosters (thin: parse, call the contacts service, print)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.cli_commands import unit_of_work

contacts_cli = AppGroup("contacts", help="Escalation contacts and duty rosters (piket) of a regency.")
LANGUAGE = click.option("--language", "lang", type=click.Choice(["id", "en"]), default="id", show_default=True,
                        help="Language of the problems reported.")
JURISDICTION = click.option("--jurisdiction", "jurisdiction", required=True, help="Jurisdiction code, e.g. banyuwangi.")


@contacts_cli.command("list")
@JURISDICTION
@click.option("--all", "include_retired", is_flag=True, help="Also contacts no longer alerted.")
def contacts_list(jurisdiction: str, include_retired: bool) -> None:
    """The regency's contacts in ladder order, their channels and roster lines; * marks who is on duty now."""
    from app.services import contacts

    with unit_of_work() as (session, now):
        rows = contacts.list_contacts(session, now, jurisdiction, include_retired=include_retired)
        session.commit()
    for r in rows:
        place = r["agency"] or r["village"] or r["district"] or jurisdiction
        mark = "*" if r["on_duty"] else " "
        state = "" if r["active"] else "  (retired)"
        click.echo(f"{mark} {r['id']:>5}  {r['level']:<18} {place:<20} {r['name']}  [{' > '.join(r['channels'])}]{state}")
        for s in r["shifts"]:
            until = f" until {s['until']:%Y-%m-%d %H:%M}Z" if s["until"] else ""
            click.echo(f"           {s['days'] or 'every day'} {s['hours']} holidays={s['holidays']}"
                       f" from {s['from']:%Y-%m-%d %H:%M}Z{until}")


@contacts_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@JURISDICTION
@click.option("--from", "from_at", help="When the file's rosters start (a local date or 'YYYY-MM-DD HH:MM'); "
                                        "default now. Roster lines in force end then: a handover.")
@LANGUAGE
def contacts_import(file: Path, jurisdiction: str, from_at: str | None, lang: str) -> None:
    """Make the regency's contacts and rosters those of FILE (CSV: level,agency,district,village,name,
    title,phone,telegram,channels,language,days,hours,holidays). A file with any bad line stores nothing."""
    from app.services import contacts

    with unit_of_work() as (session, now):
        text = contacts.read_file(file, lang)
        at = contacts.parse_moment(from_at, jurisdiction, session, lang=lang)
        result = contacts.import_csv(session, now, jurisdiction, text, name=file.name, effective_from=at, lang=lang)
        session.commit()
        click.echo(result.summary(lang))


@contacts_cli.command("export")
@JURISDICTION
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout).")
def contacts_export(jurisdiction: str, output: Path | None) -> None:
    """The regency's contacts and current rosters as the import reads them."""
    from app.services import contacts

    with unit_of_work() as (session, now):
        text = contacts.export_csv(session, now, jurisdiction)
        session.commit()
    if output is None:
        click.echo(text.lstrip("\ufeff"), nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


@contacts_cli.command("add")
@JURISDICTION
@click.option("--level", required=True, help="kepala_desa, camat, piket, kepala_dinas, sekda, kantor_bupati, pengawas.")
@click.option("--name", required=True)
@click.option("--agency", default="", help="Agency code (piket, kepala_dinas).")
@click.option("--district", default="", help="District code or name (camat).")
@click.option("--village", default="", help="Village code, or name with --district (kepala_desa).")
@click.option("--title", default="")
@click.option("--phone", default="", help="For WhatsApp and SMS, e.g. 0812 3456 7890.")
@click.option("--telegram", default="", help="Telegram chat id.")
@click.option("--channels", default="", help="In order of preference, e.g. 'whatsapp sms telegram'.")
@click.option("--contact-language", "language", default="", help="id or en: the language of their alerts.")
@click.option("--days", default="", help="Roster days, e.g. Sen-Jum (empty: every day).")
@click.option("--hours", default="", help="Roster hours, e.g. 20:00-08:00 (empty: no roster, always alerted).")
@click.option("--holidays", default="", help="ya (also on public holidays), tidak, hanya (holidays only).")
@click.option("--from", "from_at", help="When the roster line starts (default now).")
@LANGUAGE
def contacts_add(jurisdiction, level, name, agency, district, village, title, phone, telegram, channels, language,
                 days, hours, holidays, from_at, lang) -> None:
    """Add one contact (or one roster line to a contact already listed at that level and place)."""
    from app.services import contacts

    values = dict(level=level, name=name, agency=agency, district=district, village=village, title=title, phone=phone,
                  telegram=telegram, channels=channels, language=language, days=days, hours=hours, holidays=holidays)
    with unit_of_work() as (session, now):
        at = contacts.parse_moment(from_at, jurisdiction, session, lang=lang)
        contact = contacts.add_contact(session, now, jurisdiction, values, lang=lang, effective_from=at)
        session.commit()
        click.echo(f"contact {contact.id}: {contact.name} ({contact.level}) [{' > '.join(contact.channel_order())}]")


@contacts_cli.command("handover")
@click.argument("from_contact", type=int)
@click.argument("to_contact", type=int)
@JURISDICTION
@click.option("--at", "at", help="From when (a local date or 'YYYY-MM-DD HH:MM'); default now.")
@LANGUAGE
def contacts_handover(from_contact: int, to_contact: int, jurisdiction: str, at: str | None, lang: str) -> None:
    """FROM_CONTACT's roster lines go to TO_CONTACT from a moment on (ids as `contacts list` shows them)."""
    from app.services import contacts

    with unit_of_work() as (session, now):
        moment = contacts.parse_moment(at, jurisdiction, session, lang=lang)
        count = contacts.handover(session, now, from_contact, to_contact, moment, lang=lang)
        session.commit()
        click.echo(f"{count} roster line(s) handed over from {(moment or now):%Y-%m-%d %H:%M} UTC")


@contacts_cli.command("retire")
@click.argument("contact_id", type=int)
def contacts_retire(contact_id: int) -> None:
    """Stop alerting a contact from now (their past alerts stay on record)."""
    from app.services import contacts

    with unit_of_work() as (session, now):
        contact = contacts.retire(session, now, contact_id)
        session.commit()
        click.echo(f"contact {contact.id} ({contact.name}) is no longer alerted")


@contacts_cli.command("on-duty")
@JURISDICTION
@click.option("--at", "at", help="At this moment instead of now (a local date and time).")
def contacts_on_duty(jurisdiction: str, at: str | None) -> None:
    """Who of the rostered desks is on duty now (or at --at)."""
    from sqlalchemy import select

    from app.models import Jurisdiction
    from app.services import contacts

    with unit_of_work() as (session, now):
        moment = contacts.parse_moment(at, jurisdiction, session) or now
        jur = session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction))
        rows = contacts.on_duty_now(session, jur.id, jur.timezone, moment)
        session.commit()
    if not rows:
        click.echo("nobody rostered is on duty")
    for r in rows:
        click.echo(f"{r['contact_id']:>5}  {r['level']:<14} {r['agency']:<28} {r['name']}  {r['hours']}"
                   f"  [{' > '.join(r['channels'])}]")


def register(app: Flask) -> None:
    app.cli.add_command(contacts_cli)
