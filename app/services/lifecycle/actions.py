"""Lifecycle actions on a complaint: each checks who may act, moves the state machine, records an
Event, keeps the SLA cursor and outbox in step, and commits once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import area
from app.domain import lifecycle as machine
from app.domain.actor import SYSTEM, Actor
from app.domain.ids import looks_numeric, row_id
from app.domain.sla import minutes_late
from app.domain.visibility import can_see
from app.models import Agency, Breach, Complaint, User
from app.services import audit
from app.services.errors import Forbidden, IllegalTransition, NotFound, ValidationFailed
from app.services.intake import area_of, get_by_ticket
from app.services.lifecycle import complaint_files, satisfaction
from app.services.messaging import notifications
from app.services.sla import cursor as sla_cursor

STAFF = ("officer", "agency_head", "supervisor", "admin")
# A location check-in farther than this from the reported place is marked far (shown as a warning).
FAR_FROM_PLACE_KM = 5.0
OVERSEERS = ("supervisor", "admin")
# A camat watches the complaints of their kecamatan: may comment and nudge the agency, never act for it.
WATCHERS = ("camat",)
# Who may take each action (system: the scheduler and nightly jobs; reporter: the citizen).
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "acknowledge": STAFF,
    "handle": STAFF,
    "resolve": STAFF,
    "assign": STAFF,
    "transfer": STAFF,
    "link_repeat": STAFF,
    "reopen": OVERSEERS + ("reporter",),
    "reject": OVERSEERS,
    "close": OVERSEERS + ("system",),
    "comment": STAFF + WATCHERS,
    "nudge": OVERSEERS + WATCHERS,
}
# Actions that record a remark without moving the state machine.
REMARKS = ("comment", "nudge")
MAX_NOTE = 4000


def load_for(session: Session, ticket: str, actor: Actor, *, lock: bool = False) -> Complaint:
    """The complaint if the actor may see it; otherwise NotFound (its existence is not revealed)."""
    complaint = get_by_ticket(session, ticket, lock=lock)
    if not can_see(actor, complaint):
        raise NotFound(f"no complaint with ticket {ticket!r}")
    return complaint


def _role_of(actor: Actor) -> str:
    return actor.kind if actor.kind in ("system", "reporter") else (actor.role or "")


def _authorise(action: str, actor: Actor) -> None:
    if _role_of(actor) not in PERMISSIONS[action]:
        verb = machine.VERBS.get(action) or {"comment": "comment on", "nudge": "nudge the agency about"}[action]
        raise Forbidden(f"a {_role_of(actor) or 'caller'} may not {verb} complaints")


def _note(note, required: bool = False, what: str = "note") -> str | None:
    if note is not None and not isinstance(note, str):
        raise ValidationFailed(f"{what} must be text", field="note")
    note = (note or "").strip() or None
    if required and not note:
        raise ValidationFailed(f"a {what} is required: say what was done", field="note")
    if note and len(note) > MAX_NOTE:
        raise ValidationFailed(f"{what} is longer than {MAX_NOTE} characters", field="note")
    return note


def _ticket_ref(value, field: str) -> str | None:
    """A ticket named in a request (the complaint this one repeats or duplicates): text or nothing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a ticket such as BWI-2026-000123", field=field)
    return value.strip()


def _transition(complaint: Complaint, action: str) -> str:
    try:
        return machine.next_status(action, complaint.status)
    except machine.IllegalTransitionError as exc:
        raise IllegalTransition(str(exc)) from None


def _begin(session: Session, ticket: str, actor: Actor, action: str) -> Complaint:
    complaint = load_for(session, ticket, actor, lock=True)
    _authorise(action, actor)
    return complaint


def _finish(session: Session, complaint: Complaint, now: datetime, events: list) -> Complaint:
    complaint.updated_at = now
    sla_cursor.settle_breaches(session, complaint, now)
    sla_cursor.reschedule(complaint, now)
    for event in events:
        notifications.on_event(session, complaint, event, now)
    session.commit()
    return complaint


def _meet_breaches(session: Session, complaint: Complaint, kinds: tuple[str, ...], now: datetime) -> None:
    for breach in session.scalars(select(Breach).where(
        Breach.complaint_id == complaint.id, Breach.kind.in_(kinds), Breach.met_at.is_(None)
    )):
        breach.met_at = now
        breach.minutes_late = minutes_late(breach.due_at, now)
        audit.record_breach_met(session, complaint, breach, now)


def _agency(session: Session, code: str, complaint: Complaint) -> Agency:
    if not isinstance(code, str) or not code:
        raise ValidationFailed("agency must be an agency code", field="agency")
    agency = session.scalar(select(Agency).where(Agency.code == code.strip().lower()))
    if agency is None or agency.jurisdiction_id != complaint.jurisdiction_id:
        raise ValidationFailed(f"unknown agency {code!r} in this jurisdiction", field="agency")
    if agency.is_supervisor:
        raise ValidationFailed(f"{agency.name} supervises; route complaints to a responsible agency", field="agency")
    return agency


def _user(session: Session, ref, agency_id: int | None) -> User:
    query = select(User).where(User.active.is_(True))
    if looks_numeric(ref):  # an id: one too large for any row names nobody (and must not reach the driver)
        query = query.where(User.id == (row_id(ref) or 0))
    elif isinstance(ref, str) and ref.strip():
        query = query.where(User.username == ref.strip())
    else:
        raise ValidationFailed("assignee must be a username or user id", field="assignee")
    user = session.scalar(query)
    if user is None:
        raise ValidationFailed(f"unknown staff user {ref!r}", field="assignee")
    if user.agency_id != agency_id:
        raise ValidationFailed(f"{user.name} does not work for the complaint's agency", field="assignee")
    return user


def acknowledge(session: Session, now: datetime, ticket: str, actor: Actor, note: str | None = None) -> Complaint:
    complaint = _begin(session, ticket, actor, "acknowledge")
    note = _note(note)
    complaint.status = _transition(complaint, "acknowledge")
    complaint.acknowledged_at = now
    _meet_breaches(session, complaint, ("acknowledge",), now)
    event = audit.record(session, complaint, "acknowledged", now, actor, note=note)
    return _finish(session, complaint, now, [event])


def handle(session: Session, now: datetime, ticket: str, actor: Actor, note: str | None,
           evidence: dict | None = None) -> Complaint:
    """Concrete action taken: this stops the 4-hour/2-hour clock (proof required by the policy)."""
    complaint = _begin(session, ticket, actor, "handle")
    note = _note(note, required=True, what="handling note")
    evidence = _evidence(session, evidence, complaint)
    new_status = _transition(complaint, "handle")
    events = []
    if complaint.acknowledged_at is None:
        complaint.acknowledged_at = now
        _meet_breaches(session, complaint, ("acknowledge",), now)
        events.append(audit.record(session, complaint, "acknowledged", now, actor, data={"implied_by": "handle"}))
    complaint.status = new_status
    complaint.handled_at = now
    complaint.handle_evidence = evidence or None
    _meet_breaches(session, complaint, ("handle",), now)
    events.append(audit.record(session, complaint, "handled", now, actor, note=note, data={"evidence": evidence or {}}))
    _handle_repeats(session, complaint, now, actor, note, evidence)
    return _finish(session, complaint, now, events)


def _handle_repeats(session: Session, original: Complaint, now: datetime, actor: Actor, note: str | None,
                    evidence: dict | None) -> list[Complaint]:
    """Handling an original handles its open linked repeats with it (in the same transaction): each is
    marked handled at the same instant with the same note, its pending SLA steps end, and its reporter
    is told with the same message and asked to confirm. A repeat still in triage takes the original's
    agency (it is about the same person)."""
    repeats = list(session.scalars(select(Complaint).where(
        Complaint.repeat_of_id == original.id, Complaint.status.in_(machine.OPEN))
        .order_by(Complaint.id).with_for_update()))
    for repeat in repeats:
        if repeat.agency_id is None:
            repeat.agency_id, repeat.triage_due_at = original.agency_id, None
        events = []
        if repeat.acknowledged_at is None:
            repeat.acknowledged_at = now
            _meet_breaches(session, repeat, ("acknowledge",), now)
            events.append(audit.record(session, repeat, "acknowledged", now, actor,
                                       data={"implied_by": "handle", "with_original": original.ticket}))
        repeat.status = "handled"
        repeat.handled_at = now
        repeat.handle_evidence = evidence or None
        _meet_breaches(session, repeat, ("handle",), now)
        events.append(audit.record(session, repeat, "handled", now, actor, note=note,
                                   data={"evidence": evidence or {}, "with_original": original.ticket}))
        repeat.updated_at = now
        sla_cursor.settle_breaches(session, repeat, now)
        sla_cursor.reschedule(repeat, now)
        for event in events:
            notifications.on_event(session, repeat, event, now)
    return repeats


def _evidence(session: Session, evidence, complaint: Complaint) -> dict:
    if evidence is None:
        evidence = {}
    if not isinstance(evidence, dict):
        raise ValidationFailed("evidence must be an object (photo, lat, lon)", field="evidence")
    policy = complaint.sla_policy
    clean: dict = {}
    photo = evidence.get("photo")
    if photo is not None:
        # Only a photo Sigap stored for this very complaint: a path or another complaint's file never.
        stored = complaint_files.evidence_of(session, complaint, photo)
        if stored is None:
            raise ValidationFailed("evidence.photo must be the id of a photo uploaded for this complaint: "
                                   "upload the photo first (POST /api/v1/complaints/<ticket>/files), "
                                   "then send the id it answered", field="evidence.photo")
        clean["photo"] = stored.ref
    if evidence.get("lat") not in (None, "") or evidence.get("lon") not in (None, ""):
        clean.update(_check_in(session, complaint, evidence.get("lat"), evidence.get("lon")))
    if policy.evidence_photo and "photo" not in clean:
        raise ValidationFailed("this policy requires a photo as proof of action", field="evidence.photo")
    if policy.evidence_location and "lat" not in clean:
        raise ValidationFailed("this policy requires a location check-in from the field", field="evidence.lat")
    return clean


def _check_in(session: Session, complaint: Complaint, lat, lon) -> dict:
    """A location check-in as proof of a field visit: numbers (or a form's text of them) inside the
    jurisdiction, as intake holds a complaint's point, with its distance from the complaint's own
    point or its village's centre, and `far` when that is more than FAR_FROM_PLACE_KM."""
    try:
        lat_f, lon_f = area.coordinate(lat, 90), area.coordinate(lon, 180)
    except ValueError as exc:
        raise ValidationFailed(f"evidence.lat and evidence.lon {exc}", field="evidence.lat") from None
    if lat_f is None or lon_f is None:
        raise ValidationFailed("a location check-in needs both evidence.lat and evidence.lon", field="evidence.lat")
    box = area_of(session, complaint.jurisdiction)
    if not box.contains(lat_f, lon_f):
        raise ValidationFailed(f"the location check-in is outside {complaint.jurisdiction.name} ({box.describe()})",
                               field="evidence.lat")
    checked = {"lat": lat_f, "lon": lon_f}
    place = (complaint.lat, complaint.lon) if complaint.lat is not None else (
        (complaint.village.lat, complaint.village.lon) if complaint.village is not None else (None, None))
    if place[0] is not None and place[1] is not None:
        distance = area.distance_km(lat_f, lon_f, place[0], place[1])
        checked["distance_km"] = round(distance, 2)
        checked["far"] = distance > FAR_FROM_PLACE_KM
    village = complaint.village
    if village is not None and village.lat is not None and village.lon is not None:
        # The distance from the village centre too (the gazetteer's point), whatever point the report gave.
        village_km = area.distance_km(lat_f, lon_f, village.lat, village.lon)
        checked["village_km"] = round(village_km, 2)
        checked["far"] = checked.get("far", False) or village_km > FAR_FROM_PLACE_KM
    return checked


def resolve(session: Session, now: datetime, ticket: str, actor: Actor, note: str | None = None) -> Complaint:
    complaint = _begin(session, ticket, actor, "resolve")
    note = _note(note)
    complaint.status = _transition(complaint, "resolve")
    complaint.resolved_at = now
    event = audit.record(session, complaint, "resolved", now, actor, note=note)
    return _finish(session, complaint, now, [event])


def reopen(session: Session, now: datetime, ticket: str, actor: Actor, note: str | None = None) -> Complaint:
    """The citizen (or a supervisor) says it was NOT handled: back to the agency, flagged."""
    complaint = _begin(session, ticket, actor, "reopen")
    note = _note(note)
    complaint.status = _transition(complaint, "reopen")
    previous = {"handled_at": complaint.handled_at.isoformat() if complaint.handled_at else None}
    complaint.handled_at = None
    complaint.resolved_at = None
    complaint.reopened_count += 1
    event = audit.record(session, complaint, "reopened", now, actor, note=note,
                         data={**previous, "by_citizen": actor.kind == "reporter"})
    return _finish(session, complaint, now, [event])


def reject(session: Session, now: datetime, ticket: str, actor: Actor, reason: str,
           duplicate_of: str | None = None, note: str | None = None) -> Complaint:
    duplicate_of = _ticket_ref(duplicate_of, "duplicate_of")
    complaint = _begin(session, ticket, actor, "reject")
    note = _note(note)
    if reason not in machine.REJECT_REASONS:
        raise ValidationFailed(f"reason must be one of: {', '.join(machine.REJECT_REASONS)}", field="reason")
    original = None
    if reason == "duplicate":
        if not duplicate_of:
            raise ValidationFailed("a duplicate needs duplicate_of: the ticket it repeats", field="duplicate_of")
        original = load_for(session, duplicate_of, actor)
        if original.id == complaint.id:
            raise ValidationFailed("a complaint cannot duplicate itself", field="duplicate_of")
    complaint.status = _transition(complaint, "reject")
    complaint.rejected_at = now
    complaint.reject_reason = reason
    complaint.duplicate_of_id = original.id if original else None
    event = audit.record(session, complaint, "rejected", now, actor, note=note,
                         data={"reason": reason, "duplicate_of": original.ticket if original else None})
    # Its repeats no longer follow an open original: their own SLA steps resume.
    for repeat in session.scalars(select(Complaint).where(Complaint.repeat_of_id == complaint.id,
                                                          Complaint.status.in_(machine.OPEN))):
        sla_cursor.reschedule(repeat, now)
    return _finish(session, complaint, now, [event])


def assign(session: Session, now: datetime, ticket: str, actor: Actor, agency: str | None = None,
           assignee=None, note: str | None = None) -> Complaint:
    """Give the complaint an agency (from triage: supervisors) and/or an officer within it."""
    complaint = _begin(session, ticket, actor, "assign")
    note = _note(note)
    if agency is None and assignee is None:
        raise ValidationFailed("say whom to assign: agency and/or assignee", field="agency")
    new_status = _transition(complaint, "assign")
    data: dict = {}
    if agency is not None:
        target = _agency(session, agency, complaint)
        if target.id != complaint.agency_id:
            if actor.is_agency_scoped:
                raise Forbidden("agency staff transfer a complaint to another agency with 'transfer'")
            data["agency"] = {"from": complaint.agency.code if complaint.agency else None, "to": target.code,
                              "to_id": target.id}
            complaint.agency_id = target.id
            complaint.agency = target
            complaint.assignee_id = None
    if complaint.agency_id is None:
        raise ValidationFailed("a complaint in triage needs an agency first", field="agency")
    if assignee is not None:
        user = _user(session, assignee, complaint.agency_id)
        _may_reassign(actor, complaint)
        data["assignee"] = {"id": user.id, "name": user.name}
        complaint.assignee_id = user.id
        complaint.assignee = user  # the answer names the new assignee, not the one loaded before
    complaint.status = new_status
    complaint.triage_due_at = None if new_status != "triage" else complaint.triage_due_at
    event = audit.record(session, complaint, "assigned", now, actor, note=note, data=data)
    return _finish(session, complaint, now, [event])


def _may_reassign(actor: Actor, complaint: Complaint) -> None:
    """An officer takes an unassigned complaint or hands on their own; someone else's complaint is
    reassigned by the agency head, a supervisor or an admin (the assignee sees the reporter in full)."""
    if actor.role == "officer" and complaint.assignee_id not in (None, actor.staff_user_id):
        raise Forbidden("this complaint is assigned to another officer: the agency head or a supervisor "
                        "may reassign it")


def transfer(session: Session, now: datetime, ticket: str, actor: Actor, agency: str,
             note: str | None = None) -> Complaint:
    """"Not ours": hand to another agency. The clock keeps running (there is no wrong door)."""
    complaint = _begin(session, ticket, actor, "transfer")
    note = _note(note)
    target = _agency(session, agency, complaint)
    if target.id == complaint.agency_id:
        raise ValidationFailed("the complaint is already with that agency", field="agency")
    complaint.status = _transition(complaint, "transfer")
    data = {"from": complaint.agency.code if complaint.agency else None, "to": target.code, "to_id": target.id}
    complaint.agency_id = target.id
    complaint.agency = target
    complaint.assignee_id = None
    complaint.triage_due_at = None
    event = audit.record(session, complaint, "transferred", now, actor, note=note, data=data)
    return _finish(session, complaint, now, [event])


def _root(complaint: Complaint) -> Complaint:
    seen = set()
    while complaint.repeat_of is not None and complaint.id not in seen:
        seen.add(complaint.id)
        complaint = complaint.repeat_of
    return complaint


def link_repeat(session: Session, now: datetime, ticket: str, actor: Actor, of_ticket: str,
                note: str | None = None) -> Complaint:
    """Mark a repeat report about the same person: the earliest report's deadlines apply."""
    of_ticket = _ticket_ref(of_ticket, "of_ticket")
    complaint = _begin(session, ticket, actor, "link_repeat")
    note = _note(note)
    _transition(complaint, "link_repeat")
    if not isinstance(of_ticket, str) or not of_ticket.strip():
        raise ValidationFailed("of_ticket is required: the earlier report about the same person", field="of_ticket")
    # Only to a report the actor may see (an unseen one is as absent as a made-up one): an officer links
    # within the agency; supervisors and admins across agencies, never across jurisdictions.
    earlier = load_for(session, of_ticket, actor)
    if earlier.jurisdiction_id != complaint.jurisdiction_id:
        raise NotFound(f"no complaint with ticket {of_ticket!r}")
    # The chain's root, when the actor may see it; otherwise the report they named, whose deadlines
    # already follow the root's.
    root = _root(earlier)
    original = root if can_see(actor, root) else earlier
    if original.id == complaint.id:
        raise ValidationFailed("a complaint cannot be a repeat of itself", field="of_ticket")
    complaint.repeat_of_id = original.id
    complaint.repeat_of = original
    before = {"ack_due_at": complaint.ack_due_at.isoformat(), "handle_due_at": complaint.handle_due_at.isoformat()}
    complaint.ack_due_at = min(complaint.ack_due_at, original.ack_due_at)
    complaint.handle_due_at = min(complaint.handle_due_at, original.handle_due_at)
    event = audit.record(session, complaint, "linked_repeat", now, actor, note=note, data={
        "of": original.ticket, "before": before,
        "ack_due_at": complaint.ack_due_at.isoformat(), "handle_due_at": complaint.handle_due_at.isoformat()})
    return _finish(session, complaint, now, [event])


def close(session: Session, now: datetime, ticket: str, actor: Actor = SYSTEM, note: str | None = None) -> Complaint:
    complaint = _begin(session, ticket, actor, "close")
    complaint.status = _transition(complaint, "close")
    complaint.closed_at = now
    event = audit.record(session, complaint, "closed", now, actor, note=_note(note))
    if actor.kind == "system":  # the automatic close: the citizen did not answer "handled?", ask how it went
        satisfaction.ask(session, complaint, now, "closed")
    return _finish(session, complaint, now, [event])




def comment(session: Session, now: datetime, ticket: str, actor: Actor, note: str | None = None) -> Complaint:
    """A remark on the complaint's trail (a camat's local knowledge, a supervisor's question); the
    status and deadlines do not move."""
    complaint = _begin(session, ticket, actor, "comment")
    note = _note(note, required=True, what="comment")
    event = audit.record(session, complaint, "commented", now, actor, note=note)
    complaint.updated_at = now
    notifications.on_event(session, complaint, event, now)
    session.commit()
    return complaint


def nudge(session: Session, now: datetime, ticket: str, actor: Actor, note: str | None = None) -> Complaint:
    """Tell the agency's staff (the assignee or duty desk, and its head) that someone watching is
    waiting: recorded on the trail, sent through the outbox. Only while an agency holds it open."""
    complaint = _begin(session, ticket, actor, "nudge")
    note = _note(note)
    if complaint.status not in ("assigned", "acknowledged") or complaint.agency_id is None:
        raise IllegalTransition(f"cannot nudge the agency about a complaint that is {complaint.status} "
                                "(allowed while an agency holds it: assigned, acknowledged)")
    event = audit.record(session, complaint, "nudged", now, actor, note=note,
                         data={"agency": complaint.agency.code, "by_role": actor.role, "by_name": actor.name})
    complaint.updated_at = now
    notifications.on_event(session, complaint, event, now)
    session.commit()
    return complaint


ACTIONS = {
    "acknowledge": acknowledge, "handle": handle, "resolve": resolve, "reopen": reopen, "reject": reject,
    "assign": assign, "transfer": transfer, "link_repeat": link_repeat, "close": close,
    "comment": comment, "nudge": nudge,
}
