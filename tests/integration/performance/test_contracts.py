"""Officials' contracts: targets against actuals, verdicts, weekly trend and breaches as evidence;
and the same through /api/v1."""
from __future__ import annotations

import pytest

from app.domain.actor import SYSTEM, Actor
from app.services.reporting import performance

TARGETS = dict(on_time_rate=0.95, median_handle_minutes=120, p90_handle_minutes=240, max_breaches=2,
               max_reopened_share=0.1)


def verdicts(review) -> dict:
    return {v["target"]: (v["actual"], v["status"]) for v in review["verdicts"]}


def test_a_finished_month_is_missed_on_breaches_and_too_few_to_judge_on_rates(session, clock, month):
    contract = performance.create_contract(session, clock.now(), SYSTEM, official="head.dinsos", period="2026-11",
                                           **TARGETS)
    assert contract.agency.code == "bwi-dinsos"
    review = performance.contract_review(session, clock.now(), SYSTEM, contract.id)
    assert review["period_over"] is True
    assert verdicts(review) == {
        "on_time_rate": (0.4, "too_few"), "median_handle_minutes": (180.0, "too_few"),
        "p90_handle_minutes": (300.0, "too_few"), "max_breaches": (3, "missed"),
        "max_reopened_share": (0.2, "too_few"),
    }
    assert review["status"] == "missed"
    # The evidence: every breach naming Dinas Sosial and its head, each with its ticket, oldest first.
    # B3's acknowledge breach is Dinas Sosial's although B3 counts for Dinas Pendidikan.
    t = month.tickets
    assert [(b["ticket"], b["kind"], b["notify_failed"]) for b in review["breaches"]] == [
        (t["B3"], "acknowledge", False), (t["B4"], "handle", False), (t["B8"], "handle", False),
        (t["B13"], "acknowledge", False), (t["B13"], "handle", False)]
    assert review["breaches"][2]["minutes_late"] == 30 and review["breaches"][4]["open"] is True
    assert review["trend"]["bucket"] == "week"
    assert [(p["start"], p["received"], p["on_time_rate"]["value"], p["handle_breaches"])
            for p in review["trend"]["points"]] == [
        ("2026-10-26", 0, None, 0), ("2026-11-02", 2, 0.5, 1), ("2026-11-09", 0, None, 0),
        ("2026-11-16", 2, 0.5, 1), ("2026-11-23", 0, None, 0), ("2026-11-30", 1, 0.0, 1)]


def test_with_a_smaller_minimum_sample_every_target_is_judged(session, clock, month):
    contract = performance.create_contract(session, clock.now(), SYSTEM, official="head.dinsos", period="2026-11",
                                           **TARGETS)
    review = performance.contract_review(session, clock.now(), SYSTEM, contract.id, min_sample=5)
    assert {k: v[1] for k, v in verdicts(review).items()} == {
        "on_time_rate": "missed", "median_handle_minutes": "missed", "p90_handle_minutes": "missed",
        "max_breaches": "missed", "max_reopened_share": "missed"}


def test_mid_period_a_target_behind_is_at_risk_and_breaches_beyond_the_maximum_are_missed(session, clock, month):
    lenient = performance.create_contract(session, clock.now(), SYSTEM, official="head.dispendik", period="2026-Q4",
                                          on_time_rate=0.9, max_breaches=3, p90_handle_minutes=600)
    review = performance.contract_review(session, clock.now(), SYSTEM, lenient.id, min_sample=2)
    assert review["period_over"] is False
    assert verdicts(review) == {"on_time_rate": (0.5, "at_risk"), "p90_handle_minutes": (288.0, "met"),
                                "max_breaches": (1, "met")}
    assert review["status"] == "at_risk"
    strict = performance.create_contract(session, clock.now(), SYSTEM, official="head.dinsos", period="2026-Q4",
                                         max_breaches=2)
    # B4, B8, B13 in November and B12 (due at midnight on 1 December): four handle breaches.
    assert verdicts(performance.contract_review(session, clock.now(), SYSTEM, strict.id)) == {
        "max_breaches": (4, "missed")}


def test_contracts_are_entered_by_admins_once_per_official_and_period(session, clock):
    officer = Actor(kind="user", id=1, role="supervisor", jurisdiction_id=1)
    with pytest.raises(performance.Forbidden):
        performance.create_contract(session, clock.now(), officer, official="head.dinsos", period="2026", **TARGETS)
    performance.create_contract(session, clock.now(), SYSTEM, official="head.dinsos", period="2026", **TARGETS)
    with pytest.raises(performance.Conflict):
        performance.create_contract(session, clock.now(), SYSTEM, official="head.dinsos", period="2026", **TARGETS)
    for bad in ({"on_time_rate": 95}, {"max_breaches": "many"}, {}, {"median_handle_minutes": -1}):
        with pytest.raises(performance.ValidationFailed):
            performance.create_contract(session, clock.now(), SYSTEM, official="head.dinsos", period="2026-Q1", **bad)
    with pytest.raises(performance.ValidationFailed, match="heads no agency"):
        performance.create_contract(session, clock.now(), SYSTEM, official="officer.dinsos", period="2026-Q1",
                                    on_time_rate=0.9)


def test_the_api_gives_the_report_and_contracts_to_those_who_may_see_them(client, month, token):
    admin = token("admin")
    response = client.get("/api/v1/performance?period=2026-11&group_by=agency", headers=admin)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"]["received"] == 12 and body["as_of"] == "2026-11-30T17:30:00Z"
    officer = token("officer", agency="bwi-dispendik")
    mine = client.get("/api/v1/performance?period=2026-11", headers=officer).get_json()
    assert [i["group"]["code"] for i in mine["items"]] == ["bwi-dispendik"]
    assert client.get("/api/v1/performance?period=2026-13", headers=admin).status_code == 422
    assert client.get("/api/v1/performance", headers=admin).get_json()["error"]["code"] == "bad_request"
    assert client.get("/api/v1/performance?period=2026-11&group_by=x", headers=admin).status_code == 422
    assert client.get("/api/v1/performance?period=2026-11").status_code == 401
    assert client.get("/api/v1/performance?period=2026-11", headers=token("partner")).status_code == 403

    created = client.post("/api/v1/contracts", headers=admin, json={
        "official": "head.dinsos", "period": "2026-11", **TARGETS})
    assert created.status_code == 201, created.get_json()
    contract_id = created.get_json()["id"]
    assert created.get_json()["agency"]["code"] == "bwi-dinsos"
    assert client.post("/api/v1/contracts", headers=admin, json={
        "official": "head.dinsos", "period": "2026-11", **TARGETS}).status_code == 409
    assert client.post("/api/v1/contracts", headers=officer, json={"official": "x", "period": "2026"}).status_code == 403
    assert client.post("/api/v1/contracts", headers=admin, json={"official": "head.dinsos", "period": "2026",
                                                                "colour": 1}).status_code == 400
    review = client.get(f"/api/v1/contracts/{contract_id}", headers=admin).get_json()
    assert review["status"] == "missed" and len(review["breaches"]) == 5
    # Dinas Pendidikan's officer does not see Dinas Sosial's contract.
    assert client.get(f"/api/v1/contracts/{contract_id}", headers=officer).status_code == 404
    assert client.get("/api/v1/contracts", headers=officer).get_json() == {"items": []}
    listed = client.get("/api/v1/contracts?period=2026-11", headers=token("supervisor", jurisdiction="banyuwangi"))
    assert [c["id"] for c in listed.get_json()["items"]] == [contract_id]


def test_the_openapi_document_lists_the_performance_paths(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/performance", "/contracts", "/contracts/{contract_id}"} <= set(document["paths"])
    assert "PerformanceReport" in document["components"]["schemas"]
