"""Loads a regency's kecamatan and villages from the idn-area-data CSVs (official Kemendagri codes),
with village centres from the geografis package, and centres an operator supplies (CSV or GeoJSON).

The CSVs are streamed and filtered by code prefix: villages.csv has ~84k rows.
"""
from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.text import normalise_name
from app.models import District, Jurisdiction, Village
from app.services.errors import NotFound, ValidationFailed
from app.services.reference import operator_files

# Province code -> IANA zone: WIB (UTC+7), WITA (UTC+8), WIT (UTC+9).
WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
PROVINCE_TIMEZONES = {
    **{code: WIB for code in ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
                              "31", "32", "33", "34", "35", "36", "61", "62")},
    **{code: WITA for code in ("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76")},
    **{code: WIT for code in ("81", "82", "91", "92", "93", "94", "95", "96", "97")},
}
REGENCY_CODE = re.compile(r"^\d{2}\.\d{2}$")
VOWELS = set("AEIOU")


@dataclass
class ImportResult:
    jurisdiction: Jurisdiction
    jurisdiction_created: bool = False
    jurisdiction_updated: bool = False
    districts_created: int = 0
    districts_updated: int = 0
    villages_created: int = 0
    villages_updated: int = 0
    villages_located: int = 0  # centres filled in from the geografis dataset

    @property
    def changed(self) -> bool:
        return bool(self.jurisdiction_created or self.jurisdiction_updated or self.districts_created
                    or self.districts_updated or self.villages_created or self.villages_updated
                    or self.villages_located)

    def summary(self) -> str:
        j = self.jurisdiction
        head = f"{j.name} ({j.code}, {j.timezone}, prefix {j.ticket_prefix})"
        if not self.changed:
            return f"{head}: already up to date"
        verb = "created" if self.jurisdiction_created else "updated"
        text = (f"{head} {verb}: districts {self.districts_created} new, {self.districts_updated} updated; "
                f"villages {self.villages_created} new, {self.villages_updated} updated")
        if self.villages_located:
            text += f"; {self.villages_located} village centres from geografis"
        return text


@dataclass(frozen=True)
class Regency:
    code: str
    province_code: str
    name: str  # as printed in the dataset, upper case


def _dataset_file(gazetteer_dir: Path | str, name: str) -> Path:
    folder = Path(gazetteer_dir)
    path = folder / name
    if not path.is_file():
        raise ValidationFailed(
            f"gazetteer dataset not found at {folder} (missing {name}): run `make install` (or `npm ci`) "
            "to install the idn-area-data package",
            code="gazetteer_missing",
        )
    return path


def _rows(gazetteer_dir: Path | str, name: str) -> Iterator[dict]:
    with _dataset_file(gazetteer_dir, name).open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def title_case(name: str) -> str:
    """'KABUPATEN SABU RAIJUA' -> 'Kabupaten Sabu Raijua' (hyphenated parts too)."""
    words = []
    for word in name.strip().split():
        words.append("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")))
    return " ".join(words)


def bare_name(regency_name: str) -> str:
    """The regency name without 'Kabupaten'/'Kota' (e.g. 'Banyuwangi')."""
    name = title_case(regency_name)
    for word in ("Kabupaten ", "Kota "):
        if name.startswith(word):
            return name[len(word):]
    return name


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def find_regency(code: str, gazetteer_dir: Path | str) -> Regency:
    code = code.strip()
    if not REGENCY_CODE.match(code):
        raise ValidationFailed(f"regency code must look like 35.10 (province.regency), got {code!r}",
                               field="regency")
    for row in _rows(gazetteer_dir, "regencies.csv"):
        if row["code"] == code:
            return Regency(code=row["code"], province_code=row["province_code"], name=row["name"])
    raise NotFound(f"no regency with code {code} in the gazetteer dataset", field="regency")


def regency_timezone(regency: Regency) -> str:
    try:
        return PROVINCE_TIMEZONES[regency.province_code]
    except KeyError:
        raise ValidationFailed(
            f"no time zone known for province {regency.province_code}: pass --timezone"
        ) from None


def _prefix_candidates(name: str) -> Iterator[str]:
    letters = re.sub(r"[^A-Z]", "", name.upper())
    if not letters:
        return
    rest = letters[1:]
    consonants = "".join(c for c in rest if c not in VOWELS)
    seen = set()
    for pool in (consonants, rest):
        for pair in combinations(pool, 2):
            candidate = letters[0] + "".join(pair)
            if candidate not in seen:
                seen.add(candidate)
                yield candidate


def unique_ticket_prefix(session: Session, name: str) -> str:
    """Three letters from the name, not yet used by another jurisdiction."""
    taken = set(session.scalars(select(Jurisdiction.ticket_prefix)))
    for candidate in _prefix_candidates(name):
        if candidate not in taken:
            return candidate
    raise ValidationFailed(f"could not derive a free ticket prefix for {name!r}: pass --prefix")


def _check_prefix(session: Session, prefix: str, jurisdiction: Jurisdiction | None) -> str:
    prefix = prefix.strip().upper()
    if not re.fullmatch(r"[A-Z]{2,8}", prefix):
        raise ValidationFailed(f"ticket prefix must be 2 to 8 letters, got {prefix!r}", field="prefix")
    other = session.scalar(select(Jurisdiction).where(Jurisdiction.ticket_prefix == prefix))
    if other is not None and other is not jurisdiction:
        raise ValidationFailed(f"ticket prefix {prefix} is already used by jurisdiction {other.code}",
                               field="prefix")
    return prefix


def _check_timezone(tz: str) -> str:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(tz)
    except Exception:
        raise ValidationFailed(f"unknown time zone {tz!r} (use an IANA name such as Asia/Jakarta)",
                               field="timezone") from None
    return tz


def import_regency(session: Session, regency_code: str, jurisdiction_code: str | None = None,
                   name: str | None = None, timezone: str | None = None, ticket_prefix: str | None = None,
                   *, gazetteer_dir: Path | str) -> ImportResult:
    """Create or update the jurisdiction for a regency and upsert its districts and villages by code.

    Idempotent; flushes but does not commit.
    """
    regency = find_regency(regency_code, gazetteer_dir)
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.regency_code == regency.code))
    if jurisdiction is None and jurisdiction_code:
        jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code))
        if jurisdiction is not None and jurisdiction.regency_code not in (None, regency.code):
            raise ValidationFailed(
                f"jurisdiction {jurisdiction_code} already covers regency {jurisdiction.regency_code}",
                field="jurisdiction")

    wanted_name = name or title_case(regency.name)
    wanted_tz = _check_timezone(timezone) if timezone else None
    result = ImportResult(jurisdiction=jurisdiction)  # type: ignore[arg-type]
    if jurisdiction is None:
        code = jurisdiction_code or slug(bare_name(regency.name))
        if session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code)) is not None:
            code = slug(title_case(regency.name))  # e.g. Kota Bogor beside Kabupaten Bogor
        if not re.fullmatch(r"[a-z0-9_-]{2,40}", code):
            raise ValidationFailed(f"jurisdiction code must be 2-40 lower-case letters, digits, _ or -, got {code!r}",
                                   field="jurisdiction")
        prefix = (_check_prefix(session, ticket_prefix, None) if ticket_prefix
                  else unique_ticket_prefix(session, bare_name(regency.name)))
        jurisdiction = Jurisdiction(code=code, name=wanted_name, timezone=wanted_tz or regency_timezone(regency),
                                    ticket_prefix=prefix, regency_code=regency.code)
        session.add(jurisdiction)
        session.flush()
        result.jurisdiction, result.jurisdiction_created = jurisdiction, True
    else:
        result.jurisdiction = jurisdiction
        changes = {"regency_code": regency.code}
        if name or jurisdiction.name is None:
            changes["name"] = wanted_name
        if wanted_tz:
            changes["timezone"] = wanted_tz
        if ticket_prefix:
            changes["ticket_prefix"] = _check_prefix(session, ticket_prefix, jurisdiction)
        if jurisdiction_code and jurisdiction_code != jurisdiction.code:
            raise ValidationFailed(
                f"regency {regency.code} is already imported as jurisdiction {jurisdiction.code}",
                field="jurisdiction")
        for key, value in changes.items():
            if getattr(jurisdiction, key) != value:
                setattr(jurisdiction, key, value)
                result.jurisdiction_updated = True

    districts = {d.code: d for d in session.scalars(
        select(District).where(District.jurisdiction_id == jurisdiction.id))}
    for row in _rows(gazetteer_dir, "districts.csv"):
        if row["regency_code"] != regency.code:
            continue
        district = districts.get(row["code"])
        if district is None:
            district = District(jurisdiction_id=jurisdiction.id, code=row["code"], name=row["name"])
            session.add(district)
            districts[row["code"]] = district
            result.districts_created += 1
        elif district.name != row["name"]:
            district.name = row["name"]
            result.districts_updated += 1
    session.flush()

    villages = {v.code: v for v in session.scalars(
        select(Village).join(District).where(District.jurisdiction_id == jurisdiction.id))}
    village_prefix = regency.code + "."
    for row in _rows(gazetteer_dir, "villages.csv"):
        if not row["code"].startswith(village_prefix):
            continue
        district = districts.get(row["district_code"])
        if district is None:
            continue  # a village whose kecamatan the dataset does not list
        village = villages.get(row["code"])
        if village is None:
            village = Village(district_id=district.id, code=row["code"], name=row["name"])
            session.add(village)
            villages[row["code"]] = village
            result.villages_created += 1
        elif village.name != row["name"] or village.district_id != district.id:
            village.name, village.district_id = row["name"], district.id
            result.villages_updated += 1
    session.flush()
    result.villages_located = _fill_centres(villages.values(), centres_file(gazetteer_dir))
    session.flush()
    return result


# --- village centres ------------------------------------------------------------------------------

# Everything Indonesian lies inside this box; a point outside it is a typo or swapped lat/lon.
INDONESIA_LAT = (-11.5, 6.5)
INDONESIA_LON = (94.5, 141.5)


def centres_file(gazetteer_dir: Path | str) -> Path:
    """geografis's village list, installed by npm beside idn-area-data (node_modules/<pkg>/data)."""
    return Path(gazetteer_dir).parent.parent / "geografis" / "data" / "json" / "data.json"


@lru_cache(maxsize=2)
def _centres_index(path: str, _mtime_ns: int) -> dict[str, tuple[str, float, float]]:
    with open(path, encoding="utf-8") as handle:
        entries = json.load(handle)
    index = {}
    for entry in entries:
        try:
            code, name = entry["code"], entry["village"] or ""
            lat, lon = float(entry["latitude"]), float(entry["longitude"])
        except (KeyError, TypeError, ValueError):
            continue
        if _in_indonesia(lat, lon):
            index[code] = (name, lat, lon)
    return index


def _in_indonesia(lat: float, lon: float) -> bool:
    return (math.isfinite(lat) and math.isfinite(lon) and INDONESIA_LAT[0] <= lat <= INDONESIA_LAT[1]
            and INDONESIA_LON[0] <= lon <= INDONESIA_LON[1])


def same_place_name(a: str, b: str) -> bool:
    """'Genteng Wetan' ~ 'Gentengwetan', 'Sumberasri' ~ 'Sumbersari'; 'Lapadindi' !~ 'Oeno Kandoli'.

    geografis follows the 2019/2020 code lists: where Kemendagri later gave a code to another
    village, the names differ and that centre is not used."""
    x, y = re.sub(r"[^a-z0-9]", "", a.lower()), re.sub(r"[^a-z0-9]", "", b.lower())
    if not x or not y:
        return False
    return x == y or x in y or y in x or SequenceMatcher(None, x, y).ratio() >= 0.75


def _fill_centres(villages, path: Path) -> int:
    """Gives villages without a centre the geografis one; never overwrites a centre already set."""
    missing = [v for v in villages if v.lat is None or v.lon is None]
    if not missing or not path.is_file():
        return 0
    index = _centres_index(str(path), path.stat().st_mtime_ns)
    filled = 0
    for village in missing:
        known = index.get(village.code)
        if known is not None and same_place_name(village.name, known[0]):
            village.lat, village.lon = known[1], known[2]
            filled += 1
    return filled


# --- centres an operator supplies -----------------------------------------------------------------

COLUMN_ALIASES = {
    "code": ("code", "kode", "village_code", "kode_desa"),
    "village": ("village", "desa", "kelurahan", "name", "nama"),
    "district": ("district", "kecamatan", "district_name"),
    "lat": ("lat", "latitude", "lintang"),
    "lon": ("lon", "lng", "long", "longitude", "bujur"),
}
MAX_REPORTED_ERRORS = 20


@dataclass
class CentresResult:
    jurisdiction: Jurisdiction
    rows: int = 0
    updated: int = 0
    unchanged: int = 0
    without_centre: int = 0
    villages: int = 0

    def summary(self) -> str:
        return (f"{self.jurisdiction.name} ({self.jurisdiction.code}): {self.rows} rows read; "
                f"{self.updated} village centres set, {self.unchanged} unchanged; "
                f"{self.without_centre} of {self.villages} villages still without a centre")


@dataclass
class _Row:
    where: str  # "line 7" or "feature 3"
    values: dict = field(default_factory=dict)


def load_centres(session: Session, jurisdiction_code: str, path: Path | str) -> CentresResult:
    """Sets village centres from a CSV (code,lat,lon or village,district,lat,lon) or GeoJSON points.

    All or nothing: any bad row raises ValidationFailed listing each problem by line (or feature)
    and nothing is changed. Idempotent; flushes but does not commit."""
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code))
    if jurisdiction is None:
        raise NotFound(f"no jurisdiction {jurisdiction_code!r}", field="jurisdiction")
    path = Path(path)
    rows = _read_centres_file(path)
    villages = list(session.scalars(select(Village).join(District)
                                    .where(District.jurisdiction_id == jurisdiction.id)))
    if not villages:
        raise ValidationFailed(f"jurisdiction {jurisdiction.code} has no villages: run `gazetteer import` first",
                               field="jurisdiction")
    by_code = {v.code: v for v in villages}
    by_name: dict[str, list[Village]] = {}
    for village in villages:
        by_name.setdefault(normalise_name(village.name), []).append(village)

    errors: list[str] = []
    chosen: dict[int, tuple[Village, float, float, str]] = {}
    for row in rows:
        if "_shape" in row.values:  # a short CSV line or a non-Point feature: nothing else to say
            errors.append(f"{row.where}: {row.values['_shape']}")
            continue
        problems: list[str] = []
        lat = _coordinate(row.values.get("lat"), "lat", problems)
        lon = _coordinate(row.values.get("lon"), "lon", problems)
        if lat is not None and lon is not None and not _in_indonesia(lat, lon):
            hint = " (lat and lon swapped?)" if _in_indonesia(lon, lat) else ""
            problems.append(f"{lat}, {lon} is outside Indonesia{hint}")
        village = _village_for(row.values, by_code, by_name, jurisdiction, problems)
        if village is not None and village.id in chosen:
            problems.append(f"{village.name} ({village.code}) is already given at {chosen[village.id][3]}")
        errors.extend(f"{row.where}: {p}" for p in problems)
        if not problems:
            chosen[village.id] = (village, lat, lon, row.where)
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        more = len(errors) - len(shown)
        raise ValidationFailed(
            f"{path.name}: {len(errors)} problem(s), nothing stored\n" + "\n".join(shown)
            + (f"\n... and {more} more" if more else ""), code="bad_centres_file")

    result = CentresResult(jurisdiction=jurisdiction, rows=len(rows), villages=len(villages))
    for village, lat, lon, _where in chosen.values():
        if (village.lat, village.lon) == (lat, lon):
            result.unchanged += 1
        else:
            village.lat, village.lon = lat, lon
            result.updated += 1
    session.flush()
    result.without_centre = sum(1 for v in villages if v.lat is None or v.lon is None)
    return result


def _read_centres_file(path: Path) -> list[_Row]:
    text = operator_files.read_text(path, (".csv", ".geojson", ".json"))
    rows = _geojson_rows(path, text) if path.suffix.lower() in (".geojson", ".json") else _csv_rows(path, text)
    if not rows:
        raise ValidationFailed(f"{path.name}: no rows with village centres", field="file")
    return rows


def _canonical_column(name: str) -> str | None:
    key = (name or "").strip().lower()
    for canonical, aliases in COLUMN_ALIASES.items():
        if key in aliases:
            return canonical
    return None


def _csv_rows(path: Path, text: str) -> list[_Row]:
    lines = text.splitlines()
    sample = next((line for line in lines if line.strip()), "")
    delimiter = ";" if sample.count(";") > sample.count(",") else ","  # spreadsheets in id-ID save with ;
    reader = csv.reader(lines, delimiter=delimiter)
    header = next(reader, None)
    columns = [_canonical_column(name) for name in header or []]
    if "lat" not in columns or "lon" not in columns or not ({"code", "village"} & set(columns)):
        raise ValidationFailed(
            f"{path.name}, line 1: the header needs lat and lon columns and code (or village, with district "
            f"if names repeat); got {', '.join(h.strip() for h in header or []) or 'nothing'}", field="file")
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        values = {column: cell.strip() for column, cell in zip(columns, cells) if column}
        if len(cells) != len(columns):
            values["_shape"] = f"{len(cells)} cells where the header has {len(columns)}"
        rows.append(_Row(where=f"line {reader.line_num}", values=values))
    return rows


def _geojson_rows(path: Path, text: str) -> list[_Row]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"{path.name}, line {exc.lineno}: not valid JSON ({exc.msg})", field="file") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" \
            or not isinstance(document.get("features"), list):
        raise ValidationFailed(f"{path.name}: expected a GeoJSON FeatureCollection", field="file")
    rows = []
    for number, feature in enumerate(document["features"], start=1):
        feature = feature if isinstance(feature, dict) else {}
        props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
        values = {}
        for key, value in props.items():
            column = _canonical_column(key)
            if column in ("code", "village", "district") and value is not None:
                values[column] = str(value).strip()
        geometry = feature.get("geometry") if isinstance(feature.get("geometry"), dict) else {}
        coordinates = geometry.get("coordinates")
        if geometry.get("type") != "Point" or not isinstance(coordinates, list) or len(coordinates) < 2:
            values["_shape"] = f"geometry must be a Point (got {geometry.get('type') or 'none'})"
        else:
            values["lon"], values["lat"] = coordinates[0], coordinates[1]  # GeoJSON order is lon, lat
        rows.append(_Row(where=f"feature {number}", values=values))
    return rows


def _coordinate(raw, name: str, problems: list[str]) -> float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        problems.append(f"{name} is missing")
        return None
    if isinstance(raw, bool):
        raw = str(raw)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        hint = " (use a dot for decimals)" if isinstance(raw, str) and "," in raw else ""
        problems.append(f"{name} {raw!r} is not a number{hint}")
        return None
    if not math.isfinite(value):
        problems.append(f"{name} {raw!r} is not a number")
        return None
    return value


def _village_for(values: dict, by_code: dict, by_name: dict, jurisdiction: Jurisdiction,
                 problems: list[str]) -> Village | None:
    code, name, district = values.get("code"), values.get("village"), values.get("district")
    if code:
        village = by_code.get(code)
        if village is None:
            problems.append(f"no village with code {code} in {jurisdiction.code}")
        elif name and normalise_name(name) != normalise_name(village.name):
            problems.append(f"code {code} is {village.name}, not {name}")
        return village
    if not name:
        problems.append("neither a village code nor a village name")
        return None
    candidates = by_name.get(normalise_name(name), [])
    if district:
        candidates = [v for v in candidates if normalise_name(v.district.name) == normalise_name(district)]
    if not candidates:
        where = f" in kecamatan {district}" if district else ""
        problems.append(f"no village {name!r}{where} in {jurisdiction.code}")
        return None
    if len(candidates) > 1:
        districts = ", ".join(sorted(v.district.name for v in candidates))
        problems.append(f"{len(candidates)} villages are called {name!r} (kecamatan {districts}): "
                        "add a district column or use codes")
        return None
    return candidates[0]
