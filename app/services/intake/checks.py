"""Everything wrong with a report a staff member typed in, found at once, as codes a form puts in its
reader's language, with near names to choose from ("did you mean Kemiren?"). `stage` stays the one
gate: a report that passes here still goes through it, and its refusals are the last word."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.domain.phone import is_indonesian_mobile, to_e164
from app.services.errors import ValidationFailed
from app.services.reference import cache as reference_cache
from app.services.reference import places

from .submission import ENTRY_GRACE, MAX_DESCRIPTION, _coordinate, _honoured_received_at, _inside, _received_at

MAX_NAME = 200
MAX_ADDRESS = 300
CHOICES = 4
MAX_TYPED = 100  # characters of a typed place name that the near-name search looks at


@dataclass(frozen=True)
class Choice:
    """A near name the staff member may mean: `value` fills the field, `district` (a Kemendagri code)
    the district beside it."""

    value: str
    district: str | None = None
    district_name: str | None = None


@dataclass(frozen=True)
class Problem:
    field: str  # the form field: category, description, district, village, address, reporter_name, reporter_phone
    code: str  # required | unknown | too_long | ambiguous | elsewhere | invalid | not_mobile | where_missing
    params: dict = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def problems(session: Session, *, jurisdiction_id: int, category: str | None, description: str | None,
             district: str | None, village: str | None, address: str | None = None,
             reporter_name: str | None = None, reporter_phone: str | None = None, lat=None, lon=None,
             received_at: datetime | None = None, now: datetime | None = None,
             actor: Actor | None = None) -> list[Problem]:
    """What stops this report from being recorded, every field at once (empty: nothing found). The
    time of receipt is checked by intake's own rules (not in the future, at most 30 days back, and
    backdated by counter staff only for their own agency) when `received_at`, `now` and `actor` are given."""
    found: list[Problem] = []
    category, description = _text(category).lower(), _text(description)
    district, village, address = _text(district), _text(village), _text(address)
    if not category:
        found.append(Problem("category", "required"))
    elif category not in reference_cache.active_categories(session):
        found.append(Problem("category", "unknown"))
    if not description:
        found.append(Problem("description", "required"))
    elif len(description) > MAX_DESCRIPTION:
        found.append(Problem("description", "too_long", {"max": MAX_DESCRIPTION}))
    if len(address) > MAX_ADDRESS:
        found.append(Problem("address", "too_long", {"max": MAX_ADDRESS}))
    found.extend(_point_problems(session, jurisdiction_id, lat, lon))
    known = reference_cache.places(session, jurisdiction_id)
    dist = None
    if district:
        dist = places.find_district(session, jurisdiction_id, district)
        if dist is None:
            found.append(Problem("district", "unknown", {"name": district}, _near_districts(known, district)))
    if village:
        found.extend(_village_problems(session, known, jurisdiction_id, village, dist, district_given=bool(district)))
    elif not district and not address:
        found.append(Problem("village", "where_missing"))
    if received_at is not None and now is not None:
        found.extend(_received_problems(session, known, category, dist, received_at, now, actor))
    if len(_text(reporter_name)) > MAX_NAME:
        found.append(Problem("reporter_name", "too_long", {"max": MAX_NAME}))
    phone = _text(reporter_phone)
    if phone:
        e164 = to_e164(phone)
        if e164 is None:
            found.append(Problem("reporter_phone", "invalid", {"phone": phone}))
        elif not is_indonesian_mobile(e164):
            found.append(Problem("reporter_phone", "not_mobile", {"phone": phone}))
    return found


def _point_problems(session: Session, jurisdiction_id: int, lat, lon) -> list[Problem]:
    if lat in (None, "") and lon in (None, ""):
        return []
    try:
        lat_f, lon_f = _coordinate(lat, "lat", 90), _coordinate(lon, "lon", 180)
    except ValidationFailed:
        return [Problem("lat", "invalid")]
    if lat_f is None or lon_f is None:
        return [Problem("lat", "half")]
    jurisdiction = reference_cache.jurisdiction_by_id(session, jurisdiction_id)
    try:
        _inside(session, jurisdiction, lat_f, lon_f)
    except ValidationFailed:
        return [Problem("lat", "outside", {"jurisdiction": jurisdiction.name})]
    return []


def _received_problems(session: Session, known, category: str, dist, received_at: datetime, now: datetime,
                       actor: Actor | None) -> list[Problem]:
    try:
        claimed = _received_at(received_at, now)
    except ValidationFailed:
        return [Problem("received_at", "future" if received_at > now else "too_old")]
    cat = reference_cache.active_categories(session).get(category)
    if actor is None or cat is None:
        return []
    agency = known.route(cat.id, dist.id if dist else None)
    try:
        _honoured_received_at(actor, agency, claimed, now)
    except ValidationFailed:
        return [Problem("received_at", "backdate_elsewhere",
                        {"agency": agency.name if agency is not None else None,
                         "minutes": int(ENTRY_GRACE.total_seconds() // 60)})]
    return []


def _choice(known, village) -> Choice:
    district = known.district_by_id.get(village.district_id)
    return Choice(value=village.name, district=district.code if district else None,
                  district_name=district.name if district else None)


def _village_problems(session: Session, known, jurisdiction_id: int, village: str, dist,
                      district_given: bool) -> list[Problem]:
    if district_given and dist is None:
        # The district is wrong already: suggest villages of that name anywhere.
        vil = places.find_village(session, jurisdiction_id, village)
        if vil is not None:
            return []
    vil = places.find_village(session, jurisdiction_id, village, district_id=dist.id if dist else None)
    if vil is None:
        elsewhere = places.find_village(session, jurisdiction_id, village) if dist is not None else None
        if elsewhere is not None:
            same = places.namesakes(session, jurisdiction_id, elsewhere.name) or [elsewhere]
            return [Problem("village", "elsewhere", {"name": village, "district": dist.name},
                            tuple(_choice(known, v) for v in same[:CHOICES]))]
        typed = village[:MAX_TYPED]  # a name is short: fuzzy matching a page of text would only cost
        near = places.suggest_villages(session, jurisdiction_id, typed, limit=CHOICES,
                                       district_id=dist.id if dist else None)
        if not near and dist is not None:
            near = places.suggest_villages(session, jurisdiction_id, typed, limit=CHOICES)
        return [Problem("village", "unknown", {"name": village}, tuple(_choice(known, v) for v, _score in near))]
    if dist is None:
        same = places.namesakes(session, jurisdiction_id, vil.name)
        if len(same) > 1:
            return [Problem("district", "ambiguous", {"name": vil.name},
                            tuple(_choice(known, v) for v in same[:CHOICES]))]
    return []


def _near_districts(known, text: str) -> tuple[Choice, ...]:
    from rapidfuzz import fuzz, process, utils

    names = [d.name for d in known.districts]
    matches = process.extract(text[:MAX_TYPED], names, scorer=fuzz.WRatio, processor=utils.default_process, limit=3,
                              score_cutoff=60)
    return tuple(Choice(value=known.districts[index].code, district=known.districts[index].code,
                        district_name=known.districts[index].name) for _name, _score, index in matches)
