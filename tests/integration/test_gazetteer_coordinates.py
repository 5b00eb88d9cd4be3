"""Village centres: from geografis at import, and from an operator's file via `gazetteer coordinates`."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.models import District, Jurisdiction, Village
from app.services.reference import gazetteer


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


def _village(session, code: str) -> Village:
    session.expire_all()
    return session.scalar(select(Village).where(Village.code == code))


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _without_centre(session, jurisdiction_code: str) -> int:
    return session.scalar(select(func.count(Village.id)).join(District).join(Jurisdiction)
                          .where(Jurisdiction.code == jurisdiction_code, Village.lat.is_(None)))


def test_the_demo_regencies_get_every_village_centre_from_geografis(session):
    assert _without_centre(session, "banyuwangi") == 0
    assert _without_centre(session, "sabu_raijua") == 0
    kemiren = _village(session, "35.10.15.2004")
    assert kemiren.lat == pytest.approx(-8.2013, abs=1e-3) and kemiren.lon == pytest.approx(114.3177, abs=1e-3)
    # Banyuwangi's villages lie inside the regency, east Java's tip.
    lats, lons = zip(*session.execute(select(Village.lat, Village.lon).where(Village.code.like("35.10.%"))))
    assert -8.7 < min(lats) and max(lats) < -7.8 and 113.8 < min(lons) and max(lons) < 114.5


def test_importing_again_fills_a_missing_centre_but_keeps_one_the_operator_set(session, settings):
    kemiren, sarongan = _village(session, "35.10.15.2004"), _village(session, "35.10.01.2001")
    kemiren.lat, kemiren.lon = -8.2100, 114.3200
    sarongan.lat = sarongan.lon = None
    session.flush()
    result = gazetteer.import_regency(session, "35.10", gazetteer_dir=settings.gazetteer_dir)
    assert result.villages_located == 1
    assert "1 village centres from geografis" in result.summary()
    assert (kemiren.lat, kemiren.lon) == (-8.2100, 114.3200)
    assert sarongan.lat is not None and sarongan.lon is not None


def test_a_centre_is_used_only_when_the_names_agree():
    assert gazetteer.same_place_name("Genteng Wetan", "Gentengwetan")
    assert gazetteer.same_place_name("Sumberasri", "Sumbersari")
    assert gazetteer.same_place_name("Pa' Betung", "Pa")
    assert not gazetteer.same_place_name("Lapadindi", "Oeno Kandoli")
    assert not gazetteer.same_place_name("Batu Rakit", "")


def test_centres_by_code_load_and_loading_again_changes_nothing(run, session, tmp_path):
    path = _write(tmp_path, "centres.csv", "code,lat,lon\n35.10.15.2004,-8.2140,114.3290\n"
                                           "35.10.16.1008,-8.2119,114.3770\n")
    first = run("gazetteer", "coordinates", path, "--jurisdiction", "banyuwangi")
    assert first.exit_code == 0, first.output
    assert first.output.strip() == ("Kabupaten Banyuwangi (banyuwangi): 2 rows read; 2 village centres set, "
                                    "0 unchanged; 0 of 217 villages still without a centre")
    assert (_village(session, "35.10.15.2004").lat, _village(session, "35.10.15.2004").lon) == (-8.2140, 114.3290)
    again = run("gazetteer", "coordinates", path, "--jurisdiction", "banyuwangi")
    assert again.exit_code == 0 and "0 village centres set, 2 unchanged" in again.output


def test_centres_by_village_and_district_name_from_a_semicolon_spreadsheet(run, session, tmp_path):
    # Karangrejo is a village in two kecamatan of Banyuwangi: the district tells them apart.
    karangrejo = session.scalars(select(Village).where(Village.name == "Karangrejo")).all()
    assert len(karangrejo) == 2
    district = karangrejo[0].district.name
    path = _write(tmp_path, "desa.csv", f"Desa;Kecamatan;Latitude;Longitude\nkemiren;glagah;-8.2;114.32\n"
                                        f"Karangrejo;{district};-8.5;114.2\n")
    result = run("gazetteer", "coordinates", path, "--jurisdiction", "banyuwangi")
    assert result.exit_code == 0, result.output
    assert _village(session, "35.10.15.2004").lat == -8.2
    assert _village(session, karangrejo[0].code).lat == -8.5


def test_a_file_with_bad_rows_names_each_line_and_stores_nothing(run, session, tmp_path):
    before = (_village(session, "35.10.15.2004").lat, _village(session, "35.10.15.2004").lon)
    path = _write(tmp_path, "bad.csv", "\n".join([
        "code,village,lat,lon",
        "35.10.15.2004,Kemiren,-8.2140,114.3290",   # good, but the file as a whole is refused
        "35.10.15.2005,,abc,114.3",
        "35.10.99.9999,,-8.2,114.3",
        "35.10.15.2004,,-8.2,114.3",
        "35.10.16.1008,,114.37,-8.21",
        "",
        '35.10.16.1009,,"-8,21",114.37',
        "35.10.16.1017,,-8.2",
        "35.10.16.1017,Kemiren,-8.2,114.3",
        ",Karangrejo,-8.2,114.3",
        ",,-8.2,114.3",
    ]) + "\n")
    result = run("gazetteer", "coordinates", path, "--jurisdiction", "banyuwangi")
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "Error: bad.csv: 9 problem(s), nothing stored"
    assert lines[1:] == [
        "line 3: lat 'abc' is not a number",
        "line 4: no village with code 35.10.99.9999 in banyuwangi",
        "line 5: Kemiren (35.10.15.2004) is already given at line 2",
        "line 6: 114.37, -8.21 is outside Indonesia (lat and lon swapped?)",
        "line 8: lat '-8,21' is not a number (use a dot for decimals)",
        "line 9: 3 cells where the header has 4",
        "line 10: code 35.10.16.1017 is Tamanbaru, not Kemiren",
        f"line 11: 2 villages are called 'Karangrejo' (kecamatan {_karangrejo_districts(session)}): "
        "add a district column or use codes",
        "line 12: neither a village code nor a village name",
    ]
    assert (_village(session, "35.10.15.2004").lat, _village(session, "35.10.15.2004").lon) == before


def _karangrejo_districts(session) -> str:
    return ", ".join(sorted(v.district.name for v in session.scalars(select(Village).where(
        Village.name == "Karangrejo"))))


@pytest.mark.parametrize("name, text, message", [
    ("hdr.csv", "name,x,y\nKemiren,1,2\n", "hdr.csv, line 1: the header needs lat and lon columns"),
    ("empty.csv", "code,lat,lon\n\n", "empty.csv: no rows with village centres"),
    ("centres.txt", "code,lat,lon\n", "centres.txt: expected a .csv, .geojson or .json file"),
    ("broken.geojson", '{"type": "FeatureCollection",\n', "broken.geojson, line 2: not valid JSON"),
    ("list.geojson", "[]", "list.geojson: expected a GeoJSON FeatureCollection"),
])
def test_an_unreadable_file_is_one_clear_line(run, tmp_path, name, text, message):
    result = run("gazetteer", "coordinates", _write(tmp_path, name, text), "--jurisdiction", "banyuwangi")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: " + message)
    assert len(result.output.strip().splitlines()) == 1


def test_a_missing_file_a_binary_file_and_an_unknown_jurisdiction_are_refused(run, tmp_path):
    missing = run("gazetteer", "coordinates", str(tmp_path / "nope.csv"), "--jurisdiction", "banyuwangi")
    assert missing.exit_code == 1 and "no file at" in missing.output
    binary = tmp_path / "latin1.csv"
    binary.write_bytes("code,lat,lon\n35.10.15.2004,-8.2,114.3 # Désa\n".encode("latin-1"))
    result = run("gazetteer", "coordinates", str(binary), "--jurisdiction", "banyuwangi")
    assert result.exit_code == 1 and "not UTF-8 text" in result.output
    path = _write(tmp_path, "ok.csv", "code,lat,lon\n35.10.15.2004,-8.2,114.3\n")
    unknown = run("gazetteer", "coordinates", path, "--jurisdiction", "atlantis")
    assert unknown.exit_code == 1 and "no jurisdiction 'atlantis'" in unknown.output
    assert "Traceback" not in missing.output + result.output + unknown.output


def test_geojson_points_load_and_other_geometries_are_refused(run, session, tmp_path):
    def feature(properties, geometry):
        return {"type": "Feature", "properties": properties, "geometry": geometry}

    good = {"type": "FeatureCollection", "features": [
        feature({"kode": "35.10.15.2004"}, {"type": "Point", "coordinates": [114.3290, -8.2140]}),
        feature({"desa": "Kepatihan", "kecamatan": "Banyuwangi"}, {"type": "Point", "coordinates": [114.377, -8.212]}),
    ]}
    result = run("gazetteer", "coordinates", _write(tmp_path, "ok.geojson", json.dumps(good)),
                 "--jurisdiction", "banyuwangi")
    assert result.exit_code == 0, result.output
    assert (_village(session, "35.10.15.2004").lat, _village(session, "35.10.15.2004").lon) == (-8.2140, 114.3290)
    assert _village(session, "35.10.16.1008").lon == 114.377

    bad = {"type": "FeatureCollection", "features": [
        feature({"code": "35.10.15.2004"}, {"type": "Point", "coordinates": [114.5, -8.5]}),
        feature({"code": "35.10.16.1008"}, {"type": "Polygon", "coordinates": [[[114.3, -8.2]]]}),
        feature({"code": "35.10.16.1009"}, {"type": "Point", "coordinates": ["east", -8.2]}),
    ]}
    result = run("gazetteer", "coordinates", _write(tmp_path, "bad.geojson", json.dumps(bad)),
                 "--jurisdiction", "banyuwangi")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[1:] == [
        "feature 2: geometry must be a Point (got Polygon)",
        "feature 3: lon 'east' is not a number",
    ]
    assert _village(session, "35.10.15.2004").lat == -8.2140
