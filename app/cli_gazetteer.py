"""`gazetteer coordinates`: village centres from the operator's CSV or GeoJSON (joins the `gazetteer` group)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from app.cli_commands import gazetteer_cli, unit_of_work


@gazetteer_cli.command("coordinates")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--jurisdiction", "jurisdiction_code", required=True, help="Jurisdiction code, e.g. banyuwangi.")
def gazetteer_coordinates(file: Path, jurisdiction_code: str) -> None:
    """Set village centres from FILE: CSV with code,lat,lon (or village,district,lat,lon), or GeoJSON
    points with a code (or village and district) property. A file with any bad row stores nothing."""
    from app.services.reference import gazetteer

    with unit_of_work() as (session, _now):
        result = gazetteer.load_centres(session, jurisdiction_code, file)
        session.commit()
        click.echo(result.summary())


def register(app: Flask) -> None:
    """Nothing to add: importing this module put the command into the `gazetteer` group."""
