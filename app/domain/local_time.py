"""Times as people in a jurisdiction read them: its wall clock with the zone's Indonesian name (WIB,
WITA, WIT). Stored times are UTC; every page, message, export and command shows them through here,
in one of a few styles:

    long   "Senin 23 Nov 2026 13:00 WIB"  (Telegram: the citizen reads the day too)
    date   "23 Nov 2026 13:00 WIB"        (staff pages)
    time   "13:00 WIB"
    short  "23/11 13:00 WIB"              (alerts, SMS-sized)
    sms    "13:00 WIB" today, "24/11 13:00 WIB" on another day (needs `now`)
    iso    "2026-11-23 13:00 WIB"         (commands, Open311 text, exports)"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
DAYS = {"id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
        "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
MONTHS = {"id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
          "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")}
STYLES = ("long", "date", "time", "short", "sms", "iso")


def zone_name(tz: str, at: datetime | None = None) -> str:
    """'WIB' for Asia/Jakarta; another zone's own abbreviation (or its name) otherwise."""
    if tz in ZONE_NAMES:
        return ZONE_NAMES[tz]
    return (at.astimezone(ZoneInfo(tz)).tzname() if at is not None else None) or tz


def local_time(at: datetime | None, tz: str, style: str = "date", lang: str = "id",
               now: datetime | None = None, missing: str = "-") -> str:
    """`at` (aware) on the wall clock of `tz`, in `style` and `lang` ("id" or "en"); `missing` for None."""
    if at is None:
        return missing
    lang = "en" if lang == "en" else "id"
    local = at.astimezone(ZoneInfo(tz))
    clock = f"{local:%H:%M} {zone_name(tz, at)}"
    if style == "long":
        return f"{DAYS[lang][local.weekday()]} {local.day} {MONTHS[lang][local.month - 1]} {local.year} {clock}"
    if style == "date":
        return f"{local.day} {MONTHS[lang][local.month - 1]} {local.year} {clock}"
    if style == "time":
        return clock
    if style == "short":
        return f"{local:%d/%m} {clock}"
    if style == "sms":
        if now is None:
            raise ValueError("the sms style needs `now`")
        return clock if local.date() == now.astimezone(ZoneInfo(tz)).date() else f"{local:%d/%m} {clock}"
    if style == "iso":
        return f"{local:%Y-%m-%d} {clock}"
    raise ValueError(f"unknown style {style!r}; one of {', '.join(STYLES)}")
