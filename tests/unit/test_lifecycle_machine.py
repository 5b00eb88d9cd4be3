"""The state machine of DESIGN.md: legal moves, and every illegal one refused by name."""
import pytest
from hypothesis import given, strategies as st

from app.domain.lifecycle import RULES, STATUSES, IllegalTransitionError, allowed_actions, next_status


@pytest.mark.parametrize("action,status,expected", [
    ("route", "received", "assigned"),
    ("triage", "received", "triage"),
    ("assign", "triage", "assigned"),
    ("assign", "acknowledged", "acknowledged"),
    ("transfer", "acknowledged", "acknowledged"),
    ("acknowledge", "assigned", "acknowledged"),
    ("handle", "assigned", "handled"),
    ("handle", "acknowledged", "handled"),
    ("resolve", "handled", "resolved"),
    ("reopen", "handled", "assigned"),
    ("reopen", "resolved", "assigned"),
    ("close", "resolved", "closed"),
    ("reject", "triage", "rejected"),
    ("reject", "acknowledged", "rejected"),
])
def test_legal_transitions_follow_the_design(action, status, expected):
    assert next_status(action, status) == expected


def test_handling_a_closed_complaint_is_refused_with_both_names():
    with pytest.raises(IllegalTransitionError) as exc:
        next_status("handle", "closed")
    assert "mark as handled" in str(exc.value) and "closed" in str(exc.value)


def test_a_rejected_complaint_accepts_no_action_at_all():
    assert allowed_actions("rejected") == []
    assert allowed_actions("closed") == []


@given(st.sampled_from(sorted(RULES)), st.sampled_from(STATUSES))
def test_every_action_either_moves_to_a_known_status_or_is_refused_by_name(action, status):
    try:
        after = next_status(action, status)
    except IllegalTransitionError as exc:
        assert status not in RULES[action].allowed_from
        assert status in str(exc)
    else:
        assert status in RULES[action].allowed_from
        assert after in STATUSES
