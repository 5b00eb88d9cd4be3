"""The /api/v1 complaint routes as a partner or staff system uses them."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Complaint

BODY = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon",
        "description": "Seorang lansia tidak makan sejak kemarin", "reporter": {"name": "Siti", "phone": "081234567890"}}


def count(session):
    return session.scalar(select(func.count(Complaint.id)))


def test_partner_submits_and_reads_back_a_complaint(client, auth):
    headers = auth("partner")
    created = client.post("/api/v1/complaints", json=BODY, headers=headers)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["ticket"].startswith("BWI-2026-")
    assert body["agency"] == {"code": "bwi-dinsos", "name": body["agency"]["name"]}
    assert body["received_at"] == "2026-11-23T02:00:00Z"
    assert body["handle_due_at"] == "2026-11-23T06:00:00Z"
    assert body["sla_policy"]["handle_minutes"] == 240
    assert created.headers["Location"].endswith(f"/api/v1/complaints/{body['ticket']}")
    # The partner sees its own submission, with the reporter's phone masked.
    got = client.get(f"/api/v1/complaints/{body['ticket']}", headers=headers).json
    assert got["status"] == "assigned"
    assert got["reporter"] == {"name": None, "phone": "+628•••••••890", "telegram_chat_id": None}


def test_agency_staff_not_assigned_see_the_reporter_masked_and_a_supervisor_in_full(client, auth):
    ticket = client.post("/api/v1/complaints", json=BODY, headers=auth("partner")).json["ticket"]
    got = client.get(f"/api/v1/complaints/{ticket}", headers=auth("officer", agency="bwi-dinsos")).json
    assert got["reporter"] == {"name": "S.", "phone": "+628•••••••890", "telegram_chat_id": None}
    got = client.get(f"/api/v1/complaints/{ticket}", headers=auth("supervisor", jurisdiction="banyuwangi")).json
    assert got["reporter"]["phone"] == "+6281234567890" and got["reporter"]["name"] == "Siti"


def test_an_officer_acknowledges_and_handles_through_actions(client, auth, clock):
    ticket = client.post("/api/v1/complaints", json=BODY, headers=auth("partner")).json["ticket"]
    officer = auth("officer", agency="bwi-dinsos")
    clock.advance(minutes=12)
    r = client.post(f"/api/v1/complaints/{ticket}/actions", json={"action": "acknowledge"}, headers=officer)
    assert r.status_code == 200 and r.json["acknowledged_at"] == "2026-11-23T02:12:00Z"
    r = client.post(f"/api/v1/complaints/{ticket}/actions", json={"action": "handle", "note": "Sembako diantar"},
                    headers=officer)
    assert r.status_code == 200 and r.json["status"] == "handled"
    r = client.post(f"/api/v1/complaints/{ticket}/actions", json={"action": "acknowledge"}, headers=officer)
    assert r.status_code == 409
    assert r.json["error"]["code"] == "illegal_transition"
    assert "handled" in r.json["error"]["message"]


def test_another_agencys_officer_gets_404_on_every_route(client, auth):
    ticket = client.post("/api/v1/complaints", json=BODY, headers=auth("partner")).json["ticket"]
    stranger = auth("officer", agency="bwi-dispendik")
    assert client.get(f"/api/v1/complaints/{ticket}", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/complaints/{ticket}/events", headers=stranger).status_code == 404
    r = client.post(f"/api/v1/complaints/{ticket}/actions", json={"action": "acknowledge"}, headers=stranger)
    assert r.status_code == 404
    listed = client.get("/api/v1/complaints", headers=stranger).json["items"]
    assert ticket not in [c["ticket"] for c in listed]


def test_the_events_show_a_verified_hash_chain(client, auth):
    ticket = client.post("/api/v1/complaints", json=BODY, headers=auth("partner")).json["ticket"]
    trail = client.get(f"/api/v1/complaints/{ticket}/events",
                       headers=auth("supervisor", jurisdiction="banyuwangi")).json
    assert trail["chain_valid"] is True
    assert [e["kind"] for e in trail["items"]] == ["received", "routed"]
    assert trail["items"][1]["prev_hash"] == trail["items"][0]["hash"]


def test_list_filters_and_paginates_with_a_stable_cursor(client, auth, clock):
    partner = auth("partner")
    tickets = [client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"] for _ in range(5)]
    school = client.post("/api/v1/complaints", json={**BODY, "category": "school_dropout"}, headers=partner).json
    admin = auth("admin")
    page1 = client.get("/api/v1/complaints?category=hunger&limit=3", headers=admin).json
    page2 = client.get(f"/api/v1/complaints?category=hunger&limit=3&cursor={page1['next_cursor']}", headers=admin).json
    seen = [c["ticket"] for c in page1["items"] + page2["items"]]
    assert set(tickets) <= set(seen) and school["ticket"] not in seen
    assert len(seen) == len(set(seen))
    by_agency = client.get("/api/v1/complaints?agency=bwi-dispendik", headers=admin).json["items"]
    assert [c["ticket"] for c in by_agency] == [school["ticket"]]
    soon = (clock.now() + timedelta(hours=5)).isoformat()
    due = client.get("/api/v1/complaints", query_string={"due_before": soon, "breached": "false"}, headers=admin)
    assert due.status_code == 200 and len(due.json["items"]) >= 6


@pytest.mark.parametrize("query", ["status=nonsense", "limit=0", "limit=abc", "cursor=%%%", "breached=maybe",
                                   "due_before=tomorrow", "agency=nope"])
def test_bad_list_parameters_are_clear_4xx(client, auth, query):
    r = client.get(f"/api/v1/complaints?{query}", headers=auth("admin"))
    assert 400 <= r.status_code < 500 and "error" in r.json


@pytest.mark.parametrize("change,status,code", [
    ({"category": "flood"}, 422, "validation_failed"),
    ({"village": "Atlantis"}, 422, "validation_failed"),
    ({"received_at": "2026-11-23T12:00:00+07:00"}, 422, "validation_failed"),  # 05:00Z, three hours ahead
    ({"received_at": "2026-11-23T09:00:00"}, 422, "validation_failed"),  # no time zone
    ({"reporter": "Siti"}, 422, "validation_failed"),
    ({"lat": "north"}, 422, "validation_failed"),
])
def test_bad_submissions_are_refused_and_store_nothing(client, auth, session, change, status, code):
    before = count(session)
    r = client.post("/api/v1/complaints", json={**BODY, **change}, headers=auth("partner"))
    assert r.status_code == status and r.json["error"]["code"] == code, r.json
    assert count(session) == before


def test_malformed_json_and_wrong_content_type_are_400_and_415(client, auth):
    headers = auth("partner")
    r = client.post("/api/v1/complaints", data="{not json", headers={**headers, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json["error"]["code"] == "bad_request"
    r = client.post("/api/v1/complaints", data="category=hunger", headers=headers,
                    content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415


def test_an_oversize_body_is_413_in_the_error_shape(client, auth):
    r = client.post("/api/v1/complaints", json={**BODY, "description": "x" * 2_000_000}, headers=auth("partner"))
    assert r.status_code == 413 and r.json["error"]["code"] == "payload_too_large"


def test_tokens_missing_bad_or_with_the_wrong_role_are_refused(client, auth):
    assert client.get("/api/v1/complaints").status_code == 401
    r = client.get("/api/v1/complaints", headers={"Authorization": "Bearer sgp_not-a-token"})
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"
    r = client.post("/api/v1/complaints/BWI-2026-000001/actions", json={"action": "acknowledge"},
                    headers=auth("partner"))
    assert r.status_code == 403


def test_an_unknown_path_is_a_json_404_not_html(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"


def test_health_reports_the_database(client):
    r = client.get("/healthz")
    assert r.json["database"] == "ok"


def test_the_openapi_document_lists_every_api_route(app, client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule[len("/api/v1"):].replace("<", "{").replace(">", "}")
        path = path.replace("{int:", "{").replace("{path:", "{")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, f"{method} {rule.rule} is not in openapi.json"


def test_linking_a_repeat_to_another_agencys_ticket_is_answered_like_a_made_up_ticket(client, auth):
    """link_repeat must not tell an officer whether another agency's ticket exists, nor its deadlines."""
    ours = client.post("/api/v1/complaints", json=BODY, headers=auth("partner")).json["ticket"]
    theirs = client.post("/api/v1/complaints", json={**BODY, "category": "medical_care"},
                         headers=auth("partner")).json
    assert theirs["agency"]["code"] == "bwi-dinkes"
    made_up = theirs["ticket"][:-6] + "999999"
    officer = auth("officer", agency="bwi-dinsos")

    def link(of_ticket):
        return client.post(f"/api/v1/complaints/{ours}/actions", json={"action": "link_repeat", "of_ticket": of_ticket},
                           headers=officer)

    unseen, absent = link(theirs["ticket"]), link(made_up)
    assert unseen.status_code == absent.status_code == 404
    assert unseen.json == {"error": {"code": "not_found", "message": f"no complaint with ticket {theirs['ticket']!r}"}}
    assert absent.json == {"error": {"code": "not_found", "message": f"no complaint with ticket {made_up!r}"}}
    assert client.get(f"/api/v1/complaints/{ours}", headers=officer).json["repeat_of"] is None

    # A supervisor of the jurisdiction links across agencies.
    linked = client.post(f"/api/v1/complaints/{ours}/actions",
                         json={"action": "link_repeat", "of_ticket": theirs["ticket"]},
                         headers=auth("supervisor", jurisdiction="banyuwangi"))
    assert linked.status_code == 200, linked.json
    assert linked.json["repeat_of"] == theirs["ticket"]


def test_a_location_check_in_is_numbers_inside_the_regency_with_its_distance_from_the_place(client, auth, session):
    """Proof of a field visit: `true`, text, 0,0 and London are refused (422, nothing changes); a
    check-in is kept with its distance from the village, and marked far beyond 5 km."""
    ticket = client.post("/api/v1/complaints", json=BODY, headers=auth("partner")).json["ticket"]
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    village = (complaint.village.lat, complaint.village.lon)
    officer = auth("officer", agency="bwi-dinsos")

    def handle(**where):
        return client.post(f"/api/v1/complaints/{ticket}/actions", headers=officer,
                           json={"action": "handle", "note": "Sembako diantar", "evidence": where})

    for where in ({"lat": True, "lon": True}, {"lat": "-8.37", "lon": "114.15"}, {"lat": [1], "lon": 114.15},
                  {"lat": 0, "lon": 0}, {"lat": 51.5, "lon": -0.12}, {"lat": -6.2, "lon": 106.8},
                  {"lat": village[0]}):
        r = handle(**where)
        assert r.status_code == 422 and r.json["error"]["code"] == "validation_failed", (where, r.json)
        assert session.get(Complaint, complaint.id, populate_existing=True).status == "assigned"
    r = handle(lat=village[0] + 0.09, lon=village[1])  # about 10 km north of the village centre
    assert r.status_code == 200, r.json
    evidence = session.get(Complaint, complaint.id, populate_existing=True).handle_evidence
    assert evidence["lat"] == village[0] + 0.09 and 9.9 < evidence["distance_km"] < 10.1 and evidence["far"] is True


def test_another_complaints_ticket_shows_only_to_a_reader_who_may_see_that_complaint(client, auth):
    """Partner A's complaint rejected as a duplicate of partner B's, and a Dinas Sosial complaint linked
    as a repeat of a Dinas Pendidikan one: the link names the other ticket only to whoever may open it."""
    partner_a, partner_b = auth("partner"), auth("partner")
    supervisor = auth("supervisor", jurisdiction="banyuwangi")
    original = client.post("/api/v1/complaints", json=BODY, headers=partner_b).json["ticket"]
    duplicate = client.post("/api/v1/complaints", json=BODY, headers=partner_a).json["ticket"]
    r = client.post(f"/api/v1/complaints/{duplicate}/actions", headers=supervisor,
                    json={"action": "reject", "reason": "duplicate", "duplicate_of": original})
    assert r.status_code == 200 and r.json["duplicate_of"] == original
    assert client.get(f"/api/v1/complaints/{duplicate}", headers=partner_a).json["duplicate_of"] is None
    assert client.get(f"/api/v1/complaints/{original}", headers=partner_a).status_code == 404

    earlier = client.post("/api/v1/complaints", json={**BODY, "category": "school_dropout"}, headers=partner_b).json
    assert earlier["agency"]["code"] == "bwi-dispendik"
    later = client.post("/api/v1/complaints", json=BODY, headers=partner_b).json["ticket"]
    r = client.post(f"/api/v1/complaints/{later}/actions", headers=supervisor,
                    json={"action": "link_repeat", "of_ticket": earlier["ticket"]})
    assert r.status_code == 200 and r.json["repeat_of"] == earlier["ticket"]
    officer = auth("officer", agency="bwi-dinsos")
    assert client.get(f"/api/v1/complaints/{later}", headers=officer).json["repeat_of"] is None
    assert client.get(f"/api/v1/complaints/{later}", headers=partner_b).json["repeat_of"] == earlier["ticket"]
    events = client.get(f"/api/v1/complaints/{later}/events", headers=officer).json
    assert earlier["ticket"] not in str(events) and events["chain_valid"] is True
    assert original not in str(client.get(f"/api/v1/complaints/{duplicate}/events", headers=partner_a).json)
    assert client.get(f"/api/v1/complaints/{duplicate}", headers=officer).json["duplicate_of"] == original  # theirs too
    linked = client.get(f"/api/v1/complaints/{later}/events", headers=supervisor).json["items"]
    assert [e["data"]["of"] for e in linked if e["kind"] == "linked_repeat"] == [earlier["ticket"]]
