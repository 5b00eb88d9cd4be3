"""The report's rollups of closed complaints give exactly the live figures, and follow any change."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.domain.actor import SYSTEM
from app.models import Breach, Complaint
from app.models.performance_rollup import PerformanceFact, PerformancePending, PerformanceRollup
from app.services import posts
from app.services.lifecycle import closing
from app.services.reporting import performance
from app.services.reporting import rollup as performance_rollup
from tests.integration.performance.conftest import Month, actor_of, local

GROUPINGS = ("agency", "official", "category", "district", "jurisdiction")
PERIODS = ("2026-11", "2026-12", "2026-Q4", "2026")
# After a change: the months its complaints fall in (every period was compared once before the
# change; the quarter and the year add up the same monthly rollups).
MONTHS = ("2026-11", "2026-12")


def assert_fast_equals_live(session, now, periods=PERIODS):
    if "2026" in periods:  # the year is read from its yearly rollups wherever they were built
        assert session.scalar(select(PerformanceRollup.id).where(PerformanceRollup.dim == "y:district").limit(1))
    for period in periods:
        for group_by in GROUPINGS:
            fast = performance.report(session, now, SYSTEM, period=period, group_by=group_by)
            live = performance.report(session, now, SYSTEM, period=period, group_by=group_by, live=True)
            assert fast == live, (period, group_by)


def add_varied(month, rng: random.Random, count: int = 40):
    """More complaints over the first days of December: acknowledged or not, handled early or late,
    transferred, reopened, left open. The steps of all of them run in time order."""
    districts = ("Glagah", "Genteng", "Kalipuro")
    categories = ("hunger", "school_dropout", "medical_care", "lone_elderly")
    routed = {"hunger": "dinsos", "lone_elderly": "dinsos", "school_dropout": "dispendik", "medical_care": "dinkes"}
    plan = []
    start = local("2026-12-01 01:00")
    for i in range(count):
        name, category = f"V{i}", rng.choice(categories)
        when = start + timedelta(minutes=37 * i)
        plan.append((when, i, "submit", name, dict(category=category, district=rng.choice(districts))))
        officer, step = f"officer.{routed[category]}", when
        if rng.random() < 0.3:
            other = "dispendik" if routed[category] != "dispendik" else "dinsos"
            step += timedelta(minutes=rng.randint(5, 300))
            plan.append((step, i, "transfer", name, dict(who="supervisor", agency=f"bwi-{other}")))
            officer = f"officer.{other}"
        if rng.random() < 0.8:
            step += timedelta(seconds=rng.randint(30, 6 * 3600))
            plan.append((step, i, "acknowledge", name, dict(who=officer)))
        if rng.random() < 0.9:
            step += timedelta(seconds=rng.randint(30, 5 * 3600))
            plan.append((step, i, "handle", name, dict(who=officer, note="done")))
            if rng.random() < 0.2:
                step += timedelta(minutes=30)
                plan.append((step, i, "reopen", name, dict(who="supervisor", note="nobody came")))
                if rng.random() < 0.7:
                    step += timedelta(seconds=rng.randint(30, 3 * 3600))
                    plan.append((step, i, "handle", name, dict(who=officer, note="done again")))
    for when, _i, action, name, kwargs in sorted(plan, key=lambda p: (p[0], p[1])):
        if action == "submit":
            month.submit(name, when, **kwargs)
        else:
            who = kwargs.pop("who")
            try:
                month.do(action, name, when, who, **kwargs)
            except Exception:  # noqa: BLE001 - e.g. acknowledging what a transfer left in another state
                month.session.rollback()


def build_settled(month: Month) -> datetime:
    """The varied complaints over the known month, most of them closed and rolled up (built once per
    test process: tests/integration/performance/conftest.py). Returns the time they settled at."""
    add_varied(month, random.Random(7))
    now = month.at(local("2026-12-20 09:00"))
    while closing.close_settled(month.session, now):
        pass
    performance_rollup.refresh_all(month.session)
    return now


@pytest.fixture
def settled(session, clock, built):
    """The known month plus varied complaints, most of them closed and rolled up."""
    return built.resume(session, clock, built.settled), built.settled[2]


def test_rollups_give_exactly_the_live_figures(session, settled):
    month, now = settled
    assert session.scalar(select(PerformanceFact.complaint_id).limit(1)) is not None
    assert session.scalar(select(PerformanceRollup.id).limit(1)) is not None
    assert session.scalar(select(PerformancePending.id).limit(1)) is None
    assert_fast_equals_live(session, now)


def test_a_year_rolled_up_before_yearly_rollups_existed_is_read_from_its_months(session, settled):
    from sqlalchemy import delete

    month, now = settled
    session.execute(delete(PerformanceRollup).where(PerformanceRollup.dim.like("y:%")))
    session.flush()
    for group_by in GROUPINGS:
        fast = performance.report(session, now, SYSTEM, period="2026", group_by=group_by)
        live = performance.report(session, now, SYSTEM, period="2026", group_by=group_by, live=True)
        assert fast == live, group_by


def test_closing_after_the_rollup_counts_live_until_the_next_refresh(session, clock, settled):
    month, now = settled
    month.submit("late", now)
    month.do("handle", "late", now + timedelta(hours=5), "officer.dinsos", note="late but done")
    month.do("close", "late", now + timedelta(hours=6), "supervisor")
    later = now + timedelta(hours=7)
    assert session.scalar(select(PerformancePending.id).limit(1)) is not None
    assert_fast_equals_live(session, later, MONTHS)
    performance_rollup.refresh_all(session)
    assert_fast_equals_live(session, later, MONTHS)


def test_any_change_to_a_rolled_up_complaint_is_reflected(session, clock, settled):
    month, now = settled
    closed = session.scalars(select(Complaint).where(Complaint.status == "closed").order_by(Complaint.id)).all()
    assert len(closed) > 10
    # An alert that finally failed after the complaint was closed.
    breach = session.scalar(select(Breach).join(Complaint).where(Complaint.status == "closed",
                                                                 Breach.notify_failed.is_(False)))
    breach.notify_failed = True
    # A correction of a closed complaint's district and handling time; another one removed.
    closed[0].district_id = closed[1].district_id if closed[1].district_id != closed[0].district_id else None
    session.execute(update(Complaint).where(Complaint.id == closed[2].id)
                    .values(handled_at=closed[2].handled_at + timedelta(minutes=90)))
    session.execute(update(Complaint).where(Complaint.id == closed[3].id).values(repeat_of_id=closed[4].id))
    session.flush()
    assert_fast_equals_live(session, now, MONTHS)
    performance_rollup.refresh_all(session)
    assert_fast_equals_live(session, now, MONTHS)
    # A new head of Dinas Sosial named from a past day takes over the deadlines since (tenures).
    posts.assign(session, now, SYSTEM, "agency_head:bwi-dinsos", username="supervisor",
                 from_at=local("2026-11-16 00:00"), commit=False)
    assert_fast_equals_live(session, now, MONTHS)
    performance_rollup.refresh_all(session)
    assert_fast_equals_live(session, now, MONTHS)


def test_a_reopened_complaint_leaves_its_rolled_up_day(session, clock, month):
    """Handled complaints stay live until closed; reopening one beside rolled-up ones is seen at once."""
    now = month.at(local("2026-12-10 09:00"))
    month.do("close", "B2", now, "supervisor")
    month.do("close", "B3", now, "supervisor")
    performance_rollup.refresh_all(session)
    assert_fast_equals_live(session, now)
    month.do("reopen", "B4", now, "supervisor", note="not handled")
    assert_fast_equals_live(session, now, MONTHS)
    month.do("transfer", "B4", now + timedelta(minutes=5), "supervisor", agency="bwi-dispendik")
    month.do("handle", "B4", now + timedelta(minutes=50), "officer.dispendik", note="done")
    month.do("close", "B4", now + timedelta(hours=1), "supervisor")
    assert_fast_equals_live(session, now + timedelta(hours=2), MONTHS)
    performance_rollup.refresh_all(session)
    assert_fast_equals_live(session, now + timedelta(hours=2), MONTHS)
