"""The performance report over a known month: every figure, on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from app.domain.actor import SYSTEM
from app.services.reporting import performance
from tests.conftest import BACKEND
from tests.integration.performance.conftest import actor_of


def row(report, code):
    return next(item for item in report["items"] if item["group"].get("code") == code)


def brief(item) -> dict:
    """The figures a reader checks, flattened."""
    return {
        "received": item["received"], "on_time": item["handled_on_time"], "handled_late": item["handled_late"],
        "open_late": item["open_late"], "late": item["late"], "backlog": item["open_backlog"],
        "rate": item["on_time_rate"]["value"], "of": item["on_time_rate"]["of"],
        "ack_on_time": item["acknowledge"]["on_time"], "ack_late": item["acknowledge"]["late"],
        "ack_median": item["acknowledge"]["median_minutes"], "ack_p90": item["acknowledge"]["p90_minutes"],
        "handle_median": item["handle"]["median_minutes"], "handle_p90": item["handle"]["p90_minutes"],
        "ack_breaches": (item["acknowledge"]["breaches"]["staff_told"], item["acknowledge"]["breaches"]["notify_failed"]),
        "handle_breaches": (item["handle"]["breaches"]["staff_told"], item["handle"]["breaches"]["notify_failed"]),
        "reopened": item["reopened"],
    }


def test_a_known_month_gives_every_figure_by_agency_exactly(session, clock, month):
    report = performance.report(session, clock.now(), SYSTEM, period="2026-11", group_by="agency")
    assert [item["group"]["code"] for item in report["items"]] == [
        "bwi-dinkes", "bwi-dinsos", "bwi-dispendik", "srj-dinkes", "srj-dinsos", "srj-dispendik"]
    # B1 on time, B4 handled then reopened and handled late, B7 on time under the 4-hour rule it was
    # received under, B8 late under the 2-hour rule, B13 still open past its deadline (late, not left out).
    assert brief(row(report, "bwi-dinsos")) == {
        "received": 5, "on_time": 2, "handled_late": 2, "open_late": 1, "late": 3, "backlog": 1,
        "rate": 0.4, "of": 5, "ack_on_time": 4, "ack_late": 1, "ack_median": 10.0, "ack_p90": 112.0,
        "handle_median": 180.0, "handle_p90": 300.0,
        # B3's acknowledge breach fell while Dinas Sosial held it; the staff were told of each.
        "ack_breaches": (2, 0), "handle_breaches": (3, 0), "reopened": 1,
    }
    # B2 late; B3 transferred to it before its deadline and handled in time.
    assert brief(row(report, "bwi-dispendik")) == {
        "received": 2, "on_time": 1, "handled_late": 1, "open_late": 0, "late": 1, "backlog": 0,
        "rate": 0.5, "of": 2, "ack_on_time": 1, "ack_late": 1, "ack_median": 55.0, "ack_p90": 83.0,
        "handle_median": 240.0, "handle_p90": 288.0, "ack_breaches": (0, 0), "handle_breaches": (0, 1),
        "reopened": 0,
    }
    # B9 never acknowledged: open 13 days 15 h 30 min at the time of the report, nobody reachable.
    assert brief(row(report, "bwi-dinkes")) == {
        "received": 1, "on_time": 0, "handled_late": 0, "open_late": 1, "late": 1, "backlog": 1,
        "rate": 0.0, "of": 1, "ack_on_time": 0, "ack_late": 1, "ack_median": 19650.0, "ack_p90": 19650.0,
        "handle_median": 19650.0, "handle_p90": 19650.0, "ack_breaches": (0, 1), "handle_breaches": (0, 1),
        "reopened": 0,
    }
    # S4 was received on 31 October but due on 1 November, Sabu Raijua time: November's.
    assert brief(row(report, "srj-dinsos")) == {
        "received": 2, "on_time": 2, "handled_late": 0, "open_late": 0, "late": 0, "backlog": 0,
        "rate": 1.0, "of": 2, "ack_on_time": 1, "ack_late": 1, "ack_median": 97.5, "ack_p90": 163.5,
        "handle_median": 180.0, "handle_p90": 180.0, "ack_breaches": (0, 1), "handle_breaches": (0, 0),
        "reopened": 0,
    }
    # S3 went through triage and was assigned before its deadline; handling implied the acknowledgement.
    assert brief(row(report, "srj-dinkes"))["rate"] == 1.0
    assert brief(row(report, "srj-dinkes"))["ack_breaches"] == (0, 1)
    assert brief(row(report, "srj-dispendik")) == {
        "received": 1, "on_time": 0, "handled_late": 1, "open_late": 0, "late": 1, "backlog": 0,
        "rate": 0.0, "of": 1, "ack_on_time": 0, "ack_late": 1, "ack_median": 300.0, "ack_p90": 300.0,
        "handle_median": 300.0, "handle_p90": 300.0, "ack_breaches": (0, 1), "handle_breaches": (0, 1),
        "reopened": 0,
    }
    assert brief(report["total"]) == {
        "received": 12, "on_time": 6, "handled_late": 4, "open_late": 2, "late": 6, "backlog": 2,
        "rate": 0.5, "of": 12, "ack_on_time": 6, "ack_late": 6, "ack_median": 40.0, "ack_p90": 288.0,
        "handle_median": 180.0, "handle_p90": 354.0, "ack_breaches": (2, 4), "handle_breaches": (3, 3),
        "reopened": 1,
    }


def test_a_rate_over_fewer_than_ten_complaints_is_too_few_to_judge(session, clock, month):
    report = performance.report(session, clock.now(), SYSTEM, period="2026-11", group_by="agency")
    assert row(report, "bwi-dinsos")["on_time_rate"]["too_few_to_judge"] is True
    assert row(report, "bwi-dinsos")["handle"]["too_few_to_judge"] is True
    assert report["total"]["on_time_rate"] == {"value": 0.5, "of": 12, "too_few_to_judge": False}
    smaller = performance.report(session, clock.now(), SYSTEM, period="2026-11", group_by="agency", min_sample=5)
    assert row(smaller, "bwi-dinsos")["on_time_rate"]["too_few_to_judge"] is False


def test_acknowledging_is_never_counted_as_handling(session, clock, month):
    """B9's neighbour: acknowledged only, past its deadline, is late and open."""
    m = month
    m.submit("B20", m.clock.now(), category="school_dropout", district="Genteng")
    m.do("acknowledge", "B20", m.clock.now(), "officer.dispendik")
    from datetime import timedelta

    m.at(m.clock.now() + timedelta(hours=3))
    report = performance.report(session, clock.now(), SYSTEM, period="2026-12", group_by="agency")
    item = row(report, "bwi-dispendik")
    assert (item["received"], item["handled_on_time"], item["open_late"], item["open_backlog"]) == (1, 0, 1, 1)
    assert item["acknowledge"]["on_time"] == 1


def test_the_period_follows_the_handle_deadline_in_local_time_and_open_complaints_not_yet_due_wait(
        session, clock, month):
    december = performance.report(session, clock.now(), SYSTEM, period="2026-12", group_by="jurisdiction")
    # B12 was due exactly at midnight (December's, and late); B11 is due at 01:00, not yet.
    bwi = next(item for item in december["items"] if item["group"]["code"] == "banyuwangi")
    assert (bwi["received"], bwi["open_late"], bwi["open_not_due"], bwi["open_backlog"]) == (2, 1, 1, 2)
    assert bwi["on_time_rate"] == {"value": 0.0, "of": 1, "too_few_to_judge": True}
    assert december["period"]["bounds"]["banyuwangi"] == ["2026-11-30T17:00:00Z", "2026-12-31T17:00:00Z"]
    november = performance.report(session, clock.now(), SYSTEM, period="2026-11", group_by="jurisdiction")
    assert [(i["group"]["code"], i["received"]) for i in november["items"]] == [("banyuwangi", 8),
                                                                                ("sabu_raijua", 4)]
    assert november["period"]["bounds"]["sabu_raijua"] == ["2026-10-31T16:00:00Z", "2026-11-30T16:00:00Z"]
    quarter = performance.report(session, clock.now(), SYSTEM, period="2026-Q4", group_by="jurisdiction")
    year = performance.report(session, clock.now(), SYSTEM, period="2026", group_by="jurisdiction")
    assert quarter["total"]["received"] == year["total"]["received"] == 12 + 2


def test_rejected_spam_and_linked_repeats_do_not_count(session, clock, month):
    report = performance.report(session, clock.now(), SYSTEM, period="2026-11", group_by="category")
    hunger = next(item for item in report["items"] if item["group"]["code"] == "hunger")
    # B1, B3, B4, B7, B8, B13 and S1, S4; not B5 (spam) nor B6 (a repeat of B1, with breaches of its own).
    assert hunger["received"] == 8
    assert hunger["handle"]["breaches"]["total"] == 3


def test_by_official_district_and_category(session, clock, month):
    by_official = performance.report(session, clock.now(), SYSTEM, period="2026-11", group_by="official")
    names = {item["group"].get("username"): item["received"] for item in by_official["items"]}
    assert names == {"head.dinsos": 5, "head.dispendik": 2, "head.dinkes": 1, "head.srj-dinsos": 2, None: 2}
    unnamed = next(item for item in by_official["items"] if item["group"]["id"] is None)
    assert unnamed["group"]["name"] == "no accountable official"
    by_district = performance.report(session, clock.now(), SYSTEM, period="2026-11", group_by="district")
    assert {item["group"]["name"]: item["received"] for item in by_district["items"]} == {
        "Glagah": 7, "Genteng": 1, "Sabu Barat": 4}
    by_category = performance.report(session, clock.now(), SYSTEM, period="2026-11", group_by="category")
    assert {item["group"]["code"]: item["received"] for item in by_category["items"]} == {
        "hunger": 8, "school_dropout": 2, "medical_care": 2}


def test_agency_staff_see_their_agency_and_supervisors_their_jurisdiction(session, clock, month):
    officer = actor_of(session, "officer.dispendik")
    mine = performance.report(session, clock.now(), officer, period="2026-11", group_by="agency")
    assert [item["group"]["code"] for item in mine["items"]] == ["bwi-dispendik"]
    supervisor = actor_of(session, "supervisor.srj")
    theirs = performance.report(session, clock.now(), supervisor, period="2026-11", group_by="agency")
    assert [item["group"]["code"] for item in theirs["items"]] == ["srj-dinkes", "srj-dinsos", "srj-dispendik"]
    with pytest.raises(performance.NotFound):
        performance.report(session, clock.now(), supervisor, period="2026-11", jurisdiction="banyuwangi")


def test_bad_periods_and_groupings_are_refused_with_a_reason(session, clock):
    for bad in ("2026-13", "2026-Q5", "26", "November", "2026-11-01"):
        with pytest.raises(performance.ValidationFailed, match="period"):
            performance.report(session, clock.now(), SYSTEM, period=bad)
    with pytest.raises(performance.ValidationFailed, match="group_by"):
        performance.report(session, clock.now(), SYSTEM, period="2026-11", group_by="colour")


def test_trend_histogram_and_breaches_by_district(session, clock, month):
    trend = performance.trend(session, clock.now(), SYSTEM, period="2026-11", group_by="agency",
                              jurisdiction="banyuwangi")
    assert trend["buckets"] == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"]
    dinsos = next(s for s in trend["series"] if s["group"]["code"] == "bwi-dinsos")
    rates = [p["on_time_rate"]["value"] if p else None for p in dinsos["points"]]
    # week of 2 Nov: B1 on time, B4 late; week of 9 Nov: B7 (due Monday 16 Nov 03:00) is the next week's.
    assert rates == [None, 0.5, None, 0.5, None, 0.0]
    histogram = performance.histogram(session, clock.now(), SYSTEM, period="2026-11")
    # S3 60 min; B1 120, B8 150; B3, S1, S4 180, B13 open 180 so far, B7 210; B2, S2 300, B4 360; B9 open 13 days.
    assert [b["count"] for b in histogram] == [0, 1, 2, 5, 3, 0, 1]
    assert histogram[3] == {"from_minutes": 180, "to_minutes": 240, "count": 5}
    by_district = performance.breaches_by_district(session, clock.now(), SYSTEM, period="2026-11")
    assert [(b["district"]["name"], b["total"]) for b in by_district] == [
        ("Glagah", 7), ("Sabu Barat", 4), ("Genteng", 1)]


@pytest.mark.skipif(BACKEND != "postgresql", reason="compares PostgreSQL's percentile_cont with the portable path")
def test_the_portable_percentile_path_matches_percentile_cont(session, clock, month):
    from sqlalchemy import select

    from app.domain.performance import parse_period
    from app.models import Jurisdiction
    from app.services.reporting import computation

    jurs = list(session.scalars(select(Jurisdiction)))
    rows = computation.counted(session, jurs, parse_period("2026-11"))
    for group_by in (None, "agency", "district"):
        native = computation.aggregate(session, rows, clock.now(), group_by=group_by)
        portable = computation.aggregate(session, rows, clock.now(), group_by=group_by, portable=True)
        assert native.keys() == portable.keys()
        for key in native:
            for field in native[key]:
                assert (key, field, native[key][field]) == (key, field, portable[key][field])
