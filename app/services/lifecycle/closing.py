"""The nightly close: complaints handled or resolved longer ago than the confirmation window, with no
"not handled" from the citizen, are closed by the system, one lifecycle transaction each."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.domain.actor import SYSTEM
from app.models import Complaint
from app.services.errors import ServiceError
from app.services.lifecycle.actions import close

log = logging.getLogger(__name__)
# How long a citizen has to say "not handled" before the complaint closes by itself.
CONFIRMATION_WINDOW = timedelta(days=3)


def close_settled(session: Session, now: datetime, *, window: timedelta = CONFIRMATION_WINDOW,
                  limit: int = 1000) -> int:
    """Close complaints handled or resolved longer ago than the window with no "not handled"
    from the citizen; one lifecycle transaction each. Returns how many were closed."""
    cutoff = now - window
    tickets = session.scalars(
        select(Complaint.ticket).where(or_(
            and_(Complaint.status == "handled", Complaint.handled_at <= cutoff),
            and_(Complaint.status == "resolved", Complaint.resolved_at <= cutoff),
        )).order_by(Complaint.id).limit(limit)
    ).all()
    closed = 0
    for ticket in tickets:
        try:
            close(session, now, ticket, SYSTEM,
                            note=f"closed automatically: no reply within {window.days} days")
            closed += 1
        except ServiceError as exc:  # another worker closed it, or it was reopened meanwhile
            session.rollback()
            log.info("not closing %s: %s", ticket, exc)
    return closed
