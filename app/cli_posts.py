"""`posts assign | list | import`: who holds each accountable post, from when (thin: parse, call, print)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.cli_commands import unit_of_work
from app.domain.actor import Actor

posts_cli = AppGroup("posts", help="Accountable posts and their holders over time.")
OPERATOR = Actor(kind="system", name="operator (CLI)")


@posts_cli.command("assign")
@click.argument("post")
@click.option("--username", help="The holder's staff account.")
@click.option("--contact", "contact_id", type=int, help="The holder's escalation contact id.")
@click.option("--name", help="Name as printed on the contract (default: the account's or contact's).")
@click.option("--title", help="Title, e.g. Kepala Dinas Sosial Kabupaten Banyuwangi.")
@click.option("--from", "from_at", help="From when (default now): a local date or 'YYYY-MM-DD HH:MM', or ISO 8601.")
@click.option("--note", help="Why, e.g. the decree number.")
def posts_assign(post, username, contact_id, name, title, from_at, note) -> None:
    """Name the holder of POST (e.g. agency_head:bwi-dinsos); the current holder's tenure closes then."""
    from app.services import posts

    with unit_of_work() as (session, now):
        holder = posts.assign(session, now, OPERATOR, post, username=username, contact_id=contact_id, name=name,
                              title=title, from_at=from_at, note=note)
        click.echo(f"{holder.post.key}: {holder.name} holds it from {holder.from_at:%Y-%m-%d %H:%M} UTC")


@posts_cli.command("list")
@click.option("--jurisdiction", help="Only this jurisdiction, e.g. banyuwangi.")
@click.option("--kind", help="agency_head, camat, village_head, regional_secretary, regent or triage_desk.")
@click.option("--history", is_flag=True, help="Every tenure, not only the current holder.")
def posts_list(jurisdiction, kind, history) -> None:
    """Posts and their holders."""
    from app.services import posts

    with unit_of_work() as (session, now):
        found = posts.list_posts(session, now, jurisdiction=jurisdiction, kind=kind)
        session.commit()  # posts made for places added since
    for post in found:
        holder = post["holder"]
        who = f"{holder['name']} (from {holder['from']})" if holder else "vacant"
        click.echo(f"{post['key']}\t{who}")
        if history:
            for tenure in post["tenures"]:
                click.echo(f"    {tenure['from']} .. {tenure['until'] or 'now'}  {tenure['name']}"
                           f"{' @' + tenure['username'] if tenure['username'] else ''}")


@posts_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def posts_import(file: Path) -> None:
    """Name holders from FILE, a CSV with post,username,contact,name,title,from,note (a regency's
    posts and their history). A file with any bad line stores nothing."""
    from app.services import posts

    with unit_of_work() as (session, now):
        result = posts.import_csv(session, now, OPERATOR, file)
        session.commit()
        click.echo(result.summary())


def register(app: Flask) -> None:
    app.cli.add_command(posts_cli)
