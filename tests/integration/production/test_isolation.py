"""An officer's token sees and changes only its own agency's complaints, through every /api/v1 route."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.models import Event
from app.services import intake
from app.services.sla import escalation

DESCRIPTION = "Nenek Painah tidak makan sejak kemarin"
ACTIONS = ("acknowledge", "handle", "resolve", "reopen", "reject", "assign", "transfer", "close")


def _fill(rule: str, ticket: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: ticket if m.group(1) == "ticket" else "1", rule)


def test_an_officer_token_cannot_read_or_change_another_agencys_complaint_through_any_route(
        app, client, auth, session, clock):
    complaint = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger", village="Kemiren",
                              description=DESCRIPTION, reporter={"name": "Siti", "phone": "081234567891"})
    assert complaint.agency.code == "bwi-dinsos"
    clock.advance(timedelta(hours=5))
    escalation.run_due_steps(session, clock.now())  # so it has breaches to leak too
    ticket, status = complaint.ticket, complaint.status
    events = session.scalar(select(func.count()).select_from(Event).where(Event.complaint_id == complaint.id))
    other = auth("officer", agency="bwi-dispendik")

    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")]
    assert any("<ticket>" in rule.rule for rule in rules)
    checked = 0
    for rule in rules:
        path = _fill(rule.rule, ticket)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if "<ticket>" in rule.rule:
                bodies = [{"action": a, "note": "x", "reason": "spam", "agency": "bwi-dispendik"} for a in ACTIONS] \
                    if method != "GET" else [None]
                for body in bodies:
                    response = client.open(path, method=method, json=body, headers=other)
                    assert response.status_code in (403, 404), (method, path, body, response.status_code)
                    # Echoing the ticket asked for is fine; nothing of the complaint itself may show.
                    assert DESCRIPTION not in response.get_data(as_text=True)
                    checked += 1
            elif method == "GET":
                response = client.get(path, headers=other)
                assert response.status_code < 500, (path, response.status_code)
                assert ticket not in response.get_data(as_text=True), (path, "leaks the ticket")
                checked += 1
    assert checked >= 10
    session.expire_all()
    assert session.get(type(complaint), complaint.id).status == status
    assert session.scalar(select(func.count()).select_from(Event).where(Event.complaint_id == complaint.id)) == events
    # The same token from the right agency does see it (the check above is not vacuous).
    own = auth("officer", agency="bwi-dinsos")
    assert client.get(f"/api/v1/complaints/{ticket}", headers=own).status_code == 200
