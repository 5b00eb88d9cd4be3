"""The regent's office's daily summary: each morning (local time) the complaints still open past a
deadline, told to the jurisdiction-wide regent_office contacts (else the supervisors). Sent once a
day per jurisdiction however many schedulers run: the ladder_summaries row is the claim."""
from __future__ import annotations

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain import ladder
from app.i18n import t
from app.models import Complaint, Jurisdiction
from app.models.sla_engine import EscalationContact, LadderSummary
from app.services.messaging import notifications, outbox, staff_consent

log = logging.getLogger("sigap.escalation")

SUMMARY_AT = time(7, 0)  # local time: the summary waits for the office's morning
LISTED = 5  # tickets named in the message; the rest are counted
TEMPLATE = "core.staff.daily_summary"


def overdue(session: Session, jurisdiction_id: int, now: datetime) -> list[Complaint]:
    """Open complaints past their handle deadline, or past their acknowledge deadline unacknowledged,
    most overdue first. A linked repeat follows its original and is not listed twice."""
    return list(session.scalars(select(Complaint).where(
        Complaint.jurisdiction_id == jurisdiction_id, Complaint.status.in_(ladder.OPEN_STATUSES),
        Complaint.handled_at.is_(None), Complaint.repeat_of_id.is_(None),
        or_(Complaint.handle_due_at < now, and_(Complaint.acknowledged_at.is_(None), Complaint.ack_due_at < now)),
    ).order_by(Complaint.handle_due_at, Complaint.id)))


def recipients(session: Session, jurisdiction: Jurisdiction) -> list[notifications.Recipient]:
    contacts = session.scalars(select(EscalationContact).where(
        EscalationContact.jurisdiction_id == jurisdiction.id, EscalationContact.level == "regent_office",
        EscalationContact.active.is_(True), EscalationContact.district_id.is_(None),
        EscalationContact.village_id.is_(None), EscalationContact.agency_id.is_(None),
    ).order_by(EscalationContact.id)).all()
    verified = staff_consent.whatsapp_verified(session, [c.phone for c in contacts if c.phone])
    found = notifications.unique(notifications.contact_recipient(c, whatsapp_verified=c.phone in verified)
                                 for c in contacts)
    if found:
        return found
    from app.models import User

    users = session.scalars(select(User).where(User.role == "supervisor", User.active.is_(True),
                                               User.jurisdiction_id == jurisdiction.id).order_by(User.id)).all()
    return notifications.unique(notifications.user_recipient(u) for u in users)


def send_due(session: Session, now: datetime) -> int:
    """Send today's summary for every jurisdiction whose morning has come and that has none yet;
    commits each. Returns how many summaries were written."""
    written = 0
    for jurisdiction in session.scalars(select(Jurisdiction).order_by(Jurisdiction.id)).all():
        local = now.astimezone(ZoneInfo(jurisdiction.timezone))
        if local.time() < SUMMARY_AT:
            continue
        day = local.date().isoformat()
        if session.scalar(select(LadderSummary.id).where(LadderSummary.jurisdiction_id == jurisdiction.id,
                                                         LadderSummary.day == day)):
            continue
        try:
            written += _send(session, jurisdiction, day, local, now)
            session.commit()
        except IntegrityError:  # another scheduler wrote today's summary first
            session.rollback()
    return written


def _send(session: Session, jurisdiction: Jurisdiction, day: str, local: datetime, now: datetime) -> int:
    late = overdue(session, jurisdiction.id, now)
    session.add(LadderSummary(jurisdiction_id=jurisdiction.id, day=day, sent_at=now, open_count=len(late)))
    session.flush()  # the claim: a second writer for this day fails here
    if not late:
        return 1
    for r in recipients(session, jurisdiction):
        tickets = ", ".join(c.ticket for c in late[:LISTED])
        if len(late) > LISTED:
            tickets += " " + t("core.staff.daily_summary_more", r.language, more=len(late) - LISTED)
        body = t(TEMPLATE, r.language, jurisdiction=jurisdiction.name, day=local.strftime("%d/%m/%Y"),
                 count=len(late), tickets=tickets)
        outbox.enqueue(session, now, channel=r.channel, recipient=r.address, recipient_kind=outbox.STAFF,
                       template=TEMPLATE, language=r.language, body=body, user_id=r.user_id,
                       extra={"recipient_name": r.name, "day": day, "open_count": len(late),
                              **({"contact_id": r.contact_id} if r.contact_id else {}),
                              **({"fallback": [list(p) for p in r.fallbacks]} if r.fallbacks else {})})
    log.info("daily summary for %s (%s): %d open past a deadline", jurisdiction.code, day, len(late))
    return 1
