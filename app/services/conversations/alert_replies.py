"""Staff and contacts answering an alert by SMS/WhatsApp (`1` or `OK <ticket>`), as paging systems do.

Only a known person may answer: an escalation contact or a staff user with this phone number. A person
of the complaint's agency (its officers, head, duty desk) acknowledges it, recorded as that person
in the trail; anyone else who was told (a camat, a village head, the regional secretary, the regent's
office, supervisors) is recorded as having seen it, never as the agency's acknowledgement. A wrong,
foreign or unknown code gets a helpful answer and changes nothing. An answer after a deadline was
missed also stops the repeat alerts past the top of the ladder (ladder.repeat_answered)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import alert_reply, ladder
from app.domain.actor import Actor
from app.i18n import normalise_language, t
from app.models import Complaint, OutboxMessage, User
from app.models.sla_engine import EscalationContact
from app.services import audit
from app.services.errors import ServiceError
from app.services.messaging import notifications, outbox
from app.services.sla import cursor as sla_cursor

AGENCY_LEVELS = ("agency_duty", "agency_head")
AGENCY_ROLES = ("officer", "agency_head")
# Lifecycle statuses with nothing left to acknowledge.
DONE_STATUSES = ("handled", "resolved", "closed", "rejected")


@dataclass(frozen=True)
class Person:
    """Someone known by this phone number: a contact (perhaps linked to a user) or a staff user."""

    name: str
    language: str
    user: User | None = None
    contact: EscalationContact | None = None

    @property
    def level(self) -> str | None:
        return self.contact.level if self.contact is not None else None


@dataclass(frozen=True)
class Answer:
    text: str
    outcome: str  # alert_acknowledged | alert_seen | alert_refused | alert_stranger
    complaint: Complaint | None = None


def known_people(session: Session, phone: str) -> list[Person]:
    """Active contacts and staff users with this number, contacts first (they say the level)."""
    people: list[Person] = []
    for contact in session.scalars(select(EscalationContact).where(
            EscalationContact.phone == phone, EscalationContact.active.is_(True)).order_by(EscalationContact.id)):
        user = contact.user if contact.user_id and contact.user is not None and contact.user.active else None
        people.append(Person(contact.name, normalise_language(contact.language), user, contact))
    for user in session.scalars(select(User).where(User.phone == phone, User.active.is_(True)).order_by(User.id)):
        if not any(p.user is not None and p.user.id == user.id for p in people):
            people.append(Person(user.name, normalise_language(user.language), user, None))
    return people


def _of_agency(person: Person, complaint: Complaint) -> bool:
    """Whether this person answers for the complaint's agency."""
    if complaint.agency_id is None:
        return False
    if person.contact is not None and person.contact.level in AGENCY_LEVELS \
            and person.contact.agency_id == complaint.agency_id:
        return True
    user = person.user
    return user is not None and user.role in AGENCY_ROLES and user.agency_id == complaint.agency_id


def _watches(person: Person, complaint: Complaint) -> bool:
    """Whether this person is one of the others told about the complaint (its place's camat or village
    head, the jurisdiction's sekda or regent's office, its supervisors): their answer is 'seen'."""
    contact = person.contact
    if contact is not None and contact.jurisdiction_id == complaint.jurisdiction_id \
            and contact.level not in AGENCY_LEVELS:
        return all(getattr(contact, f) is None or getattr(contact, f) == getattr(complaint, f)
                   for f in ("district_id", "village_id", "agency_id"))
    user = person.user
    if user is None or user.jurisdiction_id not in (None, complaint.jurisdiction_id):
        return False
    if user.role == "camat":
        return user.district_id is not None and user.district_id == complaint.district_id
    return user.role in ("supervisor", "admin", "official")


def _last_alert(session: Session, channel: str, phone: str) -> OutboxMessage | None:
    address = f"whatsapp:{phone}" if channel == "whatsapp" else phone
    return session.scalar(select(OutboxMessage).where(
        OutboxMessage.recipient.in_((address, phone)), OutboxMessage.recipient_kind == outbox.STAFF,
        OutboxMessage.complaint_id.is_not(None)).order_by(OutboxMessage.id.desc()).limit(1))


def _actor(person: Person, complaint: Complaint) -> Actor:
    """The person as the trail names them: their staff account, or the contact itself."""
    if person.user is not None:
        u = person.user
        return Actor(kind="user", id=u.id, role=u.role, agency_id=u.agency_id, jurisdiction_id=u.jurisdiction_id,
                     name=u.name, district_id=getattr(u, "district_id", None))
    c = person.contact
    return Actor(kind="contact", id=c.id, role="officer", agency_id=c.agency_id or complaint.agency_id,
                 jurisdiction_id=c.jurisdiction_id, name=c.name)


def answer(session: Session, now: datetime, *, channel: str, phone: str, text: str | None,
           in_dialogue: bool = False) -> Answer | None:
    """The answer to an alert reply, or None when the message is not one (a citizen's message, or a
    bare `1` meant for a conversation under way). Does not commit."""
    reply = alert_reply.parse(text)
    if reply is None:
        return None
    people = known_people(session, phone)
    if not people:
        if reply.explicit and reply.ticket:  # clearly `OK <ticket>`: not a citizen's report
            return Answer(t("sms.alert.stranger", "en" if reply.english else "id", ticket=reply.ticket),
                          "alert_stranger")
        return None
    lang = "en" if reply.english else people[0].language
    if reply.ticket is None and reply.named is None:
        if in_dialogue:
            return None
        alert = _last_alert(session, channel, phone)
        if alert is None:
            return Answer(t("sms.alert.no_alert", lang), "alert_refused")
        complaint = session.get(Complaint, alert.complaint_id)
        message_id = alert.id
    elif reply.ticket is None:
        return Answer(t("sms.alert.bad_code", lang, code=reply.named), "alert_refused")
    else:
        complaint = session.scalar(select(Complaint).where(Complaint.ticket == reply.ticket))
        if complaint is None:
            return Answer(t("sms.alert.unknown_ticket", lang, ticket=reply.ticket), "alert_refused")
        message_id = None
    agency_person = next((p for p in people if _of_agency(p, complaint)), None)
    watcher = next((p for p in people if _watches(p, complaint)), None)
    person = agency_person or watcher
    if person is None:
        return Answer(t("sms.alert.not_yours", lang, ticket=complaint.ticket, name=people[0].name),
                      "alert_refused")
    if not reply.english:
        lang = person.language
    data = {"channel": channel, "by": person.name, "level": person.level, "message_id": message_id,
            "reply": (text or "").strip()[:40]}
    if agency_person is not None:
        return _acknowledge(session, now, complaint, person, lang, data)
    return _seen(session, now, complaint, person, lang, data)


def _acknowledge(session: Session, now: datetime, complaint: Complaint, person: Person, lang: str,
                 data: dict) -> Answer:
    from app.services import lifecycle  # a room below: conversations may call it

    actor = _actor(person, complaint)
    acknowledged = False
    if complaint.status in ("assigned", "received"):
        try:
            complaint = lifecycle.acknowledge(session, now, complaint.ticket, actor,
                                              note=f"{data['reply']} ({data['channel']})")
            acknowledged = True
        except ServiceError:
            session.rollback()
            complaint = session.get(Complaint, complaint.id)
    complaint.alert_acknowledged_at = now
    audit.record(session, complaint, "alert_acknowledged", now, actor,
                 data={**data, "complaint_acknowledged": acknowledged})
    sla_cursor.reschedule(complaint, now)
    params = {"ticket": complaint.ticket, "name": person.name}
    if complaint.status in DONE_STATUSES:
        return Answer(t("sms.alert.closed", lang, status=_status(complaint, lang), **params),
                      "alert_acknowledged", complaint)
    if acknowledged:
        return Answer(t("sms.alert.acknowledged", lang, agency=complaint.agency.name[:60],
                        due=notifications.local_time(complaint, complaint.handle_due_at), **params),
                      "alert_acknowledged", complaint)
    return Answer(t("sms.alert.already", lang, status=_status(complaint, lang), **params),
                  "alert_acknowledged", complaint)


def _seen(session: Session, now: datetime, complaint: Complaint, person: Person, lang: str, data: dict) -> Answer:
    """Someone told who does not answer for the agency: seen, not acknowledged. Someone at the top of
    the ladder (those the repeats re-alert) having seen a missed deadline stops the repeats."""
    top = ladder.top_levels(sla_cursor.ladder_policy(complaint.sla_policy).levels)
    stops_repeats = person.level in top
    if stops_repeats:
        complaint.alert_acknowledged_at = now
        sla_cursor.reschedule(complaint, now)
    audit.record(session, complaint, "alert_seen", now, _actor(person, complaint),
                 data={**data, "stops_repeats": stops_repeats})
    agency = complaint.agency.name[:60] if complaint.agency is not None else t("core.no_agency", lang)
    return Answer(t("sms.alert.seen", lang, ticket=complaint.ticket, name=person.name, agency=agency),
                  "alert_seen", complaint)


def _status(complaint: Complaint, lang: str) -> str:
    return t(f"sms.status_name.{complaint.status}", lang, agency=complaint.agency.name[:60] if complaint.agency
             else "-", when="").strip()


def record_answer(session: Session, now: datetime, ticket: str, actor: Actor, *, channel: str) -> Complaint | None:
    """A staff member of the complaint's agency answered an alert about a complaint already
    acknowledged (the Telegram button): recorded, and the repeats past the top stop. None when the
    complaint is not theirs or not open. Does not commit."""
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    if complaint is None or complaint.status not in ladder.OPEN_STATUSES or complaint.agency_id is None \
            or actor.agency_id != complaint.agency_id or actor.role not in AGENCY_ROLES:
        return None
    complaint.alert_acknowledged_at = now
    audit.record(session, complaint, "alert_acknowledged", now, actor,
                 data={"channel": channel, "by": actor.name, "complaint_acknowledged": False})
    sla_cursor.reschedule(complaint, now)
    return complaint
