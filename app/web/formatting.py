"""Template filters: times in the jurisdiction's local zone, durations, ISO instants for the countdown;
and the reverse, a date and time typed on a form."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _

from app.clock import in_service_years, isoformat_z
from app.domain.local_time import local_time as clock_text


def _lang() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "id"


def local_time(dt: datetime | None, tz: str, with_date: bool = True, lang: str | None = None) -> str:
    """'23 Nov 2026 13:00 WIB' in the jurisdiction's zone, in the page's language (`lang` when the
    caller already knows it: a list of many rows)."""
    return clock_text(dt, tz, "date" if with_date else "time", lang or _lang(), missing="—")


def babel_locale() -> str:
    return "en" if _lang() == "en" else "id"


# Percentages as each language writes them: Indonesian puts a space before the sign (62,4 %).
SHARE_PATTERNS = {"id": "#,##0.0 %", "en": "#,##0.0%"}


def share(value) -> str | None:
    """A share 0..1 as a percentage in the page's language: '62,4 %' (id), '62.4%' (en); None stays None."""
    if value is None:
        return None
    lang = babel_locale()
    return format_percent(value, SHARE_PATTERNS[lang], locale=lang)


def number(value, digits: int = 1):
    """A measured figure (minutes, a mean score) in the page's language: '62,4', '1.250', '300'; ints stay ints."""
    if value is None or isinstance(value, int):
        return value
    return format_decimal(value, "#,##0." + "#" * digits, locale=babel_locale())


def local_date(value, length: str = "long") -> str:
    """A calendar date (a period's first day) in the page's language: '1 Desember 2026'."""
    if value is None:
        return "—"
    if isinstance(value, str):
        from datetime import date

        value = date.fromisoformat(value[:10])
    return format_date(value, length, locale=babel_locale())


def parse_local(date_text: str, time_text: str, tz: str) -> datetime:
    """'2027-01-01' and '08:00' typed in the jurisdiction's zone, as aware UTC; ValueError when they
    are no date and time or lie outside Sigap's years (see app.clock)."""
    local = datetime.strptime(f"{(date_text or '').strip()} {(time_text or '').strip()}", "%Y-%m-%d %H:%M")
    if not 2000 <= local.year < 2100:  # before moving it to UTC: 0001-01-01 in WIB is no UTC instant at all
        raise ValueError(f"{local.year} is outside Sigap's years")
    moment = local.replace(tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)
    if not in_service_years(moment):
        raise ValueError(f"{local.year} is outside Sigap's years")
    return moment


def duration(delta: timedelta | None) -> str:
    """'2 h 05 min' (negative deltas read as their size; callers say 'late' or 'left')."""
    if delta is None:
        return "—"
    minutes = int(abs(delta.total_seconds()) // 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(d)s d %(h)s h", d=days, h=hours)
    if hours:
        return _("%(h)s h %(m)02d min", h=hours, m=minutes)
    return _("%(m)s min", m=minutes)


def register_filters(app: Flask) -> None:
    app.add_template_filter(local_time, "local")
    app.add_template_filter(duration, "duration")
    app.add_template_filter(isoformat_z, "isoz")
    app.add_template_filter(share, "share")
    app.add_template_filter(number, "number")
    app.add_template_filter(local_date, "local_date")
