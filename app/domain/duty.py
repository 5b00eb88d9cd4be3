"""Duty rosters (piket) and contact channels, as pure decisions: who is on duty at an instant, and
how an operator's words for days, hours, holidays, levels and channels are read.

A shift belongs to the day it starts: "Mon-Fri 20:00-08:00" is on duty from Monday 20:00 to
Tuesday 08:00, and its days and holiday rule are those of the start day (so the night that begins on
the eve of a holiday is the eve's shift, and 02:00 on the holiday belongs to it)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

# holidays: "include" (on duty on holidays too), "exclude" (not on holidays), "only" (holidays only)
HOLIDAY_RULES = ("include", "exclude", "only")
CHANNELS = ("whatsapp", "sms", "telegram")
DEFAULT_CHANNELS = CHANNELS
ALL_DAYS = frozenset(range(7))

# The ladder levels an operator fills, with the words a spreadsheet may use for them.
LEVELS = ("village_head", "camat", "agency_duty", "agency_head", "regional_secretary", "regent_office", "supervisor")
LEVEL_ALIASES = {
    "village_head": ("village_head", "kepala_desa", "kades", "lurah", "kepala desa"),
    "camat": ("camat",),
    "agency_duty": ("agency_duty", "piket", "duty", "duty_desk", "meja_piket"),
    "agency_head": ("agency_head", "kepala_dinas", "kadis", "kepala dinas"),
    "regional_secretary": ("regional_secretary", "sekda", "sekretaris_daerah"),
    "regent_office": ("regent_office", "kantor_bupati", "bupati", "regent", "kantor bupati"),
    "supervisor": ("supervisor", "pengawas"),
}
# Which scope a level needs: a village, a district (kecamatan), an agency, or the whole regency.
LEVEL_SCOPE = {"village_head": "village", "camat": "district", "agency_duty": "agency", "agency_head": "agency",
               "regional_secretary": None, "regent_office": None, "supervisor": None}
# The accountable post a contact of this level is linked to (app/models/post.py), where one fits.
LEVEL_POST = {"village_head": "village_head", "camat": "camat", "agency_head": "agency_head",
              "regional_secretary": "regional_secretary", "regent_office": "regent"}

_DAY_NAMES = {
    0: ("mon", "monday", "sen", "senin", "1"), 1: ("tue", "tuesday", "sel", "selasa", "2"),
    2: ("wed", "wednesday", "rab", "rabu", "3"), 3: ("thu", "thursday", "kam", "kamis", "4"),
    4: ("fri", "friday", "jum", "jumat", "jum'at", "5"), 5: ("sat", "saturday", "sab", "sabtu", "6"),
    6: ("sun", "sunday", "min", "minggu", "ahad", "7"),
}
_DAY_OF = {name: day for day, names in _DAY_NAMES.items() for name in names}
_EVERY_DAY = ("", "all", "every day", "daily", "setiap hari", "tiap hari", "semua")
_HOLIDAY_WORDS = {
    "include": ("", "include", "yes", "ya", "juga", "termasuk", "also"),
    "exclude": ("exclude", "no", "tidak", "bukan", "kecuali", "libur tidak"),
    "only": ("only", "hanya", "khusus", "hanya libur", "holidays only"),
}
_HOURS_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})\s*$")


class RosterError(ValueError):
    """An operator's roster or contact value that cannot be read; `key` names the message
    (contacts.error.<key> in app/i18n/catalogues/contacts.py), `params` fill it."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Shift:
    """A recurring duty window in the jurisdiction's local time, valid over [valid_from, valid_until)."""

    days: frozenset[int]  # weekdays 0=Monday .. 6=Sunday of the day the shift starts
    start: time
    minutes: int  # length, 1 .. 1440 (an end at or before the start runs overnight)
    holidays: str = "include"
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def covers(self, at: datetime, zone: ZoneInfo, is_holiday: Callable[[date], bool]) -> bool:
        """Whether this shift is on duty at the aware instant `at`."""
        if self.valid_from is not None and at < self.valid_from:
            return False
        if self.valid_until is not None and at >= self.valid_until:
            return False
        local = at.astimezone(zone)
        for start_day in (local.date(), local.date() - timedelta(days=1), local.date() - timedelta(days=2)):
            if start_day.weekday() not in self.days:
                continue
            holiday = is_holiday(start_day)
            if (self.holidays == "exclude" and holiday) or (self.holidays == "only" and not holiday):
                continue
            begins = datetime.combine(start_day, self.start, tzinfo=zone)
            if begins <= local < begins + timedelta(minutes=self.minutes):
                return True
        return False


def on_duty(shifts: Iterable[Shift], at: datetime, zone: ZoneInfo, is_holiday: Callable[[date], bool]) -> bool:
    """A person with no shifts at all is always reachable; one with shifts only while one covers `at`."""
    shifts = tuple(shifts)
    return not shifts or any(s.covers(at, zone, is_holiday) for s in shifts)


def parse_days(text: str | None) -> frozenset[int]:
    """'Sen-Jum', 'mon-fri', '1-5', 'Sabtu Minggu', 'sat,sun', '' (every day)."""
    raw = " ".join((text or "").strip().lower().split())
    if raw in _EVERY_DAY:
        return ALL_DAYS
    days: set[int] = set()
    for part in re.split(r"[\s,;/+]+", raw):
        if not part:
            continue
        if "-" in part or "–" in part:
            first, _, last = part.replace("–", "-").partition("-")
            if first not in _DAY_OF or last not in _DAY_OF:
                raise RosterError("bad_days", value=text)
            day = _DAY_OF[first]
            while True:
                days.add(day)
                if day == _DAY_OF[last]:
                    break
                day = (day + 1) % 7
        elif part in _DAY_OF:
            days.add(_DAY_OF[part])
        else:
            raise RosterError("bad_days", value=text)
    if not days:
        raise RosterError("bad_days", value=text)
    return frozenset(days)


def format_days(days: frozenset[int]) -> str:
    """The days as a spreadsheet would write them back ('mon-fri', 'sat sun', '' for every day)."""
    if frozenset(days) == ALL_DAYS:
        return ""
    names = [_DAY_NAMES[d][0] for d in sorted(days)]
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{names[0]}-{names[-1]}"
    return " ".join(names)


def parse_hours(text: str | None) -> tuple[time, int]:
    """'08:00-16:00' (a day shift), '20:00-08:00' (overnight), '00:00-24:00' or '07:00-07:00' (24 hours)."""
    m = _HOURS_RE.match(text or "")
    if not m:
        raise RosterError("bad_hours", value=text)
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise RosterError("bad_hours", value=text)
    start, end = h1 * 60 + m1, h2 * 60 + m2
    minutes = end - start if end > start else end + 1440 - start
    return time(h1, m1), minutes


def format_hours(start: time, minutes: int) -> str:
    end = (start.hour * 60 + start.minute + minutes) % 1440
    end_text = "24:00" if end == 0 and start == time(0) else f"{end // 60:02d}:{end % 60:02d}"
    return f"{start:%H:%M}-{end_text}"


def parse_holidays(text: str | None) -> str:
    raw = " ".join((text or "").strip().lower().split())
    for rule, words in _HOLIDAY_WORDS.items():
        if raw in words:
            return rule
    raise RosterError("bad_holidays", value=text)


def parse_level(text: str | None) -> str:
    raw = " ".join((text or "").strip().lower().split())
    for level, words in LEVEL_ALIASES.items():
        if raw in words or raw.replace(" ", "_") in words:
            return level
    raise RosterError("bad_level", value=text)


def parse_channels(text: str | None) -> tuple[str, ...]:
    """'whatsapp sms telegram', 'WA > SMS', 'sms|telegram': the order of preference ('' = the default)."""
    raw = (text or "").strip().lower()
    if not raw:
        return DEFAULT_CHANNELS
    words = {"wa": "whatsapp", "whatsapp": "whatsapp", "sms": "sms", "telegram": "telegram", "tg": "telegram"}
    found: list[str] = []
    for part in re.split(r"[\s,;/|>+]+", raw):
        if not part:
            continue
        if part not in words:
            raise RosterError("bad_channels", value=text)
        if words[part] not in found:
            found.append(words[part])
    return tuple(found) or DEFAULT_CHANNELS
