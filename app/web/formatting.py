"""Template filters: times in the jurisdiction's local zone, durations, ISO instants for the countdown;
and the reverse, a date and time typed on a form."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _

from app.clock import in_service_years, isoformat_z
from app.domain.local_time import local_time as clock_text


def _lang() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "id"


def local_time(dt: datetime | None, tz: str, with_date: bool = True) -> str:
    """'23 Nov 2026 13:00 WIB' in the jurisdiction's zone, in the page's language."""
    return clock_text(dt, tz, "date" if with_date else "time", _lang(), missing="—")


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
