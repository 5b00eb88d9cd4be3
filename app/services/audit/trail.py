"""Append-only, hash-chained audit events, and verification of the whole trail."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.actor import SYSTEM, Actor
from app.domain.audit_chain import GENESIS, event_hash, head_seal
from app.models import Complaint, Event
from app.services.audit.keys import key_of


_SCALARS = (str, int, bool, type(None))


def _json_safe(data: dict | None) -> dict:
    """`data` as it reads back from JSON (keys text, values JSON's own; anything else as its str).
    A flat dict of text keys and text, whole-number, boolean or null values already is: a copy, without
    the round trip through json (most events' data, every event intake writes)."""
    if not data:
        return {}
    if all(type(k) is str and type(v) in _SCALARS for k, v in data.items()):
        return dict(data)
    import json

    return json.loads(json.dumps(data, default=str))


def record(session: Session, complaint: Complaint, kind: str, now: datetime, actor: Actor | str,
           note: str | None = None, data: dict | None = None, *, flush: bool = True) -> Event:
    """Append an event to the complaint's chain (in the caller's transaction; no commit).
    flush=False leaves the INSERT to the next flush, so that several events go in one statement."""
    if complaint.id is None:
        session.flush()
    tails = _tails(session)
    if complaint.id in tails:
        seq, prev = tails[complaint.id]
    else:
        last = session.execute(
            select(Event.seq, Event.hash).where(Event.complaint_id == complaint.id).order_by(Event.seq.desc()).limit(1)
        ).first()
        seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    actor_label = actor if isinstance(actor, str) else actor.label
    clean = _json_safe(data)
    # A chain written before keys (no seal yet) stays unkeyed until `audit rekey` converts it whole.
    key = None if (seq > 1 and complaint.audit_seal is None) else key_of(session)
    event = Event(
        complaint_id=complaint.id, seq=seq, kind=kind, at=now, actor=actor_label, note=note, data=clean,
        prev_hash=prev,
        hash=event_hash(ticket=complaint.ticket, seq=seq, kind=kind, at=now, actor=actor_label, note=note,
                        data=clean, prev_hash=prev, key=key),
    )
    session.add(event)
    # The head goes with the complaint row (the INSERT at intake, the action's UPDATE otherwise).
    complaint.audit_seq = seq
    complaint.audit_seal = None if key is None else head_seal(key, complaint.ticket, seq, event.hash)
    if flush:
        session.flush()
    tails[complaint.id] = (seq + 1, event.hash)
    return event


def _tails(session: Session) -> dict[int, tuple[int, str]]:
    """The chain's next (seq, prev_hash) per complaint, known within the current transaction only
    (another transaction may append once ours ends)."""
    transaction = session.get_transaction()
    cached = session.info.get("audit_tails")
    if cached is None or cached[0] is not transaction:
        cached = (transaction, {})
        session.info["audit_tails"] = cached
    return cached[1]


def start_chain(session: Session, complaint: Complaint) -> None:
    """A complaint inserted in this transaction has no events yet: its first needs no look-up."""
    _tails(session)[complaint.id] = (1, GENESIS)


def record_view(session: Session, complaint: Complaint, now: datetime, actor: Actor) -> bool:
    """Records that a staff user opened the complaint ("viewed", actor the user), at most once per
    user and complaint within an hour so reloading does not flood the trail. Commits when it
    records; returns whether it did."""
    recent = select(Event.id).where(Event.complaint_id == complaint.id, Event.kind == "viewed",
                                    Event.actor == actor.label, Event.at > now - timedelta(hours=1)).limit(1)
    if session.scalar(recent) is not None:
        return False
    try:
        # The row lock orders this append after any action being written on the complaint (PostgreSQL).
        session.execute(select(Complaint.id).where(Complaint.id == complaint.id).with_for_update())
        if session.scalar(recent) is not None:
            session.rollback()
            return False
        record(session, complaint, "viewed", now, actor)
        session.commit()
    except IntegrityError:  # another request appended the same seq first: that view is not worth a retry
        session.rollback()
        return False
    return True


def events_of(session: Session, complaint_id: int) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.complaint_id == complaint_id).order_by(Event.seq)))


def record_breach_met(session: Session, complaint: Complaint, breach, now: datetime) -> Event:
    """The deadline a breach records was finally met: when, and how many minutes late (the figures
    of the breach row, kept in the trail)."""
    return record(session, complaint, "breach_met", now, SYSTEM, data={
        "breach_id": breach.id, "kind": breach.kind, "due_at": breach.due_at.isoformat(),
        "met_at": now.isoformat(), "minutes_late": breach.minutes_late})
