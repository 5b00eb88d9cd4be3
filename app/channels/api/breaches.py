"""GET /api/v1/breaches: missed deadlines, scoped to what the token may see."""
from __future__ import annotations

from flask import request
from sqlalchemy import select

from app.channels.api import bp
from app.channels.api.auth import current_actor, token_required
from app.channels.api.inputs import page_limit, parse_time
from app.errors import ApiError
from app.extensions import db_session
from app.domain.visibility import scope_of
from app.models import Agency
from app.services.sla import escalation


@bp.get("/breaches")
@token_required("officer", "agency_head", "supervisor", "official", "camat", "admin")
def list_breaches():
    actor = current_actor()
    session = db_session()
    args = request.args
    agency_ids = None
    if args.get("agency"):
        agency = session.scalar(select(Agency).where(Agency.code == args["agency"].strip().lower()))
        if agency is None:
            raise ApiError(400, "bad_request", f"unknown agency {args['agency']!r}")
        agency_ids = [agency.id]
    if actor.is_agency_scoped:
        if agency_ids is not None and agency_ids != [actor.agency_id]:
            return {"items": [], "next_cursor": None}
        agency_ids = [actor.agency_id]
    kind = args.get("kind") or None
    if kind is not None and kind not in ("acknowledge", "handle", "triage"):
        raise ApiError(400, "bad_request", "kind must be acknowledge, handle or triage")
    # Agency staff: the breaches naming their agency; everyone else: those of complaints they may see.
    page, next_cursor = escalation.list_breaches(
        session, agency_ids=agency_ids, scope=None if actor.is_agency_scoped else scope_of(actor),
        jurisdiction_id=actor.jurisdiction_id if actor.is_agency_scoped else None,
        since=parse_time(args.get("since"), "since"), until=parse_time(args.get("until"), "until"),
        kind=kind, limit=page_limit(), cursor=args.get("cursor") or None,
    )
    return {"items": [escalation.breach_to_dict(b) for b in page], "next_cursor": next_cursor}
