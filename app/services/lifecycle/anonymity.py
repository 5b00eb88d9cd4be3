"""Anonymous reports (anonim): the citizen's address is kept only while the channel needs it to
answer this one report: the receipt, the updates, "was it handled?" and the satisfaction question.
Once the complaint is settled (closed or rejected) and the survey's answer window has passed, the
link is erased: the complaint forgets its reporter, its messages and opt-in records forget the
address, and a reporter row no other report needs is emptied."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from app.domain import privacy
from app.domain.actor import SYSTEM
from app.models import Complaint, OutboxMessage, Reporter
from app.models.satisfaction import SatisfactionSurvey
from app.models.sms import SmsInboundMessage
from app.models.whatsapp import OptRecord
from app.services import audit
from app.services.messaging.notifications import ANONYMOUS_LINK_DAYS

log = logging.getLogger(__name__)

KEEP_AFTER_SETTLED = timedelta(days=ANONYMOUS_LINK_DAYS)
ERASED = "(erased)"  # what an erased address reads as where the column may not be empty


def due(session: Session, now: datetime, *, keep: timedelta = KEEP_AFTER_SETTLED, limit: int = 1000) -> list[int]:
    """Ids of anonymous complaints still linked to a reporter, settled longer ago than `keep`."""
    cutoff = now - keep
    settled = or_(and_(Complaint.status == "closed", Complaint.closed_at <= cutoff),
                  and_(Complaint.status == "rejected", Complaint.rejected_at <= cutoff))
    return list(session.scalars(
        select(Complaint.id).where(Complaint.confidentiality == privacy.ANONIM, Complaint.reporter_id.is_not(None),
                                   settled).order_by(Complaint.id).limit(limit)))


def erase(session: Session, now: datetime, complaint_id: int) -> bool:
    """Detach one anonymous complaint from its reporter, in the caller's transaction (not committed).
    False when another process did it first (the conditional update claims it)."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.reporter_id is None or complaint.confidentiality != privacy.ANONIM:
        return False
    reporter_id = complaint.reporter_id
    claimed = session.execute(
        update(Complaint).where(Complaint.id == complaint_id, Complaint.reporter_id == reporter_id)
        .values(reporter_id=None, updated_at=now).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return False
    session.refresh(complaint)
    to_citizen = (OutboxMessage.complaint_id == complaint_id, OutboxMessage.reporter_id == reporter_id)
    # Anything still waiting for the citizen is not sent to an address that no longer exists.
    session.execute(update(OutboxMessage).where(*to_citizen, OutboxMessage.status.in_(("pending", "failed")))
                    .values(status="dead", last_error="not sent: the anonymous reporter's address was erased")
                    .execution_options(synchronize_session=False))
    session.execute(update(OutboxMessage).where(*to_citizen)
                    .values(recipient=ERASED, reporter_id=None).execution_options(synchronize_session=False))
    session.execute(update(SmsInboundMessage).where(SmsInboundMessage.complaint_id == complaint_id)
                    .values(phone=ERASED, reporter_id=None).execution_options(synchronize_session=False))
    session.execute(update(OptRecord).where(OptRecord.complaint_id == complaint_id)
                    .values(address=ERASED, reporter_id=None).execution_options(synchronize_session=False))
    session.execute(update(SatisfactionSurvey).where(SatisfactionSurvey.complaint_id == complaint_id)
                    .values(reporter_id=None).execution_options(synchronize_session=False))
    still_needed = session.scalar(select(exists().where(Complaint.reporter_id == reporter_id)))
    if not still_needed:  # no other report answers on this address: the reporter is forgotten
        session.execute(update(Reporter).where(Reporter.id == reporter_id)
                        .values(name=None, phone=None, telegram_chat_id=None)
                        .execution_options(synchronize_session=False))
    audit.record(session, complaint, "reporter_detached", now, SYSTEM,
                 data={"reporter_erased": not still_needed})
    return True


def erase_settled(session: Session, now: datetime, *, keep: timedelta = KEEP_AFTER_SETTLED,
                  limit: int = 1000) -> int:
    """Erase every anonymous complaint's link that is due, one transaction each. Returns how many."""
    erased = 0
    for complaint_id in due(session, now, keep=keep, limit=limit):
        try:
            if erase(session, now, complaint_id):
                session.commit()
                erased += 1
            else:
                session.rollback()
        except Exception:  # noqa: BLE001 - one complaint's failure must not stop the others
            session.rollback()
            log.exception("erasing the anonymous reporter of complaint %s failed", complaint_id)
    return erased
