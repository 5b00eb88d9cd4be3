"""Pure rules of performance reporting: periods in local time, the minimum-sample rule, the
percentile interpolation both databases use, and a contract's met / at risk / missed verdicts."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

# A rate or a percentile over fewer complaints than this is shown as "too few to judge".
MIN_SAMPLE = 10
# Mid-period, a target met by less than this margin is "at risk".
RATE_MARGIN = 0.02  # two percentage points
MINUTES_MARGIN = 0.9  # within 90 % of a time limit
COUNT_MARGIN = 0.8  # 80 % of the breaches allowed

MET, AT_RISK, MISSED, TOO_FEW = "met", "at_risk", "missed", "too_few"
STATUS_ORDER = (MISSED, AT_RISK, TOO_FEW, MET)

_PERIOD = re.compile(r"^\s*(\d{4})(?:-(?:(0[1-9]|1[0-2])|[Qq]([1-4])))?\s*$")


class PeriodError(ValueError):
    """The text is not a period: `2026-11`, `2026-Q4` or `2026`."""


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    label: str  # 2026-11 | 2026-Q4 | 2026
    start: date  # first local day
    end: date  # first local day after the period

    def bounds(self, tz: str) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC datetimes: local midnights in the zone `tz`."""
        return local_midnight(self.start, tz), local_midnight(self.end, tz)

    def weeks(self, tz: str) -> list[tuple[date, datetime, datetime]]:
        """Monday-to-Monday local weeks covering the period: (monday, start UTC, end UTC)."""
        monday = self.start - timedelta(days=self.start.weekday())
        out = []
        while monday < self.end:
            nxt = monday + timedelta(days=7)
            out.append((monday, local_midnight(monday, tz), local_midnight(nxt, tz)))
            monday = nxt
        return out

    def months(self, tz: str) -> list[tuple[date, datetime, datetime]]:
        out, first = [], self.start
        while first < self.end:
            nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
            out.append((first, local_midnight(first, tz), local_midnight(nxt, tz)))
            first = nxt
        return out

    def buckets(self, tz: str) -> list[tuple[date, datetime, datetime]]:
        """The trend's buckets: weeks for a month or quarter, months for a year."""
        return self.months(tz) if self.kind == "year" else self.weeks(tz)


def local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def parse_period(text) -> Period:
    """`2026-11` (month), `2026-Q4` (quarter) or `2026` (year); PeriodError otherwise."""
    if not isinstance(text, str):
        raise PeriodError("period must be text like 2026-11, 2026-Q4 or 2026")
    match = _PERIOD.match(text)
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise PeriodError(f"period {text!r} is not a month (2026-11), a quarter (2026-Q4) or a year (2026)")
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        return Period("month", f"{year}-{month:02d}", start, end)
    if match.group(3):
        quarter = int(match.group(3))
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
        return Period("quarter", f"{year}-Q{quarter}", start, end)
    return Period("year", str(year), date(year, 1, 1), date(year + 1, 1, 1))


def period_containing(at: datetime, tz: str, kind: str = "month") -> Period:
    local = at.astimezone(ZoneInfo(tz)).date()
    if kind == "year":
        return parse_period(str(local.year))
    if kind == "quarter":
        return parse_period(f"{local.year}-Q{(local.month - 1) // 3 + 1}")
    return parse_period(f"{local.year}-{local.month:02d}")


def interpolate(values: list[float], fraction: float) -> float | None:
    """Continuous percentile of sorted values, PostgreSQL's percentile_cont formula exactly:
    position (n-1)*p, then lo + (hi - lo) * (position - floor(position))."""
    if not values:
        return None
    position = fraction * (len(values) - 1)
    lo, hi = math.floor(position), math.ceil(position)
    return values[lo] + (values[hi] - values[lo]) * (position - lo)


def rate(numerator: int, denominator: int, min_sample: int = MIN_SAMPLE) -> dict:
    """A share with its base and whether it is too small to judge."""
    return {"value": (numerator / denominator) if denominator else None, "of": denominator,
            "too_few_to_judge": denominator < min_sample}


# ---- contracts -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Targets:
    on_time_rate: float | None = None  # at least, 0..1
    median_handle_minutes: int | None = None  # at most
    p90_handle_minutes: int | None = None  # at most
    max_breaches: int | None = None  # handle breaches, at most
    max_reopened_share: float | None = None  # at most, 0..1


@dataclass(frozen=True)
class Actuals:
    judged: int  # complaints handled, or open past their deadline
    on_time_rate: float | None
    handled_count: int  # complaints in the time-to-handle figures
    median_handle_minutes: float | None
    p90_handle_minutes: float | None
    breaches: int
    received: int
    reopened_share: float | None


@dataclass(frozen=True)
class Verdict:
    target: str
    wanted: float | int
    actual: float | int | None
    status: str  # met | at_risk | missed | too_few


def _higher_is_better(actual, wanted, n, over, min_sample, margin) -> str:
    if n < min_sample or actual is None:
        return TOO_FEW
    if actual < wanted:
        return MISSED if over else AT_RISK
    if not over and actual < wanted + margin:
        return AT_RISK
    return MET


def _lower_is_better(actual, wanted, n, over, min_sample, near) -> str:
    if n < min_sample or actual is None:
        return TOO_FEW
    if actual > wanted:
        return MISSED if over else AT_RISK
    if not over and actual > near:
        return AT_RISK
    return MET


def judge(targets: Targets, actuals: Actuals, period_over: bool, min_sample: int = MIN_SAMPLE) -> list[Verdict]:
    """Each target set, against the actuals. A finished period is met or missed; mid-period, a
    target missed or nearly missed so far is at risk, and breaches beyond the maximum are missed
    at once (they cannot be undone). Rates and times over too few complaints are too few to judge."""
    out: list[Verdict] = []
    if targets.on_time_rate is not None:
        out.append(Verdict("on_time_rate", targets.on_time_rate, actuals.on_time_rate, _higher_is_better(
            actuals.on_time_rate, targets.on_time_rate, actuals.judged, period_over, min_sample, RATE_MARGIN)))
    for name in ("median_handle_minutes", "p90_handle_minutes"):
        wanted = getattr(targets, name)
        if wanted is not None:
            actual = getattr(actuals, name)
            out.append(Verdict(name, wanted, actual, _lower_is_better(
                actual, wanted, actuals.handled_count, period_over, min_sample, wanted * MINUTES_MARGIN)))
    if targets.max_breaches is not None:
        wanted, actual = targets.max_breaches, actuals.breaches
        if actual > wanted:
            status = MISSED
        elif not period_over and actual >= wanted * COUNT_MARGIN and actual > 0:
            status = AT_RISK
        else:
            status = MET
        out.append(Verdict("max_breaches", wanted, actual, status))
    if targets.max_reopened_share is not None:
        wanted = targets.max_reopened_share
        out.append(Verdict("max_reopened_share", wanted, actuals.reopened_share, _lower_is_better(
            actuals.reopened_share, wanted, actuals.received, period_over, min_sample, wanted - RATE_MARGIN)))
    return out


def overall(verdicts: list[Verdict]) -> str:
    """The worst verdict: missed, then at risk, then too few to judge, then met."""
    if not verdicts:
        return TOO_FEW
    return min((v.status for v in verdicts), key=STATUS_ORDER.index)
