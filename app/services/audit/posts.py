"""The trail of an accountable post: who was named, whose tenure closed, by whom, hash-chained (keyed) per
post exactly as a complaint's events are (the post's key stands where a ticket number does)."""
from __future__ import annotations

import hmac
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.domain.audit_chain import GENESIS, event_hash, head_seal, rechain, verify_chain
from app.models.post import Post, PostEvent, PostHolder
from app.services.audit.keys import key_of


def record_post_event(session: Session, post: Post, kind: str, now: datetime, actor: Actor | str,
                      note: str | None = None, data: dict | None = None) -> PostEvent:
    """Append an event to the post's chain, in the caller's transaction (flushes, never commits)."""
    if post.id is None:
        session.flush()
    last = session.execute(select(PostEvent.seq, PostEvent.hash).where(PostEvent.post_id == post.id)
                           .order_by(PostEvent.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    key = key_of(session)
    label = actor if isinstance(actor, str) else actor.label
    clean = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in (data or {}).items()}
    event = PostEvent(post_id=post.id, seq=seq, kind=kind, at=now, actor=label, note=note, data=clean,
                      prev_hash=prev, hash=event_hash(ticket=post.key, seq=seq, kind=kind, at=now, actor=label,
                                                      note=note, data=clean, prev_hash=prev, key=key))
    session.add(event)
    # The head goes with the post row, in the same flush.
    post.audit_seq = seq
    post.audit_seal = head_seal(key, post.key, seq, event.hash)
    session.flush()
    return event


def post_events(session: Session, post: Post) -> list[PostEvent]:
    return list(session.scalars(select(PostEvent).where(PostEvent.post_id == post.id).order_by(PostEvent.seq)))


def verify_post(session: Session, post: Post) -> list[str]:
    """Problems in one post's chain and its head; empty when they hold."""
    events, key = post_events(session, post), key_of(session)
    return verify_chain(post.key, events, key=key) + head_problems(post.key, events, post.audit_seq or 0,
                                                                   post.audit_seal, key)


# Holders recorded when tenures began (migration 0014 made today's heads holders without an event).
MIGRATED_BY = "migration 0014"


def _when(text) -> datetime | None:
    if not text:
        return None
    parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _text(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def replay_holders(events: list) -> dict[int, dict]:
    """{holder id: user_id, name, from, until} as the post's trail records them."""
    holders: dict[int, dict] = {}
    for ev in events:
        data = ev.data or {}
        ident = data.get("holder_id")
        if ident is None:
            continue
        if ev.kind == "holder_named":
            holders[ident] = {"user_id": data.get("user_id"), "name": data.get("name"), "from": _when(data.get("from")),
                              "until": None}
        elif ev.kind == "tenure_closed":
            entry = holders.setdefault(ident, {"user_id": data.get("user_id"), "name": data.get("name"),
                                               "from": _when(data.get("from")), "migrated": True})
            entry["until"] = _when(data.get("until"))
    return holders


def holder_problems(key: str, holders: list[PostHolder], events: list) -> list[str]:
    """Each tenure row that differs from the post's trail (who, from, until), each tenure the trail
    records that is gone, and each tenure no event names (except the one migration 0014 recorded
    before any other: the head when tenures began)."""
    expected = replay_holders(events)
    problems: list[str] = []
    for holder in sorted(holders, key=lambda h: (h.from_at, h.id)):
        label = f"holder {holder.name}"
        trail = expected.pop(holder.id, None)
        if trail is None:
            migrated = (key.startswith("agency_head:") and holder.assigned_by == MIGRATED_BY
                        and holder.until_at is None and not events)
            if not migrated:
                problems.append(f"{label} (from {_text(holder.from_at)}) is on no event of the post's trail")
            continue
        for field, row_value, chain_value in (("user_id", holder.user_id, trail["user_id"]),
                                              ("from", holder.from_at, trail["from"]),
                                              ("until", holder.until_at, trail["until"])):
            if field == "user_id" and trail.get("migrated") and chain_value is None:
                continue
            if row_value != chain_value:
                problems.append(f"{label} {field}: row {_text(row_value)}, chain {_text(chain_value)}")
        if trail.get("migrated") and holder.assigned_by != MIGRATED_BY:
            problems.append(f"{label} closed on the trail but never named on it")
    for ident, trail in expected.items():
        problems.append(f"holder {trail['name']} (from {_text(trail['from'])}) is on the trail but not in post_holders")
    return problems


def head_problems(key: str, events: list, head_seq: int, seal: str | None, secret: bytes) -> list[str]:
    """The trail against the head kept on the post: events deleted at the end (with the tenures they
    recorded), or a head rewritten to fit a shortened trail."""
    count = len(events)
    last = events[-1].seq if events else 0
    if head_seq != last:
        gone = f" ({head_seq - count} event(s) deleted at the end)" if head_seq > count else ""
        return [f"trail head event count: row {head_seq}, chain {count}{gone}"]
    if not events:
        return []
    if seal is None:
        return ["trail head seal: none (not sealed; the post's next event seals it)"]
    if not hmac.compare_digest(seal, head_seal(secret, key, count, events[-1].hash)):
        return ["trail head seal: does not match its last event (the head or the tail was rewritten)"]
    return []


def against_problems(head, key: str, events: list, secret: bytes) -> list[str]:
    """The post's trail must still pass through the head a checkpoint recorded."""
    if head.key != key:
        return [f"checkpoint names this post {head.key}, the database calls it {key}"]
    if len(events) < head.seq:
        return [f"checkpoint recorded {head.seq} events, the trail now has {len(events)}: changed since the checkpoint"]
    if head.seq and (head.seal is None or not hmac.compare_digest(
            head.seal, head_seal(secret, key, head.seq, events[head.seq - 1].hash))):
        return [f"the trail no longer reaches the head the checkpoint recorded (event {head.seq}): "
                "changed since the checkpoint"]
    return []


def iter_post_problems(session: Session, against=None):
    """(post key, message) for every post whose chain, head or tenures do not hold; with `against`,
    the post heads of a checkpoint (PostHead) the trail no longer reaches as well."""
    key = key_of(session)
    events: dict[int, list] = {}
    for ev in session.scalars(select(PostEvent).order_by(PostEvent.post_id, PostEvent.seq)):
        events.setdefault(ev.post_id, []).append(ev)
    holders: dict[int, list] = {}
    for holder in session.scalars(select(PostHolder)):
        holders.setdefault(holder.post_id, []).append(holder)
    posts = {row.id: row for row in session.execute(select(Post.id, Post.key, Post.audit_seq, Post.audit_seal))}
    marks = {h.post_id: h for h in (against or ())}
    for post_id in sorted(set(events) | set(holders) | {i for i, p in posts.items() if p.audit_seq} | set(marks)):
        post = posts.get(post_id)
        mark = marks.get(post_id)
        if post is None and mark is not None:
            yield mark.key, "in the checkpoint but no longer in the database (deleted)"
        if post is None and post_id not in events and post_id not in holders:
            continue
        name = post.key if post is not None else f"post id {post_id}"
        chain = events.get(post_id, [])
        messages = verify_chain(name, chain, key=key)
        if post is not None:
            messages += head_problems(name, chain, post.audit_seq or 0, post.audit_seal, key)
        messages += holder_problems(name, holders.get(post_id, []), chain)
        if post is not None and mark is not None:
            messages += against_problems(mark, name, chain, key)
        for message in messages:
            yield name, message


def rekey_posts(session: Session, key: bytes, old: bytes | None) -> tuple[int, int, list[tuple[str, str]]]:
    """Re-hash with `key` every post trail (events and head) that holds under `old`, the key being
    rotated out: post trails are keyed from their first event, so only a rotation moves them. A trail
    that holds under neither is left as it is and listed (keying it would launder the tampering).
    Returns (rekeyed, already under `key`, [(post key, problem)]); flushes, never commits."""
    events: dict[int, list] = {}
    for ev in session.scalars(select(PostEvent).order_by(PostEvent.post_id, PostEvent.seq).with_for_update()):
        events.setdefault(ev.post_id, []).append(ev)
    rekeyed, already, refused = 0, 0, []
    for post in session.scalars(select(Post).where(Post.id.in_(list(events))).order_by(Post.id).with_for_update()):
        chain = events[post.id]
        if not verify_chain(post.key, chain, key=key) and \
                not head_problems(post.key, chain, post.audit_seq or 0, post.audit_seal, key):
            already += 1
            continue
        if old is None:
            refused.append((post.key, "does not verify under the current key (give the previous key in "
                                      "SIGAP_AUDIT_PREVIOUS_KEY to rotate)"))
            continue
        problems = verify_chain(post.key, chain, key=old) + head_problems(post.key, chain, post.audit_seq or 0,
                                                                          post.audit_seal, old)
        if problems:
            refused += [(post.key, problem) for problem in problems]
            continue
        rows, prev = rechain(post.key, chain, key)
        session.execute(update(PostEvent), rows)
        session.execute(update(Post).where(Post.id == post.id).values(
            audit_seq=len(chain), audit_seal=head_seal(key, post.key, len(chain), prev))
            .execution_options(synchronize_session=False))
        rekeyed += 1
    session.flush()
    return rekeyed, already, refused
