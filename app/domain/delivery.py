"""Honest delivery, decided per recipient: an alert reached a person when any message of its chain
(the first channel, then each fallback channel) was delivered to their device; it failed when the
last channel tried died; otherwise it is still on its way. "Nobody reached" is a level's verdict
only when every recipient's chain failed."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DELIVERED, FAILED, WAITING = "delivered", "failed", "waiting"


@dataclass(frozen=True)
class Attempt:
    """One outbox message as delivery sees it."""

    id: int
    status: str  # pending | sending | sent | failed | dead
    delivered_at: datetime | None
    fallback_of: int | None  # the message whose text this one carried by the next channel
    fallback_id: int | None  # the message that carried this one's text on


def attempt_state(attempt: Attempt, delivery_status: str | None = None) -> str:
    """A plain state for one attempt: read, delivered, sent (accepted, no report yet), failed (and
    moved on to the next channel when it has a successor), waiting."""
    if delivery_status == "read":
        return "read"
    if attempt.delivered_at is not None:
        return "delivered"
    if attempt.status == "dead" or (attempt.fallback_id is not None and attempt.status == "sent"):
        return "moved" if attempt.fallback_id is not None else "failed"
    if attempt.status == "sent":
        return "sent"
    if attempt.status == "failed":
        return "retrying"
    return "waiting"


def chains(attempts) -> dict[int, list[Attempt]]:
    """The attempts grouped per recipient: {first message id: [first, fallback, ...]}."""
    by_id = {a.id: a for a in attempts}

    def root(a: Attempt) -> int:
        seen = set()
        while a.fallback_of is not None and a.fallback_of in by_id and a.id not in seen:
            seen.add(a.id)
            a = by_id[a.fallback_of]
        return a.id

    grouped: dict[int, list[Attempt]] = {}
    for a in sorted(by_id.values(), key=lambda a: a.id):
        grouped.setdefault(root(a), []).append(a)
    return grouped


def recipient_result(chain: list[Attempt]) -> str:
    if any(a.delivered_at is not None for a in chain):
        return DELIVERED
    last = chain[-1]
    if last.status == "dead" and last.fallback_id is None:
        return FAILED
    return WAITING


def level_verdict(attempts) -> tuple[bool | None, bool]:
    """(staff_notified, notify_failed) of a breach from its alerts: notified once anyone was reached;
    failed only when no one was and every recipient's last channel died; unknown (None) meanwhile."""
    results = [recipient_result(c) for c in chains(attempts).values()]
    if not results:
        return False, True
    if DELIVERED in results:
        return True, False
    if all(r == FAILED for r in results):
        return False, True
    return None, False
