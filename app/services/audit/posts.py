"""The trail of an accountable post: who was named, whose tenure closed, by whom, hash-chained (keyed) per
post exactly as a complaint's events are (the post's key stands where a ticket number does)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.domain.audit_chain import GENESIS, event_hash, verify_chain
from app.models.post import Post, PostEvent
from app.services.audit.keys import key_of


def record_post_event(session: Session, post: Post, kind: str, now: datetime, actor: Actor | str,
                      note: str | None = None, data: dict | None = None) -> PostEvent:
    """Append an event to the post's chain, in the caller's transaction (flushes, never commits)."""
    if post.id is None:
        session.flush()
    last = session.execute(select(PostEvent.seq, PostEvent.hash).where(PostEvent.post_id == post.id)
                           .order_by(PostEvent.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    label = actor if isinstance(actor, str) else actor.label
    clean = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in (data or {}).items()}
    event = PostEvent(post_id=post.id, seq=seq, kind=kind, at=now, actor=label, note=note, data=clean,
                      prev_hash=prev, hash=event_hash(ticket=post.key, seq=seq, kind=kind, at=now, actor=label,
                                                      note=note, data=clean, prev_hash=prev, key=key_of(session)))
    session.add(event)
    session.flush()
    return event


def post_events(session: Session, post: Post) -> list[PostEvent]:
    return list(session.scalars(select(PostEvent).where(PostEvent.post_id == post.id).order_by(PostEvent.seq)))


def verify_post(session: Session, post: Post) -> list[str]:
    """Problems in one post's chain; empty when it holds."""
    return verify_chain(post.key, post_events(session, post), key=key_of(session))
