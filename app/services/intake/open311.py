"""Intake of an Open311 service request: a complaint through intake.stage, plus the Open311
details (attribute answers, e-mail, device, account, media URL) kept beside it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.models import Complaint
from app.models.partner import Open311Request
from app.services import intake


def stage(session: Session, now: datetime, *, actor: Actor, details: dict, **fields) -> Complaint:
    """The complaint (channel open311) and its Open311 details, in the caller's transaction (not
    committed): they are saved together or not at all. Intake applies the credential's rules
    (reporter, coordinates) as for any other door."""
    complaint = intake.stage(session, now, door="open311", actor=actor, **fields)
    session.add(Open311Request(
        complaint_id=complaint.id, token_id=actor.id if actor.kind == "token" else None,
        attributes=details.get("attributes") or {}, email=details.get("email"), device_id=details.get("device_id"),
        account_id=details.get("account_id"), media_url=details.get("media_url"), created_at=now,
    ))
    return complaint


def details_of(session: Session, complaint_ids: list[int]) -> dict[int, Open311Request]:
    if not complaint_ids:
        return {}
    rows = session.scalars(select(Open311Request).where(Open311Request.complaint_id.in_(complaint_ids)))
    return {row.complaint_id: row for row in rows}
