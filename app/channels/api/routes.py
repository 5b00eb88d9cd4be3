"""/api/v1 complaint routes: translate JSON to service calls and results back to JSON."""
from __future__ import annotations

import base64

from flask import request, url_for
from sqlalchemy import or_, select
from sqlalchemy.exc import DataError

from app.channels.api import bp, idempotent, ratelimit, serialize
from app.channels.api.auth import current_actor, token_required
from app.channels.api.inputs import json_body, page_limit, parse_time
from app.clock import isoformat_z
from app.domain import privacy
from app.domain.lifecycle import STATUSES
from app.errors import ApiError, error_response
from app.extensions import db_session, now
from app.models import Agency, Category, Complaint, Jurisdiction
from app.services import audit, intake, lifecycle
from app.services.access.visibility import unseen_tickets, visible
from app.services.reference import cache as reference_cache

READERS = ("officer", "agency_head", "supervisor", "official", "camat", "admin", "partner")
ACTORS = ("officer", "agency_head", "supervisor", "camat", "admin")  # each action checks its own roles
CREATORS = ("officer", "agency_head", "supervisor", "admin", "partner")


@bp.errorhandler(DataError)
def _unstorable(_exc: DataError):
    db_session().rollback()
    return error_response(400, "bad_request", "a value cannot be stored (a NUL character, or a number out of range)")


@bp.before_request
def _ratepage_limit():
    limited = ratelimit.check()
    if limited is not None:
        raise ApiError(429, "rate_limited", limited.message(), {"Retry-After": str(limited.seconds)})


@bp.post("/complaints")
@token_required(*CREATORS)
def create_complaint():
    return idempotent.run(current_actor().id, _create_complaint)


_JSON_TYPES = {str: "text", bool: "true/false", list: "a list", dict: "an object"}


def _json_number(value, field: str) -> None:
    """JSON has numbers: text, true or a list for a coordinate is a client's mistake (a web form's
    text is read by the service)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ApiError(422, "validation_failed",
                       f"{field} must be a JSON number (e.g. -8.21), not {_JSON_TYPES.get(type(value), 'that')}")


def _create_complaint():
    body = json_body()
    actor = current_actor()
    reporter = body.get("reporter")
    if reporter is not None and not isinstance(reporter, dict):
        raise ApiError(422, "validation_failed", "reporter must be an object with name, phone, telegram_chat_id")
    session = db_session()
    jurisdiction = body.get("jurisdiction")
    if actor.jurisdiction_id is not None and jurisdiction is not None:
        own = reference_cache.jurisdiction_by_id(session, actor.jurisdiction_id)
        if own and isinstance(jurisdiction, str) and jurisdiction.strip().lower() != own.code:
            raise ApiError(403, "forbidden", f"this token submits for {own.code} only")
    elif actor.jurisdiction_id is not None and jurisdiction is None:
        jurisdiction = reference_cache.jurisdiction_by_id(session, actor.jurisdiction_id).code
    for field in ("lat", "lon"):
        _json_number(body.get(field), field)
    # channel and received_at as given: intake decides what this token may claim. Staged: the answer
    # is made before the commit (idempotent.run commits it with the Idempotency-Key's stored copy).
    complaint = intake.stage(
        session, now(),
        jurisdiction=jurisdiction, category=body.get("category"), description=body.get("description"),
        district=body.get("district"), village=body.get("village"), lat=body.get("lat"), lon=body.get("lon"),
        address=body.get("address"), reporter=reporter, channel=body.get("channel"),
        received_at=parse_time(body.get("received_at"), "received_at"), actor=actor,
        confidentiality=body.get("confidentiality"),
    )
    response = serialize.complaint(complaint, actor)
    claimed = intake.claimed_received_at(session, complaint)
    response["claimed_received_at"] = isoformat_z(claimed) if claimed else None
    # The public status page's code, shown this once (only its hash is kept): the partner gives it
    # to the citizen, whose only way to follow an anonymous report it is.
    response["tracking_code"] = complaint.status_code
    return response, 201, {"Location": url_for("api.get_complaint", ticket=complaint.ticket)}


def _cursor_decode(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        return int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_request", "cursor is not one this API gave out") from None


def _cursor_encode(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


@bp.get("/complaints")
@token_required(*READERS)
def list_complaints():
    actor = current_actor()
    session = db_session()
    args = request.args
    query = select(Complaint).where(visible(actor))
    if args.get("status"):
        statuses = [s.strip() for s in args["status"].split(",") if s.strip()]
        unknown = [s for s in statuses if s not in STATUSES]
        if unknown:
            raise ApiError(400, "bad_request", f"unknown status {unknown[0]!r}; one of: {', '.join(STATUSES)}")
        query = query.where(Complaint.status.in_(statuses))
    if args.get("agency"):
        agency = session.scalar(select(Agency).where(Agency.code == args["agency"].strip().lower()))
        if agency is None:
            raise ApiError(400, "bad_request", f"unknown agency {args['agency']!r}")
        query = query.where(Complaint.agency_id == agency.id)
    if args.get("category"):
        category = session.scalar(select(Category).where(Category.code == args["category"].strip().lower()))
        if category is None:
            raise ApiError(400, "bad_request", f"unknown category {args['category']!r}")
        query = query.where(Complaint.category_id == category.id)
    if args.get("jurisdiction"):
        jur = session.scalar(select(Jurisdiction).where(Jurisdiction.code == args["jurisdiction"].strip().lower()))
        if jur is None:
            raise ApiError(400, "bad_request", f"unknown jurisdiction {args['jurisdiction']!r}")
        query = query.where(Complaint.jurisdiction_id == jur.id)
    if args.get("breached"):
        flag = args["breached"].strip().lower()
        if flag not in ("true", "false", "1", "0"):
            raise ApiError(400, "bad_request", "breached must be true or false")
        breached = or_(Complaint.ack_breached.is_(True), Complaint.handle_breached.is_(True))
        query = query.where(breached if flag in ("true", "1") else ~breached)
    if args.get("due_before"):
        due_before = parse_time(args["due_before"], "due_before")
        query = query.where(Complaint.handle_due_at < due_before)
    after = _cursor_decode(args.get("cursor"))
    if after is not None:
        query = query.where(Complaint.id < after)
    limit = page_limit()
    rows = list(session.scalars(query.order_by(Complaint.id.desc()).limit(limit + 1)))
    page = rows[:limit]
    return {
        "items": [serialize.complaint(c, actor) for c in page],
        "next_cursor": _cursor_encode(page[-1].id) if len(rows) > limit else None,
    }


@bp.get("/complaints/<ticket>")
@token_required(*READERS)
def get_complaint(ticket: str):
    actor = current_actor()
    complaint = lifecycle.load_for(db_session(), ticket, actor)
    return serialize.complaint(complaint, actor)


@bp.get("/complaints/<ticket>/events")
@token_required(*READERS)
def complaint_events(ticket: str):
    actor = current_actor()
    session = db_session()
    complaint = lifecycle.load_for(session, ticket, actor)
    events = audit.events_of(session, complaint.id)
    if not privacy.reads_full_trail(actor):  # a partner: the public part, no notes, actors or internal data
        shown = (serialize.public_event(e) for e in events)
        return {"ticket": complaint.ticket, "items": [item for item in shown if item is not None]}
    problems = audit.verify(session, complaint)
    unseen = unseen_tickets(session, actor, (privacy.linked_ticket(e.kind, e.data) for e in events))
    return {
        "ticket": complaint.ticket,
        "chain_valid": not problems,
        "problems": [p.message for p in problems],
        "items": [serialize.event(e, unseen, privacy.shown_actor(e.actor, complaint, actor)) for e in events],
    }


# action -> the body fields it takes besides "note"
ACTION_FIELDS = {
    "acknowledge": (), "handle": ("evidence",), "resolve": (), "reopen": (),
    "reject": ("reason", "duplicate_of"), "assign": ("agency", "assignee"), "transfer": ("agency",),
    "link_repeat": ("of_ticket",), "close": (), "comment": (), "nudge": (),
}


@bp.post("/complaints/<ticket>/actions")
@token_required(*ACTORS)
def complaint_action(ticket: str):
    actor = current_actor()
    # The action commits by itself: an Idempotency-Key is finished in that commit, with the
    # complaint as the action left it.
    return idempotent.run(actor.id, lambda: _complaint_action(ticket),
                          at_commit=lambda: serialize.complaint(intake.get_by_ticket(db_session(), ticket), actor))


def _complaint_action(ticket: str):
    body = json_body()
    actor = current_actor()
    action = body.get("action")
    if not isinstance(action, str) or action not in ACTION_FIELDS:
        raise ApiError(422, "validation_failed", f"action must be one of: {', '.join(ACTION_FIELDS)}")
    kwargs = {name: body.get(name) for name in ACTION_FIELDS[action]}
    if action == "handle":
        kwargs["note"] = body.get("note")
    elif "note" in body:
        kwargs["note"] = body.get("note")
    if action == "reject":
        kwargs["reason"] = body.get("reason")
    if action == "handle" and isinstance(kwargs.get("evidence"), dict):
        for field in ("lat", "lon"):
            _json_number(kwargs["evidence"].get(field), f"evidence.{field}")
    complaint = lifecycle.ACTIONS[action](db_session(), now(), ticket, actor, **kwargs)
    return serialize.complaint(complaint, actor)

