"""GET /api/v1/breaches and breaches embedded in a complaint."""
from app.services.sla import escalation

BODY = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon",
        "description": "Lansia sendirian, tidak makan", "reporter": {"phone": "081234567890"}}


def test_a_missed_acknowledge_deadline_is_listed_for_the_agency_and_embedded(client, auth, session, clock):
    ticket = client.post("/api/v1/complaints", json=BODY, headers=auth("partner")).json["ticket"]
    other = client.post("/api/v1/complaints", json={**BODY, "category": "school_dropout"}, headers=auth("partner")).json
    clock.advance(minutes=31)
    escalation.run_due_steps(session, clock.now())

    dinsos = auth("officer", agency="bwi-dinsos")
    listed = client.get("/api/v1/breaches?kind=acknowledge", headers=dinsos)
    assert listed.status_code == 200
    items = listed.json["items"]
    assert [b["ticket"] for b in items] == [ticket]
    assert items[0]["agency"]["code"] == "bwi-dinsos"
    assert items[0]["due_at"] == "2026-11-23T02:30:00Z" and items[0]["met_at"] is None

    supervisor = client.get("/api/v1/breaches?kind=acknowledge", headers=auth("supervisor", jurisdiction="banyuwangi"))
    assert {b["ticket"] for b in supervisor.json["items"]} == {ticket, other["ticket"]}

    clock.advance(minutes=9)
    client.post(f"/api/v1/complaints/{ticket}/actions", json={"action": "acknowledge"}, headers=dinsos)
    complaint = client.get(f"/api/v1/complaints/{ticket}", headers=dinsos).json
    assert complaint["ack_breached"] is True
    [breach] = [b for b in complaint["breaches"] if b["kind"] == "acknowledge"]
    assert breach["minutes_late"] == 10 and breach["met_at"] == "2026-11-23T02:40:00Z"


def test_breaches_are_not_for_partners_and_bad_filters_are_400(client, auth):
    assert client.get("/api/v1/breaches", headers=auth("partner")).status_code == 403
    assert client.get("/api/v1/breaches?kind=lunch", headers=auth("admin")).status_code == 400
    assert client.get("/api/v1/breaches?since=yesterday", headers=auth("admin")).status_code == 422
