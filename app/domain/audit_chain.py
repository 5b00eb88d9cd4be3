"""Hash chaining of audit events: each event's hash covers its content and the previous hash."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

GENESIS = "0" * 64


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def event_hash(*, ticket: str, seq: int, kind: str, at: datetime, actor: str, note: str | None,
               data: dict | None, prev_hash: str) -> str:
    payload = json.dumps(
        {"ticket": ticket, "seq": seq, "kind": kind, "at": _iso(at), "actor": actor,
         "note": note, "data": data or {}, "prev": prev_hash},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def verify_chain(ticket: str, events: list) -> list[str]:
    """Problems found in one complaint's events (ordered by seq); empty when the chain holds."""
    problems: list[str] = []
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            problems.append(f"event {ev.seq}: expected sequence number {expected_seq} (an event is missing)")
        if ev.prev_hash != prev:
            problems.append(f"event {ev.seq}: previous-hash link broken")
        actual = event_hash(ticket=ticket, seq=ev.seq, kind=ev.kind, at=ev.at, actor=ev.actor,
                            note=ev.note, data=ev.data, prev_hash=ev.prev_hash)
        if actual != ev.hash:
            problems.append(f"event {ev.seq} ({ev.kind}): content does not match its hash (edited)")
        prev = ev.hash
    return problems
