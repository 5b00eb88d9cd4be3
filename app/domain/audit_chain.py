"""Hash chaining of audit events: each event's hash covers its content and the previous hash.

Hashes are HMAC-SHA256 under a key held outside the database (SIGAP_AUDIT_KEY), so that someone
who can only write to the database cannot rebuild a chain after editing it. `key=None` is the
unkeyed SHA-256 of chains written before keys existed ("legacy"; `audit rekey` converts them).
The head seal (HMAC over ticket, event count and last hash) is kept on the complaint so that a
deleted tail is caught even when the rest of the chain is rebuilt around it."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone

GENESIS = "0" * 64


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


# One encoder for every payload (json.dumps would build one per call); the same bytes as
# json.dumps(..., sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_KEYED: dict[bytes, "hmac.HMAC"] = {}


def _keyed(key: bytes):
    """A fresh HMAC-SHA256 under `key`, copied from one set up once per key."""
    base = _KEYED.get(key)
    if base is None:
        if len(_KEYED) > 8:
            _KEYED.clear()
        base = _KEYED[key] = hmac.new(key, digestmod=hashlib.sha256)
    return base.copy()


def event_hash(*, ticket: str, seq: int, kind: str, at: datetime, actor: str, note: str | None,
               data: dict | None, prev_hash: str, key: bytes | None = None) -> str:
    payload = _ENCODER.encode(
        {"ticket": ticket, "seq": seq, "kind": kind, "at": _iso(at), "actor": actor,
         "note": note, "data": data or {}, "prev": prev_hash},
    ).encode("utf-8")
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    mac = _keyed(key)
    mac.update(payload)
    return mac.hexdigest()


def head_seal(key: bytes, ticket: str, seq: int, last_hash: str) -> str:
    """The keyed seal of a chain's head: `seq` events ending in `last_hash`."""
    return hmac.new(key, f"head|{ticket}|{seq}|{last_hash}".encode("utf-8"), hashlib.sha256).hexdigest()


def rechain(ticket: str, events: list, key: bytes) -> tuple[list[dict], str]:
    """The chain's links hashed anew with `key` (events ordered by seq): one {"id", "prev_hash",
    "hash"} per event, for an UPDATE of their rows, and the last hash, for the head's seal."""
    prev, links = GENESIS, []
    for ev in events:
        digest = event_hash(ticket=ticket, seq=ev.seq, kind=ev.kind, at=ev.at, actor=ev.actor, note=ev.note,
                            data=ev.data, prev_hash=prev, key=key)
        links.append({"id": ev.id, "prev_hash": prev, "hash": digest})
        prev = digest
    return links, prev


def verify_chain(ticket: str, events: list, key: bytes | None = None) -> list[str]:
    """Problems found in one complaint's events (ordered by seq); empty when the chain holds."""
    problems: list[str] = []
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            problems.append(f"event {ev.seq}: expected sequence number {expected_seq} (an event is missing)")
        if ev.prev_hash != prev:
            problems.append(f"event {ev.seq}: previous-hash link broken")
        actual = event_hash(ticket=ticket, seq=ev.seq, kind=ev.kind, at=ev.at, actor=ev.actor,
                            note=ev.note, data=ev.data, prev_hash=ev.prev_hash, key=key)
        if not hmac.compare_digest(actual, ev.hash or ""):
            problems.append(f"event {ev.seq} ({ev.kind}): content does not match its hash "
                            "(edited, or rebuilt without the audit key)")
        prev = ev.hash
    return problems


def verify_head(ticket: str, events: list, head_seq: int | None, seal: str | None, key: bytes) -> list[str]:
    """Problems with the chain's head as kept on the complaint: events missing at the end, or a
    head rewritten to fit a shortened chain."""
    count = len(events)
    last = events[-1].hash if events else GENESIS
    if head_seq is not None and head_seq != (events[-1].seq if events else 0):
        if head_seq > count:
            return [f"chain head records {head_seq} events, the chain has {count}: "
                    f"{head_seq - count} event(s) deleted at the end"]
        return [f"chain head records {head_seq} events, the chain has {count}"]
    if seal is None:
        return [] if count == 0 else ["chain is not keyed (run `flask --app wsgi audit rekey`)"]
    if not hmac.compare_digest(seal, head_seal(key, ticket, count, last)):
        return ["chain head seal does not match its last event (the head or the tail was rewritten)"]
    return []
