"""Loads a regency's kecamatan and villages from the idn-area-data CSVs (official Kemendagri codes).

The CSVs are streamed and filtered by code prefix: villages.csv has ~84k rows.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import District, Jurisdiction, Village
from app.services.errors import NotFound, ValidationFailed

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

    @property
    def changed(self) -> bool:
        return bool(self.jurisdiction_created or self.jurisdiction_updated or self.districts_created
                    or self.districts_updated or self.villages_created or self.villages_updated)

    def summary(self) -> str:
        j = self.jurisdiction
        head = f"{j.name} ({j.code}, {j.timezone}, prefix {j.ticket_prefix})"
        if not self.changed:
            return f"{head}: already up to date"
        verb = "created" if self.jurisdiction_created else "updated"
        return (f"{head} {verb}: districts {self.districts_created} new, {self.districts_updated} updated; "
                f"villages {self.villages_created} new, {self.villages_updated} updated")


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


def normalise_name(name: str) -> str:
    """Case-, space- and punctuation-insensitive form used to compare place names."""
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


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
    return result
