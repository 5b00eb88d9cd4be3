"""Append-only, hash-chained audit events, and verification of the whole trail."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.domain.audit_chain import GENESIS, event_hash, verify_chain
from app.models import Complaint, Event


def _json_safe(data: dict | None) -> dict:
    import json

    return json.loads(json.dumps(data or {}, default=str))


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
    event = Event(
        complaint_id=complaint.id, seq=seq, kind=kind, at=now, actor=actor_label, note=note, data=clean,
        prev_hash=prev,
        hash=event_hash(ticket=complaint.ticket, seq=seq, kind=kind, at=now, actor=actor_label, note=note,
                        data=clean, prev_hash=prev),
    )
    session.add(event)
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


@dataclass
class Problem:
    ticket: str
    message: str


def verify(session: Session, complaint: Complaint) -> list[Problem]:
    return [Problem(complaint.ticket, m) for m in verify_chain(complaint.ticket, events_of(session, complaint.id))]


def verify_all(session: Session, batch: int = 500) -> list[Problem]:
    """Every complaint whose chain no longer verifies, walking complaints in id batches."""
    problems: list[Problem] = []
    last_id = 0
    while True:
        complaints = list(session.scalars(
            select(Complaint).where(Complaint.id > last_id).order_by(Complaint.id).limit(batch)
        ))
        if not complaints:
            return problems
        ids = [c.id for c in complaints]
        by_complaint: dict[int, list[Event]] = {i: [] for i in ids}
        for ev in session.scalars(select(Event).where(Event.complaint_id.in_(ids)).order_by(Event.complaint_id, Event.seq)):
            by_complaint[ev.complaint_id].append(ev)
        for c in complaints:
            problems.extend(Problem(c.ticket, m) for m in verify_chain(c.ticket, by_complaint[c.id]))
            if not by_complaint[c.id]:
                problems.append(Problem(c.ticket, "no events at all (the trail was deleted)"))
        last_id = ids[-1]


def count_complaints(session: Session) -> int:
    return session.scalar(select(func.count(Complaint.id))) or 0
