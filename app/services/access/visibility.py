"""The visibility rule of app/domain/visibility.py as SQL: `condition(scope)` selects exactly the
complaints `admits(scope, complaint)` accepts (tests/integration/core/test_visibility.py holds them
to it), for lists, the dashboard and Open311."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, false, select, true
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.domain.visibility import FIELDS, NOTHING, Scope, admits, can_see, scope_of  # noqa: F401 - the rule's names
from app.models import Complaint


def condition(scope: Scope):
    """SQL condition on complaints for `scope`."""
    if scope.nothing:
        return false()
    parts = [getattr(Complaint, name) == getattr(scope, name) for name in FIELDS if getattr(scope, name) is not None]
    return and_(*parts) if parts else true()


def visible(actor: Actor):
    """SQL condition: the complaints this actor may see."""
    return condition(scope_of(actor))


def unseen_tickets(session: Session, actor: Actor, tickets: Iterable[str | None]) -> set[str]:
    """Of the tickets another complaint names (duplicate of, repeat of), those the actor may not see:
    shown as "a report of another agency", never by ticket. One query, none when nothing is named."""
    wanted = {ticket for ticket in tickets if ticket}
    if not wanted:
        return set()
    seen = set(session.scalars(select(Complaint.ticket).where(Complaint.ticket.in_(wanted), visible(actor))))
    return wanted - seen
