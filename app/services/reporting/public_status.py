"""What the public status page shows a citizen who holds a ticket and the code from its receipt:
state, agency, deadline and what was done, never who reported it, the description or the place
finer than the kecamatan. The code is checked in constant time (app.domain.status_code); a wrong
code and an unknown ticket look the same."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import privacy, status_code
from app.i18n import normalise_language
from app.models import OPEN_STATUSES, Agency, Complaint, Event

TICKET_MAX = 64


@dataclass(frozen=True)
class Step:
    kind: str
    at: datetime
    agency: str | None  # the agency the step names (routed, transferred)
    reason: str | None  # a rejection's reason code
    note: str | None  # what was done (handled only)


@dataclass(frozen=True)
class PublicStatus:
    ticket: str
    status: str
    category_id_name: str
    category_en_name: str
    district: str | None
    agency: str | None
    timezone: str
    received_at: datetime
    handle_due_at: datetime
    handled_at: datetime | None
    late: bool  # past the deadline without handling, or handled after it
    language: str  # the citizen's own language, the page's default
    steps: tuple[Step, ...]


def normal_ticket(ticket) -> str:
    text = ticket.strip().upper() if isinstance(ticket, str) else ""
    ok = 0 < len(text) <= TICKET_MAX and text.isascii() and text.replace("-", "").isalnum()
    return text if ok else ""


def find(session: Session, ticket, code, now: datetime) -> PublicStatus | None:
    """The complaint's public status when `code` is the one issued for `ticket`, else None."""
    wanted = normal_ticket(ticket)
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == wanted)) if wanted else None
    stored = complaint.status_code_hash if complaint is not None else None
    # Compared even when there is nothing to compare with: the answer takes as long either way.
    if not status_code.matches(wanted or "-", code, stored) or complaint is None:
        return None
    agencies = {a.code: a.name for a in session.scalars(select(Agency).where(
        Agency.jurisdiction_id == complaint.jurisdiction_id))}
    steps = []
    events = session.scalars(select(Event).where(Event.complaint_id == complaint.id).order_by(Event.seq))
    for event in events:
        facts = privacy.public_event(event.kind, event.data)
        if facts is None or (event.kind == "acknowledged" and (event.data or {}).get("implied_by")):
            continue
        agency_code = facts.get("agency")
        steps.append(Step(kind=event.kind, at=event.at, agency=agencies.get(agency_code, agency_code),
                          reason=facts.get("reason"), note=privacy.public_note(event.kind, event.note)))
    handled = complaint.handled_at
    late = (handled is not None and handled > complaint.handle_due_at) or (
        handled is None and complaint.status in OPEN_STATUSES and now > complaint.handle_due_at)
    reporter = complaint.reporter
    return PublicStatus(
        ticket=complaint.ticket, status=complaint.status, category_id_name=complaint.category.name_id,
        category_en_name=complaint.category.name_en,
        district=complaint.district.name if complaint.district is not None else None,
        agency=complaint.agency.name if complaint.agency is not None else None,
        timezone=complaint.jurisdiction.timezone, received_at=complaint.received_at,
        handle_due_at=complaint.handle_due_at, handled_at=handled, late=late,
        language=normalise_language(reporter.language if reporter is not None else None), steps=tuple(steps),
    )
