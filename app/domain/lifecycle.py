"""The complaint state machine of DESIGN.md: which action is legal from which status."""
from __future__ import annotations

from dataclasses import dataclass

OPEN = frozenset({"received", "triage", "assigned", "acknowledged"})
STATUSES = ("received", "triage", "assigned", "acknowledged", "handled", "resolved", "closed", "rejected")
REJECT_REASONS = ("spam", "duplicate", "out_of_scope")


@dataclass(frozen=True)
class Rule:
    allowed_from: frozenset[str]
    # Target status; None keeps the current one (e.g. reassigning an acknowledged complaint).
    to: str | None


RULES: dict[str, Rule] = {
    "route": Rule(frozenset({"received"}), "assigned"),
    "triage": Rule(frozenset({"received"}), "triage"),
    "assign": Rule(frozenset({"triage", "assigned", "acknowledged"}), None),
    "transfer": Rule(frozenset({"triage", "assigned", "acknowledged"}), None),
    "acknowledge": Rule(frozenset({"assigned"}), "acknowledged"),
    "handle": Rule(frozenset({"assigned", "acknowledged"}), "handled"),
    "resolve": Rule(frozenset({"handled"}), "resolved"),
    "reopen": Rule(frozenset({"handled", "resolved"}), "assigned"),
    "close": Rule(frozenset({"handled", "resolved"}), "closed"),
    "reject": Rule(OPEN, "rejected"),
    "link_repeat": Rule(OPEN, None),
}

# What an action's name reads as in an error message.
VERBS = {
    "route": "route", "triage": "send to triage", "assign": "assign", "transfer": "transfer",
    "acknowledge": "acknowledge", "handle": "mark as handled", "resolve": "resolve", "reopen": "reopen",
    "close": "close", "reject": "reject", "link_repeat": "link as a repeat",
}


class IllegalTransitionError(Exception):
    def __init__(self, action: str, status: str):
        self.action, self.status = action, status
        allowed = ", ".join(sorted(RULES[action].allowed_from)) if action in RULES else "-"
        super().__init__(
            f"cannot {VERBS.get(action, action)} a complaint that is {status} (allowed from: {allowed})"
        )


def next_status(action: str, status: str) -> str:
    """The status after `action`, or IllegalTransitionError naming the action and status."""
    rule = RULES.get(action)
    if rule is None:
        raise ValueError(f"unknown action {action!r}")
    if status not in rule.allowed_from:
        raise IllegalTransitionError(action, status)
    if rule.to is not None:
        return rule.to
    if action in ("assign", "transfer") and status == "triage":
        return "assigned"
    return status


def allowed_actions(status: str) -> list[str]:
    return [name for name, rule in RULES.items() if status in rule.allowed_from and name not in ("route", "triage")]
