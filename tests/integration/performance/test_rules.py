"""The pure rules: periods in local time, the percentile formula and contract verdicts (no database)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from app.domain import performance as rules


def test_periods_are_months_quarters_and_years_in_local_time():
    month = rules.parse_period("2026-11")
    assert (month.kind, month.start, month.end) == ("month", date(2026, 11, 1), date(2026, 12, 1))
    assert month.bounds("Asia/Jakarta") == (datetime(2026, 10, 31, 17, tzinfo=timezone.utc),
                                            datetime(2026, 11, 30, 17, tzinfo=timezone.utc))
    assert month.bounds("Asia/Makassar")[0] == datetime(2026, 10, 31, 16, tzinfo=timezone.utc)
    assert rules.parse_period("2026-q4").label == "2026-Q4"
    assert (rules.parse_period("2026-Q4").start, rules.parse_period("2026-Q4").end) == (date(2026, 10, 1),
                                                                                      date(2027, 1, 1))
    assert rules.parse_period(" 2026 ").end == date(2027, 1, 1)
    for bad in ("2026-00", "2026-13", "2026-Q0", "1999", "x", "", None, "2026/11"):
        with pytest.raises(rules.PeriodError):
            rules.parse_period(bad)


def test_trend_buckets_are_monday_weeks_or_months():
    weeks = rules.parse_period("2026-11").weeks("Asia/Jakarta")
    assert [w[0].isoformat() for w in weeks] == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16",
                                                 "2026-11-23", "2026-11-30"]
    assert len(rules.parse_period("2026").buckets("Asia/Jakarta")) == 12


def test_the_percentile_interpolates_like_percentile_cont():
    assert rules.interpolate([120, 150, 180, 210, 360], 0.9) == pytest.approx(300.0)
    assert rules.interpolate([20, 90], 0.5) == 55.0
    assert rules.interpolate([7], 0.9) == 7
    assert rules.interpolate([], 0.5) is None


def actuals(**kw):
    base = dict(judged=40, on_time_rate=0.96, handled_count=40, median_handle_minutes=100.0,
                p90_handle_minutes=200.0, breaches=1, received=40, reopened_share=0.02)
    base.update(kw)
    return rules.Actuals(**base)


TARGETS = rules.Targets(on_time_rate=0.95, median_handle_minutes=120, p90_handle_minutes=240, max_breaches=5,
                        max_reopened_share=0.05)


def test_a_finished_period_is_met_or_missed():
    met = rules.judge(TARGETS, actuals(), period_over=True)
    assert {v.target: v.status for v in met} == dict.fromkeys(
        ("on_time_rate", "median_handle_minutes", "p90_handle_minutes", "max_breaches", "max_reopened_share"), "met")
    missed = rules.judge(TARGETS, actuals(on_time_rate=0.9, breaches=6), period_over=True)
    assert rules.overall(missed) == "missed"


def test_mid_period_a_close_call_is_at_risk_and_too_many_breaches_are_missed_at_once():
    close = rules.judge(TARGETS, actuals(on_time_rate=0.955, p90_handle_minutes=230.0, breaches=4), period_over=False)
    assert {v.target: v.status for v in close} == {
        "on_time_rate": "at_risk", "median_handle_minutes": "met", "p90_handle_minutes": "at_risk",
        "max_breaches": "at_risk", "max_reopened_share": "met"}
    assert rules.overall(rules.judge(TARGETS, actuals(breaches=6), period_over=False)) == "missed"


def test_rates_over_too_few_complaints_are_not_judged():
    few = rules.judge(TARGETS, actuals(judged=9, handled_count=9, received=9, on_time_rate=0.5), period_over=True)
    assert {v.target: v.status for v in few}["on_time_rate"] == "too_few"
    assert rules.overall(few) == "too_few"
    assert rules.rate(3, 9) == {"value": 3 / 9, "of": 9, "too_few_to_judge": True}
    assert rules.rate(0, 0)["value"] is None
