"""Verification of the whole trail: each complaint's chain (keyed hashes, links, head), its complaint
row's facts and its breach rows recomputed from the chain, and optionally the chain heads of a
published checkpoint. Streams the complaints in id batches (keyset), reading plain rows, so that a
million complaints take minutes and memory stays flat; also `rekey`, which keys old chains."""
from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from sqlalchemy import DateTime, func, select, type_coerce, update
from sqlalchemy.orm import Session

from app.domain.audit_chain import head_seal, rechain, verify_chain, verify_head
from app.domain.audit_facts import compare, replay
from app.models.base import UtcDateTime
from app.models import Agency, Breach, Category, Complaint, District, Event, User
from app.services.audit.checkpoint import Checkpoint, Head
from app.services.audit.keys import key_of
from app.services.audit.posts import rekey_posts

COMPLAINT_COLUMNS = (
    Complaint.id, Complaint.ticket, Complaint.status, Complaint.received_at, Complaint.ack_due_at,
    Complaint.handle_due_at, Complaint.triage_due_at, Complaint.acknowledged_at, Complaint.handled_at,
    Complaint.resolved_at, Complaint.closed_at, Complaint.rejected_at, Complaint.reject_reason,
    Complaint.agency_id, Complaint.category_id, Complaint.district_id, Complaint.sla_policy_id,
    Complaint.reopened_count, Complaint.ack_breached, Complaint.handle_breached, Complaint.audit_seq,
    Complaint.audit_seal, Complaint.repeat_of_id, Complaint.duplicate_of_id,
)
EVENT_COLUMNS = (Event.id, Event.complaint_id, Event.seq, Event.kind, Event.at, Event.actor, Event.note,
                 Event.data, Event.prev_hash, Event.hash)
BREACH_COLUMNS = (Breach.complaint_id, Breach.kind, Breach.agency_id, Breach.official_id, Breach.due_at,
                  Breach.detected_at, Breach.met_at, Breach.minutes_late)


@dataclass(frozen=True)
class Problem:
    ticket: str
    message: str

    def __str__(self) -> str:
        return f"{self.ticket} {self.message}"


@dataclass
class Progress:
    done: int
    total: int
    seconds: float


def _text(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, datetime):
        value = value.astimezone(timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M:%S UTC" if value.second or value.microsecond else "%Y-%m-%d %H:%M UTC")
    return str(value)


def _references(session: Session) -> dict[str, dict[int, str]]:
    return {
        "agency": dict(session.execute(select(Agency.id, Agency.code)).all()),
        "category": dict(session.execute(select(Category.id, Category.code)).all()),
        "district": dict(session.execute(select(District.id, District.code)).all()),
        "user": dict(session.execute(select(User.id, User.username)).all()),
    }


def _named(refs: dict, field: str, value):
    """An id the chain recorded, by the code (or username) a reader knows it by."""
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    kind = field.rsplit(" ", 1)[-1]
    table = {"agency": "agency", "category": "category", "district": "district", "official_id": "user"}.get(kind)
    if table is None:
        return value
    return refs.get(table, {}).get(value, f"id {value}")


def _ref(refs: dict, name: str, ident: int | None):
    return None if ident is None else {"id": ident, "code": refs[name].get(ident)}


def _linked_tickets(connection, complaints) -> dict[int, str]:
    """Tickets of the complaints these ones repeat or duplicate (a repeat is left out of figures)."""
    ids = {i for c in complaints for i in (c.repeat_of_id, c.duplicate_of_id) if i is not None}
    if not ids:
        return {}
    return dict(connection.execute(select(Complaint.id, Complaint.ticket).where(Complaint.id.in_(ids))).all())


def _row_facts(c, refs, linked: dict[int, str] | None = None) -> dict:
    row = {name: getattr(c, name) for name in (
        "status", "received_at", "ack_due_at", "handle_due_at", "triage_due_at", "acknowledged_at", "handled_at",
        "resolved_at", "closed_at", "rejected_at", "reject_reason", "sla_policy_id", "reopened_count",
        "ack_breached", "handle_breached")}
    row.update(agency=_ref(refs, "agency", c.agency_id), category=_ref(refs, "category", c.category_id),
               district=_ref(refs, "district", c.district_id))
    linked = linked or {}
    for name, ident in (("repeat_of", c.repeat_of_id), ("duplicate_of", c.duplicate_of_id)):
        row[name] = None if ident is None else linked.get(ident, f"complaint id {ident}")
    return row


def _differences(ticket: str, row: dict, breaches: list[dict], events: list, refs: dict | None = None) -> list[Problem]:
    problems = []
    for diff in compare(row, breaches, replay(events)):
        if refs:
            diff = replace(diff, row=_named(refs, diff.field, diff.row), chain=_named(refs, diff.field, diff.chain))
        if diff.row == "missing":
            problems.append(Problem(ticket, f"{diff.field} missing (the chain records it, {diff.chain})"))
        elif diff.chain == "not in the chain":
            problems.append(Problem(ticket, f"{diff.field} ({diff.row}) not in the chain"))
        else:
            problems.append(Problem(ticket, f"{diff.field}: row {_text(diff.row)}, chain {_text(diff.chain)}"))
    return problems


def check_complaint(ticket: str, row: dict, breaches: list[dict], events: list, head_seq: int | None,
                    seal: str | None, key: bytes, refs: dict | None = None) -> list[Problem]:
    """Everything wrong with one complaint: its chain, its head, its facts against the chain (ids
    named by their codes and usernames from `refs`)."""
    legacy = seal is None and bool(events)
    problems = [Problem(ticket, m) for m in verify_chain(ticket, events, None if legacy else key)]
    problems += [Problem(ticket, m) for m in verify_head(ticket, events, head_seq, seal, key)]
    if not events:
        problems.append(Problem(ticket, "no events at all (the trail was deleted)"))
        return problems
    return problems + _differences(ticket, row, breaches, events, refs)


def _raw_times(columns, dialect: str) -> tuple:
    """PostgreSQL hands back aware datetimes already: read them without UtcDateTime's per-value
    conversion (a tenth of the walk; every comparison and hash here is time-zone aware)."""
    if dialect != "postgresql":
        return columns
    return tuple(type_coerce(c, DateTime(timezone=True)).label(c.key) if isinstance(c.type, UtcDateTime) else c
                 for c in columns)


def iter_problems(session: Session, *, batch: int = 2000, against: Iterable[Head] | None = None,
                  progress: Callable[[Progress], None] | None = None, after_id: int = 0,
                  up_to_id: int | None = None) -> Iterator[Problem]:
    """Every problem in the trail, complaint by complaint in id order; with `against`, the heads of a
    checkpoint (in complaint id order) whose chain no longer reaches them as well. `after_id` and
    `up_to_id` limit it to complaints with after_id < id <= up_to_id (and the heads to that range)."""
    key = key_of(session)
    refs = _references(session)
    dialect = session.get_bind().dialect.name
    complaint_columns, event_columns, breach_columns = (_raw_times(c, dialect) for c in (
        COMPLAINT_COLUMNS, EVENT_COLUMNS, BREACH_COLUMNS))
    in_range = [Complaint.id > after_id] + ([Complaint.id <= up_to_id] if up_to_id is not None else [])
    total = session.scalar(select(func.count(Complaint.id)).where(*in_range)) or 0
    heads = iter(h for h in (against or ()) if h.complaint_id > after_id
                 and (up_to_id is None or h.complaint_id <= up_to_id))
    pending: Head | None = next(heads, None)
    started = time.monotonic()
    done = 0
    last_id = after_id
    while True:
        # Core rows on the session's connection: the ORM's result handling would cost a third more.
        connection = session.connection()
        complaints = connection.execute(
            select(*complaint_columns).where(Complaint.id > last_id, *in_range[1:]).order_by(Complaint.id)
            .limit(batch)).all()
        if not complaints:
            break
        low, high = last_id, complaints[-1].id
        events: dict[int, list] = {}
        # Fetched whole (one fetchall, not a fetchone per row: a tenth of the walk at 10 events a complaint).
        for ev in connection.execute(select(*event_columns).where(Event.complaint_id > low,
                                                                  Event.complaint_id <= high)
                                     .order_by(Event.complaint_id, Event.seq)).all():
            events.setdefault(ev.complaint_id, []).append(ev)
        breaches: dict[int, list[dict]] = {}
        for b in connection.execute(select(*breach_columns).where(Breach.complaint_id > low,
                                                                  Breach.complaint_id <= high)).all():
            row = b._asdict()
            row["agency"] = _ref(refs, "agency", b.agency_id)
            breaches.setdefault(b.complaint_id, []).append(row)
        linked = _linked_tickets(connection, complaints)
        for c in complaints:
            while pending is not None and pending.complaint_id < c.id:
                yield Problem(pending.ticket, "in the checkpoint but no longer in the database (deleted)")
                pending = next(heads, None)
            chain = events.get(c.id, [])
            yield from check_complaint(c.ticket, _row_facts(c, refs, linked), breaches.get(c.id, []), chain,
                                       c.audit_seq, c.audit_seal, key, refs)
            if pending is not None and pending.complaint_id == c.id:
                yield from _against(pending, c.ticket, chain, key)
                pending = next(heads, None)
        done += len(complaints)
        last_id = high
        session.commit()  # nothing held between batches (no long snapshot; on SQLite the write lock)
        if progress is not None:
            progress(Progress(done, max(total, done), time.monotonic() - started))
    while pending is not None:
        yield Problem(pending.ticket, "in the checkpoint but no longer in the database (deleted)")
        pending = next(heads, None)


def _against(head: Head, ticket: str, chain: list, key: bytes) -> list[Problem]:
    """The chain must still pass through the head the checkpoint recorded."""
    if head.ticket != ticket:
        return [Problem(head.ticket, f"checkpoint names this complaint, the database calls it {ticket}")]
    if len(chain) < head.seq:
        return [Problem(ticket, f"checkpoint recorded {head.seq} events, the chain now has {len(chain)}: "
                                "changed since the checkpoint")]
    if head.seal is None:
        return []
    if not hmac.compare_digest(head.seal, head_seal(key, ticket, head.seq, chain[head.seq - 1].hash)):
        return [Problem(ticket, f"the chain no longer reaches the head the checkpoint recorded (event {head.seq}): "
                                "changed since the checkpoint")]
    return []


# Inherited by the forked workers (neither pickles): the sessionmaker, and a shared counter of the
# complaints verified.
_MAKER = None
_DONE = None


def _verify_range(after_id: int, up_to_id: int, batch: int, against_path: str | None) -> list[Problem]:
    maker = _MAKER
    maker.kw["bind"].dispose(close=False)  # a forked worker opens connections of its own
    counted = [0]

    def tally(p: Progress) -> None:
        with _DONE.get_lock():
            _DONE.value += p.done - counted[0]
        counted[0] = p.done

    heads = Checkpoint(against_path).heads() if against_path else None
    with maker() as session:
        return list(iter_problems(session, batch=batch, against=heads, progress=tally, after_id=after_id,
                                  up_to_id=up_to_id))


def verify_parallel(maker, jobs: int, *, batch: int = 2000, against_path: str | None = None,
                    progress: Callable[[Progress], None] | None = None) -> list[Problem]:
    """iter_problems over `jobs` forked processes, each taking one contiguous range of complaint ids
    (PostgreSQL: the work is Python hashing and replaying, so it scales with the cores). Returns the
    problems in complaint id order."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    global _DONE, _MAKER
    with maker() as session:
        low, high = session.execute(select(func.min(Complaint.id), func.max(Complaint.id))).one()
        total = count_complaints(session)
    if low is None:
        low = high = 0
    step = max((high - low + 1) // jobs + 1, 1)
    bounds = [(low - 1 + i * step, min(low - 1 + (i + 1) * step, high)) for i in range(jobs)]
    bounds[0] = (0, bounds[0][1])  # heads of complaints deleted below the lowest id left
    bounds[-1] = (bounds[-1][0], None)  # complaints filed while it runs, and heads past the end
    context = multiprocessing.get_context("fork")
    _DONE, _MAKER = context.Value("q", 0), maker
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(_verify_range, a, b, batch, against_path) for a, b in bounds]
        waiting = set(futures)
        while waiting:
            _done, waiting = wait(waiting, timeout=5, return_when=FIRST_COMPLETED)
            if progress is not None:
                progress(Progress(_DONE.value, max(total, _DONE.value), time.monotonic() - started))
        return [p for f in futures for p in f.result()]


def verify(session: Session, complaint: Complaint) -> list[Problem]:
    """Problems of one complaint (its chain, head, facts and breaches)."""
    c = session.execute(select(*COMPLAINT_COLUMNS).where(Complaint.id == complaint.id)).one()
    events = session.execute(select(*EVENT_COLUMNS).where(Event.complaint_id == complaint.id)
                             .order_by(Event.seq)).all()
    refs = _references(session)
    breaches = []
    for b in session.execute(select(*BREACH_COLUMNS).where(Breach.complaint_id == complaint.id)):
        row = b._asdict()
        row["agency"] = _ref(refs, "agency", b.agency_id)
        breaches.append(row)
    return check_complaint(c.ticket, _row_facts(c, refs, _linked_tickets(session.connection(), [c])), breaches,
                           events, c.audit_seq, c.audit_seal, key_of(session), refs)


def verify_all(session: Session, batch: int = 2000) -> list[Problem]:
    return list(iter_problems(session, batch=batch))


def count_complaints(session: Session) -> int:
    return session.scalar(select(func.count(Complaint.id))) or 0


# ---- keying old chains -------------------------------------------------------------------------

@dataclass
class RekeyResult:
    rekeyed: int = 0
    already: int = 0
    refused: list[Problem] | None = None
    posts_rekeyed: int = 0
    posts_already: int = 0


def rekey(session: Session, *, previous_key: str | None = None, batch: int = 500,
          progress: Callable[[Progress], None] | None = None) -> RekeyResult:
    """Re-hash with the current key every chain that verifies under the old scheme: unkeyed (written
    before keys) or, with `previous_key`, the key being rotated out. A chain that does not verify
    under its old scheme is left as it is and listed: keying it would launder the tampering.
    Commits per batch, holding the batch's complaint rows locked so that no event is appended
    meanwhile."""
    key = key_of(session)
    old = previous_key.encode("utf-8") if previous_key else None
    result = RekeyResult(refused=[])
    total = count_complaints(session)
    started, done, last_id = time.monotonic(), 0, 0
    while True:
        complaints = session.execute(
            select(Complaint.id, Complaint.ticket, Complaint.audit_seq, Complaint.audit_seal)
            .where(Complaint.id > last_id).order_by(Complaint.id).limit(batch).with_for_update()).all()
        if not complaints:
            break
        low, high = last_id, complaints[-1].id
        events: dict[int, list] = {}
        for ev in session.execute(select(*EVENT_COLUMNS).where(Event.complaint_id > low, Event.complaint_id <= high)
                                  .order_by(Event.complaint_id, Event.seq)):
            events.setdefault(ev.complaint_id, []).append(ev)
        for c in complaints:
            chain = events.get(c.id, [])
            if not chain:
                continue
            if c.audit_seal is not None and not verify_chain(c.ticket, chain, key) \
                    and not verify_head(c.ticket, chain, c.audit_seq, c.audit_seal, key):
                result.already += 1
                continue
            scheme = None if c.audit_seal is None else old
            if c.audit_seal is not None and old is None:
                result.refused.append(Problem(c.ticket, "does not verify under the current key (give the previous "
                                                        "key in SIGAP_AUDIT_PREVIOUS_KEY to rotate)"))
                continue
            problems = verify_chain(c.ticket, chain, scheme)
            if c.audit_seq != len(chain):
                problems.append(f"chain head records {c.audit_seq} events, the chain has {len(chain)}")
            if scheme is not None and not problems:
                problems += verify_head(c.ticket, chain, c.audit_seq, c.audit_seal, scheme)
            if problems:
                result.refused += [Problem(c.ticket, m) for m in problems]
                continue
            _rehash(session, c, chain, key)
            result.rekeyed += 1
        session.commit()
        done += len(complaints)
        last_id = high
        if progress is not None:
            progress(Progress(done, max(total, done), time.monotonic() - started))
    # The accountable posts' trails are keyed too (migration 0033): a rotation moves them as well, or
    # `audit verify` would find every post's trail broken under the new key.
    result.posts_rekeyed, result.posts_already, refused = rekey_posts(session, key, old)
    session.commit()
    result.refused += [Problem(name, message) for name, message in refused]
    return result


def _rehash(session: Session, complaint, chain: list, key: bytes) -> None:
    rows, prev = rechain(complaint.ticket, chain, key)
    session.execute(update(Event), rows)
    session.execute(update(Complaint).where(Complaint.id == complaint.id).values(
        audit_seq=len(chain), audit_seal=head_seal(key, complaint.ticket, len(chain), prev))
        .execution_options(synchronize_session=False))
