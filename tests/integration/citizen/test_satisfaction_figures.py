"""Satisfaction beside the on-time rate in the staff performance report, page and API: per agency
and per kecamatan, with its response rate, too few marked."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import app.channels.api.performance  # noqa: F401  (routes join the api blueprint before any app registers it)
from app.domain.actor import SYSTEM, Actor
from app.models import User
from app.models.satisfaction import SatisfactionSurvey
from app.services import intake, lifecycle
from app.services.access import accounts
from app.services.reporting import performance


def officer(session):
    user = session.scalar(select(User).where(User.username == "officer.dinsos"))
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.jurisdiction_id, name=user.name)


def surveyed(session, clock, scores, district="Glagah"):
    for score in scores:
        complaint = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger",
                                  description="Nenek tidak makan", district=district, channel="counter",
                                  reporter={"phone": "+6281234500777"})
        lifecycle.handle(session, clock.now() + timedelta(minutes=30), complaint.ticket, officer(session),
                         note="Beras diantar")
        session.add(SatisfactionSurvey(complaint_id=complaint.id, reporter_id=complaint.reporter_id, channel="sms",
                                       asked_because="confirmed", asked_at=clock.now(), state="done", score=score,
                                       answered_at=clock.now() if score else None))
    session.commit()


def test_the_report_counts_satisfaction_per_agency_and_kecamatan_with_response_rate(session, clock):
    surveyed(session, clock, [4, 3, None, 2], district="Glagah")
    surveyed(session, clock, [1], district="Giri")
    by_agency = performance.report(session, clock.now(), SYSTEM, period="2026-11", group_by="agency", live=True)
    [dinsos] = [i for i in by_agency["items"] if i["group"].get("code") == "bwi-dinsos"]
    sat = dinsos["satisfaction"]
    assert (sat["asked"], sat["answered"], sat["mean_score"]) == (5, 4, 2.5)
    assert sat["response_rate"] == {"value": 0.8, "of": 5, "too_few_to_judge": True}
    assert sat["too_few_to_judge"] and "on_time_rate" in dinsos  # side by side
    by_district = performance.report(session, clock.now(), SYSTEM, period="2026-11", group_by="district")
    glagah = next(i for i in by_district["items"] if i["group"].get("name") == "Glagah")["satisfaction"]
    assert (glagah["answered"], glagah["mean_score"]) == (3, 3.0)
    assert by_district["total"]["satisfaction"]["asked"] == 5
    # an agency scope sees its own agency's answers only
    assert performance.report(session, clock.now(), officer(session), period="2026-11")["total"][
        "satisfaction"]["answered"] == 4


def test_the_page_and_the_api_show_it(client, session, clock):
    surveyed(session, clock, [4, 4, 3])
    _row, token = accounts.create_token(session, clock.now(), role="supervisor", jurisdiction_code="banyuwangi")
    session.commit()
    answer = client.get("/api/v1/performance?period=2026-11&group_by=district",
                        headers={"Authorization": f"Bearer {token}"}).get_json()
    glagah = next(i for i in answer["items"] if i["group"].get("name") == "Glagah")
    assert glagah["satisfaction"]["mean_score"] == 3.67
    from tests.integration.performance.test_pages import sign_in

    sign_in(client, "supervisor")
    page = client.get("/performance/?period=2026-11&group_by=agency").get_data(as_text=True)
    assert "Kepuasan (1-4)" in page and "3,67" in page  # Indonesian decimals
