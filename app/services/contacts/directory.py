"""The ladder's people as data an operator manages: a whole regency's contacts and duty rosters from
one CSV (all or nothing, problems named by line in the operator's language), one contact or roster
line at a time, the CSV back out, and the handover of a duty desk from a moment on."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain import duty
from app.domain.ids import row_id
from app.domain.phone import to_e164
from app.domain.spreadsheet import csv_text
from app.domain.text import clean_text, normalise_name
from app.i18n import normalise_language, t
from app.models import Agency, District, Jurisdiction, Village
from app.models.sla_engine import DutyShift, EscalationContact
from app.services import posts
from app.services.errors import NotFound, ServiceError, ValidationFailed

COLUMNS = ("level", "agency", "district", "village", "name", "title", "phone", "telegram", "channels", "language",
           "days", "hours", "holidays")
MAX_REPORTED_ERRORS = 30


class ContactsProblem(ValidationFailed):
    """Problems of an import or a form, each already in the operator's language."""

    code = "bad_contacts"

    def __init__(self, message: str, problems: list[str]):
        super().__init__(message)
        self.problems = problems


def _say(lang: str, key: str, **params) -> str:
    return t(f"contacts.error.{key}", lang, **params)


@dataclass
class ContactRow:
    """One line read and checked: a person at a level and scope, and maybe one roster line."""

    line: int
    level: str
    jurisdiction_id: int
    agency_id: int | None
    district_id: int | None
    village_id: int | None
    name: str
    title: str | None
    phone: str | None
    telegram: int | None
    channels: tuple[str, ...]
    language: str
    shift: tuple[frozenset, time, int, str] | None  # days, start, minutes, holidays

    @property
    def identity(self) -> tuple:
        return (self.level, self.agency_id, self.district_id, self.village_id, normalise_name(self.name), self.phone,
                self.telegram)

    @property
    def details(self) -> tuple:
        return (self.title, self.channels, self.language)


@dataclass
class ImportResult:
    jurisdiction: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    retired: int = 0
    shifts: int = 0
    effective_from: datetime | None = None
    problems: list[str] = field(default_factory=list)

    def summary(self, lang: str = "id") -> str:
        if normalise_language(lang) == "en":
            return (f"{self.jurisdiction}: {self.rows} row(s); {self.added} contact(s) added, {self.updated} kept or "
                    f"updated, {self.retired} no longer alerted; {self.shifts} roster line(s) from "
                    f"{self.effective_from:%Y-%m-%d %H:%M} UTC")
        return (f"{self.jurisdiction}: {self.rows} baris; {self.added} kontak baru, {self.updated} tetap/diperbarui, "
                f"{self.retired} tidak dihubungi lagi; {self.shifts} jadwal piket mulai "
                f"{self.effective_from:%Y-%m-%d %H:%M} UTC")


class _Places:
    """The regency's agencies, districts and villages, looked up by code or name."""

    def __init__(self, session: Session, jurisdiction: Jurisdiction):
        self.agencies = {a.code.lower(): a for a in session.scalars(select(Agency).where(
            Agency.jurisdiction_id == jurisdiction.id))}
        districts = list(session.scalars(select(District).where(District.jurisdiction_id == jurisdiction.id)))
        self.districts = {d.code: d for d in districts}
        self.district_names = {normalise_name(d.name): d for d in districts}
        villages = list(session.scalars(select(Village).join(District).where(
            District.jurisdiction_id == jurisdiction.id)))
        self.villages = {v.code: v for v in villages}
        self.village_names: dict[str, list[Village]] = {}
        for v in villages:
            self.village_names.setdefault(normalise_name(v.name), []).append(v)

    def district(self, raw: str) -> District | None:
        return self.districts.get(raw.strip()) or self.district_names.get(normalise_name(raw))

    def village(self, raw: str, district: District | None) -> Village | None:
        found = self.villages.get(raw.strip())
        if found is not None:
            return found
        named = [v for v in self.village_names.get(normalise_name(raw), [])
                 if district is None or v.district_id == district.id]
        return named[0] if len(named) == 1 else None


def read_row(values: dict, line: int, jurisdiction: Jurisdiction, places: _Places, lang: str,
             problems: list[str]) -> ContactRow | None:
    """Check one line's values; its problems are added (in `lang`) and None returned if any."""
    values = {k: clean_text(v) for k, v in values.items() if isinstance(v, str)}  # storable on PostgreSQL
    found: list[str] = []

    def problem(key: str, **params) -> None:
        found.append(_say(lang, key, **params))

    level = None
    try:
        level = duty.parse_level(values.get("level"))
    except duty.RosterError as exc:
        problem(exc.key, **exc.params)
    name = " ".join((values.get("name") or "").split())
    if not name or len(name) > 200:
        problem("no_name")
    title = " ".join((values.get("title") or "").split()) or None
    if title and len(title) > 200:
        problem("long_title")
    agency = district = village = None
    scope = duty.LEVEL_SCOPE.get(level) if level else None
    raw_agency, raw_district, raw_village = ((values.get(k) or "").strip() for k in ("agency", "district", "village"))
    if raw_agency:
        agency = places.agencies.get(raw_agency.lower())
        if agency is None:
            problem("unknown_agency", value=raw_agency)
    elif scope == "agency":
        problem("need_agency", value=values.get("level"))
    if raw_district:
        district = places.district(raw_district)
        if district is None:
            problem("unknown_district", value=raw_district)
    elif scope == "district":
        problem("need_district", value=values.get("level"))
    if raw_village:
        village = places.village(raw_village, district)
        if village is None:
            problem("unknown_village", value=raw_village)
        elif district is None:
            district = places.districts.get(next((d.code for d in places.districts.values()
                                                  if d.id == village.district_id), ""))
    elif scope == "village":
        problem("need_village", value=values.get("level"))
    raw_phone = (values.get("phone") or "").strip()
    phone = to_e164(raw_phone) if raw_phone else None
    if raw_phone and phone is None:
        problem("bad_phone", value=raw_phone)
    raw_chat = (values.get("telegram") or "").strip()
    telegram = None
    if raw_chat:
        try:
            telegram = int(raw_chat)
            if not -10**15 < telegram < 10**15:
                raise ValueError
        except ValueError:
            problem("bad_telegram", value=raw_chat)
            telegram = None
    channels: tuple[str, ...] = ()
    try:
        channels = duty.parse_channels(values.get("channels"))
    except duty.RosterError as exc:
        problem(exc.key, **exc.params)
    if channels and not any((c in ("whatsapp", "sms") and phone) or (c == "telegram" and telegram)
                            for c in channels) and not (raw_phone and phone is None) and not (raw_chat and telegram is None):
        problem("unreachable", value=" ".join(channels))
    raw_language = (values.get("language") or "").strip().lower()
    if raw_language and raw_language not in ("id", "en"):
        problem("bad_language", value=raw_language)
    shift = None
    hours, days, holidays = ((values.get(k) or "").strip() for k in ("hours", "days", "holidays"))
    if hours:
        try:
            start, minutes = duty.parse_hours(hours)
            shift = (duty.parse_days(days), start, minutes, duty.parse_holidays(holidays))
        except duty.RosterError as exc:
            problem(exc.key, **exc.params)
    elif days or holidays:
        problem("need_hours")
    problems.extend(t("contacts.line", lang, line=line, problem=p) for p in found)
    if found:
        return None
    return ContactRow(line=line, level=level, jurisdiction_id=jurisdiction.id,
                      agency_id=agency.id if agency else None, district_id=district.id if district else None,
                      village_id=village.id if village else None, name=name, title=title, phone=phone,
                      telegram=telegram, channels=channels, language=raw_language or "id", shift=shift)


def _jurisdiction(session: Session, code: str, lang: str) -> Jurisdiction:
    found = session.scalar(select(Jurisdiction).where(Jurisdiction.code == (code or "").strip().lower()))
    if found is None:
        raise NotFound(_say(lang, "unknown_jurisdiction", value=code), code="unknown_jurisdiction",
                       field="jurisdiction")
    return found


def _fail(name: str, problems: list[str], lang: str) -> None:
    shown = problems[:MAX_REPORTED_ERRORS]
    more = len(problems) - len(shown)
    text = "\n".join([t("contacts.file_problems", lang, file=name, count=len(problems)), *shown]
                     + ([t("contacts.more_problems", lang, count=more)] if more else []))
    raise ContactsProblem(text, problems)


def read_csv(text: str, name: str, lang: str) -> list[tuple[int, dict]]:
    """(line number, {column: value}) of each non-empty line; a bad header or shape raises."""
    lines = text.lstrip("\ufeff").splitlines()
    sample = next((line for line in lines if line.strip()), "")
    delimiter = ";" if sample.count(";") > sample.count(",") else ","  # spreadsheets in id-ID save with ;
    reader = csv.reader(lines, delimiter=delimiter)
    header = [(h or "").strip().lower() for h in next(reader, None) or []]
    if "level" not in header or "name" not in header:
        _fail(name, [t("contacts.line", lang, line=1, problem=_say(lang, "header", value=",".join(header) or "-"))],
              lang)
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        _fail(name, [t("contacts.line", lang, line=1, problem=_say(lang, "unknown_column", value=h)) for h in unknown],
              lang)
    rows, problems = [], []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(t("contacts.line", lang, line=reader.line_num,
                              problem=_say(lang, "shape", value=len(cells), count=len(header))))
            continue
        # A cell our own export protected from spreadsheet formulas ('+62...) reads as what it says.
        rows.append((reader.line_num, {h: (c[1:] if c.startswith("'") else c) for h, c in zip(header, cells) if h}))
    if problems:
        _fail(name, problems, lang)
    if not rows:
        _fail(name, [_say(lang, "no_rows")], lang)
    return rows


def read_file(path: Path | str, lang: str) -> str:
    path = Path(path)
    if not path.is_file():
        raise ContactsProblem(_say(lang, "no_file", value=path), [_say(lang, "no_file", value=path)])
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        message = f"{path.name}: {_say(lang, 'not_utf8', value=exc.start)}"
        raise ContactsProblem(message, [message]) from None


def import_csv(session: Session, now: datetime, jurisdiction_code: str, text: str, *, name: str = "contacts.csv",
               effective_from: datetime | None = None, lang: str = "id") -> ImportResult:
    """Make the regency's contacts and duty rosters those of the CSV `text`.

    All or nothing: any bad line raises ContactsProblem naming each problem by line, in `lang`, and
    nothing changes. Otherwise: people in the file are added or kept (matched by level, place, name
    and addresses); people no longer in it stop being alerted (at once, or for a rostered person when
    their roster ends); every roster line in force ends at `effective_from` (default now) and the
    file's lines start then: a handover to a new roster. Flushes; the caller commits."""
    lang = normalise_language(lang)
    jurisdiction = _jurisdiction(session, jurisdiction_code, lang)
    at = effective_from or now
    places = _Places(session, jurisdiction)
    problems: list[str] = []
    checked = [read_row(values, line, jurisdiction, places, lang, problems) for line, values in read_csv(text, name, lang)]
    people: dict[tuple, list[ContactRow]] = {}
    for row in checked:
        if row is None:
            continue
        same = people.setdefault(row.identity, [])
        if same and same[0].details != row.details:
            problems.append(t("contacts.line", lang, line=row.line,
                              problem=_say(lang, "differs", value=t("contacts.line", lang, line=same[0].line,
                                                                    problem="").rstrip(": "))))
            continue
        same.append(row)
    if problems:
        problems.sort(key=lambda p: int("".join(ch for ch in p.split(":")[0] if ch.isdigit()) or 0))
        _fail(name, problems, lang)

    result = ImportResult(jurisdiction=jurisdiction.code, rows=len(checked), effective_from=at)
    existing = list(session.scalars(select(EscalationContact).where(
        EscalationContact.jurisdiction_id == jurisdiction.id).options(selectinload(EscalationContact.shifts))
        .order_by(EscalationContact.id)))
    by_identity = {}
    for contact in existing:
        by_identity.setdefault(_identity(contact), contact)
    _end_shifts(session, [s for c in existing for s in c.shifts], at)
    kept = set()
    for identity, rows in people.items():
        first = rows[0]
        contact = by_identity.get(identity)
        if contact is None:
            contact = EscalationContact(jurisdiction_id=jurisdiction.id, level=first.level, agency_id=first.agency_id,
                                        district_id=first.district_id, village_id=first.village_id, name=first.name,
                                        created_at=now)
            session.add(contact)
            result.added += 1
        else:
            result.updated += 1
        _apply(session, now, contact, first)
        kept.add(id(contact))
        for row in rows:
            if row.shift is not None:
                _add_shift(session, now, contact, row.shift, at)
                result.shifts += 1
    for contact in existing:
        if id(contact) not in kept and contact.active:
            if not contact.shifts:
                contact.active = False
            result.retired += 1
    session.flush()
    return result


def _identity(contact: EscalationContact) -> tuple:
    return (contact.level, contact.agency_id, contact.district_id, contact.village_id, normalise_name(contact.name),
            contact.phone, contact.telegram_chat_id)


def _apply(session: Session, now: datetime, contact: EscalationContact, row: ContactRow) -> None:
    contact.title, contact.phone, contact.telegram_chat_id = row.title, row.phone, row.telegram
    contact.channels = " ".join(row.channels)
    contact.channel = row.channels[0] if row.channels else None
    contact.language, contact.active = row.language, True
    contact.post_id = _post_for(session, now, contact)


def _post_for(session: Session, now: datetime, contact: EscalationContact) -> int | None:
    """The accountable post a contact of this level and place speaks for, where one fits."""
    kind = duty.LEVEL_POST.get(contact.level)
    if kind is None:
        return None
    jurisdiction = session.get(Jurisdiction, contact.jurisdiction_id)
    if kind == "agency_head":
        agency = session.get(Agency, contact.agency_id) if contact.agency_id else None
        key = f"agency_head:{agency.code}" if agency else None
    elif kind == "camat":
        district = session.get(District, contact.district_id) if contact.district_id else None
        key = f"camat:{jurisdiction.code}:{district.code}" if district else None
    elif kind == "village_head":
        village = session.get(Village, contact.village_id) if contact.village_id else None
        key = f"village_head:{jurisdiction.code}:{village.code}" if village else None
    else:
        key = f"{kind}:{jurisdiction.code}"
    if key is None:
        return None
    try:
        return posts.post_by_key(session, key, now).id
    except ServiceError:
        return None


def _end_shifts(session: Session, shifts, at: datetime) -> None:
    """Roster lines in force at `at` end then; lines that would only start later are dropped."""
    for shift in shifts:
        if shift.valid_until is not None and shift.valid_until <= at:
            continue
        if shift.valid_from >= at:
            session.delete(shift)
        else:
            shift.valid_until = at


def _add_shift(session: Session, now: datetime, contact: EscalationContact, shift: tuple, at: datetime) -> DutyShift:
    days, start, minutes, holidays = shift
    row = DutyShift(jurisdiction_id=contact.jurisdiction_id, days="".join(str(d) for d in sorted(days)),
                    start_local=f"{start:%H:%M}", minutes=minutes, holidays=holidays, valid_from=at, created_at=now)
    contact.shifts.append(row)
    return row


def add_contact(session: Session, now: datetime, jurisdiction_code: str, values: dict, *, lang: str = "id",
                effective_from: datetime | None = None) -> EscalationContact:
    """One contact (and maybe one roster line) from the same columns as the CSV; a person already
    listed at that level and place gets the roster line added. Flushes; the caller commits."""
    lang = normalise_language(lang)
    jurisdiction = _jurisdiction(session, jurisdiction_code, lang)
    problems: list[str] = []
    row = read_row({k: (v or "") for k, v in values.items() if k in COLUMNS and isinstance(v, str)}, 1,
                   jurisdiction, _Places(session, jurisdiction), lang, problems)
    if row is None:
        raise ContactsProblem("\n".join(p.split(": ", 1)[-1] for p in problems),
                              [p.split(": ", 1)[-1] for p in problems])
    contact = next((c for c in session.scalars(select(EscalationContact).where(
        EscalationContact.jurisdiction_id == jurisdiction.id, EscalationContact.level == row.level))
        if _identity(c) == row.identity), None)
    if contact is None:
        contact = EscalationContact(jurisdiction_id=jurisdiction.id, level=row.level, agency_id=row.agency_id,
                                    district_id=row.district_id, village_id=row.village_id, name=row.name,
                                    created_at=now)
        session.add(contact)
    _apply(session, now, contact, row)
    if row.shift is not None:
        _add_shift(session, now, contact, row.shift, effective_from or now)
    session.flush()
    return contact


def retire(session: Session, now: datetime, contact_id: int, *, lang: str = "id") -> EscalationContact:
    """Stop alerting a contact from now (kept for the record of what they were sent)."""
    contact = _contact(session, contact_id, lang)
    contact.active = False
    _end_shifts(session, list(contact.shifts), now)
    session.flush()
    return contact


def _contact(session: Session, contact_id, lang: str) -> EscalationContact:
    ident = row_id(contact_id)
    found = session.get(EscalationContact, ident) if ident is not None else None
    if found is None:
        raise NotFound(_say(lang, "unknown_contact", value=contact_id), code="unknown_contact", field="contact")
    return found


def handover(session: Session, now: datetime, from_contact: int, to_contact: int, at: datetime | None = None,
             *, lang: str = "id") -> int:
    """From `at` (default now) on, `to_contact` takes over `from_contact`'s roster lines: each line
    in force then ends at `at` and the same hours start for the new person. Returns how many lines
    changed hands. Flushes; the caller commits."""
    lang = normalise_language(lang)
    at = at or now
    giver, taker = _contact(session, from_contact, lang), _contact(session, to_contact, lang)
    if giver.id == taker.id:
        raise ValidationFailed(_say(lang, "same_contact"), code="same_contact", field="to")
    lines = [s for s in giver.shifts if s.valid_until is None or s.valid_until > at]
    if not lines:
        raise ValidationFailed(_say(lang, "no_open_shift", value=giver.name), code="no_open_shift", field="from")
    for line in lines:
        pattern = (frozenset(int(d) for d in line.days), time.fromisoformat(line.start_local), line.minutes,
                   line.holidays)
        _add_shift(session, now, taker, pattern, max(at, line.valid_from))
    _end_shifts(session, lines, at)
    taker.active = True
    session.flush()
    return len(lines)


def parse_moment(text: str | None, jurisdiction_code: str, session: Session, *, lang: str = "id") -> datetime | None:
    """A local date or 'YYYY-MM-DD HH:MM' in the regency's zone (or ISO with offset); empty: None."""
    if not (text or "").strip():
        return None
    jurisdiction = _jurisdiction(session, jurisdiction_code, lang)
    try:
        return posts.parse_when(text, jurisdiction.timezone)
    except ValidationFailed:
        raise ValidationFailed(_say(normalise_language(lang), "bad_time", value=text), code="bad_time",
                               field="from") from None


# ---- reading back --------------------------------------------------------------------------------

def list_contacts(session: Session, now: datetime, jurisdiction_code: str, *, include_retired: bool = False,
                  lang: str = "id") -> list[dict]:
    """The regency's contacts, ladder order, each with its place, channels, post and roster lines
    still in force or to come, and whether on duty now."""
    from app.services.messaging import notifications

    jurisdiction = _jurisdiction(session, jurisdiction_code, lang)
    query = select(EscalationContact).where(EscalationContact.jurisdiction_id == jurisdiction.id).options(
        selectinload(EscalationContact.shifts))
    if not include_retired:
        query = query.where(EscalationContact.active.is_(True))
    places = _Places(session, jurisdiction)
    agencies = {a.id: a for a in places.agencies.values()}
    districts = {d.id: d for d in places.districts.values()}
    villages = {v.id: v for v in places.villages.values()}
    order = {level: i for i, level in enumerate(duty.LEVELS)}
    rows = []
    for c in session.scalars(query):
        shifts = notifications.contact_shifts(c)
        current = [s for s in c.shifts if s.valid_until is None or s.valid_until > now]
        rows.append({
            "id": c.id, "level": c.level, "name": c.name, "title": c.title, "active": c.active,
            "agency": agencies[c.agency_id].code if c.agency_id in agencies else "",
            "agency_name": agencies[c.agency_id].name if c.agency_id in agencies else "",
            "district": districts[c.district_id].code if c.district_id in districts else "",
            "district_name": districts[c.district_id].name if c.district_id in districts else "",
            "village": villages[c.village_id].code if c.village_id in villages else "",
            "village_name": villages[c.village_id].name if c.village_id in villages else "",
            "phone": c.phone or "", "telegram": str(c.telegram_chat_id or ""),
            "channels": list(c.channel_order()), "language": c.language or "id", "post_id": c.post_id,
            "rostered": bool(c.shifts),
            "on_duty": c.active and bool(notifications.on_duty(
                [notifications.Recipient(c.name, "sms", "-", shifts=shifts)], now, jurisdiction.timezone)),
            "shifts": [{"id": s.id, "days": duty.format_days(frozenset(int(d) for d in s.days)),
                        "hours": duty.format_hours(time.fromisoformat(s.start_local), s.minutes),
                        "holidays": s.holidays, "from": s.valid_from, "until": s.valid_until} for s in current],
        })
    rows.sort(key=lambda r: (order.get(r["level"], 99), r["agency"], r["district"], r["village"], r["name"], r["id"]))
    return rows


HOLIDAY_WORD = {"include": "ya", "exclude": "tidak", "only": "hanya"}


def export_csv(session: Session, now: datetime, jurisdiction_code: str) -> str:
    """The regency's contacts and current rosters as the import reads them (one line per roster
    line; a person without a roster on one line): export, edit, import back."""
    lines = []
    for row in list_contacts(session, now, jurisdiction_code):
        base = [row["level"], row["agency"], row["district"], row["village"], row["name"], row["title"] or "",
                row["phone"], row["telegram"], " ".join(row["channels"]), row["language"]]
        future_or_now = [s for s in row["shifts"]]
        if not future_or_now:
            if row["rostered"]:
                continue  # a roster that has ended: no longer alerted
            lines.append(base + ["", "", ""])
        for s in future_or_now:
            lines.append(base + [s["days"], s["hours"], HOLIDAY_WORD.get(s["holidays"], "ya")])
    return csv_text(COLUMNS, lines)
