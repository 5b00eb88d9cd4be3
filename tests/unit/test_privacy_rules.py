"""The pure rules of app.domain.privacy: who sees the reporter, role by role, and what of the trail is public."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.domain import privacy
from app.domain.actor import SYSTEM, Actor

REPORTER = SimpleNamespace(name="Siti Aminah", phone="+6281234567890", telegram_chat_id=4242)
COMPLAINT = SimpleNamespace(assignee_id=7, reporter=REPORTER)
FULL = privacy.ReporterView("Siti Aminah", "+6281234567890", 4242, True)
STAFF_MASKED = privacy.ReporterView("S. A.", "+628•••••••890", None, False)


@pytest.mark.parametrize("actor,expected", [
    (Actor(kind="user", id=7, role="officer", agency_id=1), FULL),  # the assigned officer
    (Actor(kind="token", id=3, role="officer", agency_id=1, user_id=7), FULL),  # a token bound to them
    (Actor(kind="user", id=8, role="officer", agency_id=1), STAFF_MASKED),
    (Actor(kind="token", id=3, role="officer", agency_id=1), STAFF_MASKED),  # an unbound token is nobody
    (Actor(kind="user", id=9, role="agency_head", agency_id=1), STAFF_MASKED),
    (Actor(kind="user", id=10, role="official", jurisdiction_id=1), STAFF_MASKED),
    (Actor(kind="user", id=7, role="official", jurisdiction_id=1), STAFF_MASKED),  # the assignee, made an official
    (Actor(kind="user", id=11, role="supervisor", jurisdiction_id=1), FULL),
    (Actor(kind="token", id=4, role="admin"), FULL),
    (Actor(kind="token", id=5, role="partner", user_id=7), privacy.ReporterView(None, "+628•••••••890", None, False)),
    (SYSTEM, FULL),
])
def test_each_reader_sees_the_reporter_as_the_one_rule_says(actor, expected):
    assert privacy.reporter_view(actor, COMPLAINT) == expected


def test_an_anonymous_report_has_no_reporter_to_show_and_short_numbers_are_fully_masked():
    assert privacy.reporter_view(SYSTEM, SimpleNamespace(assignee_id=None, reporter=None)) is None
    assert privacy.mask_phone("12345") == "•••••" and privacy.mask_phone(None) is None
    assert privacy.initials("  pak  budi ") == "P. B." and privacy.initials("") is None


def test_only_status_changes_are_public_and_only_the_handling_note():
    assert privacy.public_event("viewed", {}) is None
    assert privacy.public_event("escalated", {"recipients": ["+62812"]}) is None
    assert privacy.public_event("assigned", {"assignee": {"id": 3, "name": "Agus"}}) is None
    assert privacy.public_event("assigned", {"agency": {"from": None, "to": "bwi-dinsos"}}) == {"agency": "bwi-dinsos"}
    assert privacy.public_event("rejected", {"reason": "spam", "duplicate_of": "BWI-1"}) == {"reason": "spam"}
    assert privacy.public_event("handled", {"evidence": {"photo": "evidence/x.jpg"}}) == {}
    assert privacy.public_note("handled", "Sembako diantar") == "Sembako diantar"
    assert privacy.public_note("acknowledged", "Internal") is None
