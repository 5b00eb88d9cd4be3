"""Hash chaining: any edit, deletion or reordering of an event is detected."""
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from app.domain.audit_chain import GENESIS, event_hash, verify_chain

T = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)


@dataclass
class Ev:
    seq: int
    kind: str
    at: datetime
    actor: str
    note: str | None
    data: dict
    prev_hash: str
    hash: str


def chain(n=3):
    events, prev = [], GENESIS
    for i in range(1, n + 1):
        fields = dict(seq=i, kind=f"k{i}", at=T + timedelta(minutes=i), actor="system", note=None, data={"i": i})
        h = event_hash(ticket="BWI-2026-000001", prev_hash=prev, **fields)
        events.append(Ev(prev_hash=prev, hash=h, **fields))
        prev = h
    return events


def test_an_untouched_chain_verifies():
    assert verify_chain("BWI-2026-000001", chain()) == []


def test_an_edited_note_is_caught():
    events = chain()
    events[1] = replace(events[1], note="sudah ditangani")
    problems = verify_chain("BWI-2026-000001", events)
    assert any("event 2" in p and "edited" in p for p in problems)


def test_a_deleted_event_is_caught():
    events = chain()
    del events[1]
    assert verify_chain("BWI-2026-000001", events)


def test_moving_an_event_to_another_complaint_breaks_it():
    assert verify_chain("BWI-2026-000002", chain())


def keyed_chain(key: bytes, n=3):
    events, prev = [], GENESIS
    for i in range(1, n + 1):
        fields = dict(seq=i, kind=f"k{i}", at=T + timedelta(minutes=i), actor="system", note=None, data={"i": i})
        h = event_hash(ticket="BWI-2026-000001", prev_hash=prev, key=key, **fields)
        events.append(Ev(prev_hash=prev, hash=h, **fields))
        prev = h
    return events


def test_a_keyed_chain_verifies_only_under_its_key():
    events = keyed_chain(b"the regency's key")
    assert verify_chain("BWI-2026-000001", events, b"the regency's key") == []
    assert verify_chain("BWI-2026-000001", events, b"a guessed key")
    assert verify_chain("BWI-2026-000001", events)  # nor as an unkeyed chain


def test_the_head_seal_catches_a_tail_cut_off_and_the_head_rewritten():
    from app.domain.audit_chain import head_seal, verify_head

    key = b"the regency's key"
    events = keyed_chain(key)
    seal = head_seal(key, "BWI-2026-000001", 3, events[-1].hash)
    assert verify_head("BWI-2026-000001", events, 3, seal, key) == []
    assert "deleted at the end" in verify_head("BWI-2026-000001", events[:2], 3, seal, key)[0]
    assert "seal does not match" in verify_head("BWI-2026-000001", events[:2], 2, seal, key)[0]
