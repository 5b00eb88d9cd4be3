"""Staff opt in to WhatsApp (or SMS) by proving the number is theirs: a code is sent to the escalation
contact's number and they send it back (a reply on that channel, or an operator types what they read
out). Until a WhatsApp number is verified, and after its STOP until START, the contact's alerts go by
SMS, then Telegram (notifications.contact_recipient). Every verification is an opt_records row with
its time and channel (consent), beside STOP and START."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import whatsapp_templates
from app.i18n import normalise_language, t
from app.models.sla_engine import EscalationContact
from app.models.whatsapp import ContactVerification, OptRecord
from app.services.errors import NotFound, ValidationFailed
from app.services.messaging import consent, outbox, sms_gateways

TEMPLATE = "core.staff.verify_code"
CHANNELS = ("whatsapp", "sms")
CODE_TTL = timedelta(minutes=30)
MAX_ATTEMPTS = 5  # wrong codes before the code is spent and a new one must be sent
REPLY = re.compile(r"^\s*(?:KODE|CODE|VERIFIKASI|VERIFY)?\s*(\d{6})\s*$", re.IGNORECASE)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def send_code(session: Session, now: datetime, contact_id: int, channel: str = "whatsapp") -> ContactVerification:
    """Send a new code to the contact's number on `channel` (no fallback: the code must arrive where it
    verifies). Earlier codes for that number stay valid until they expire. Commits."""
    contact = session.get(EscalationContact, contact_id)
    if contact is None:
        raise NotFound(f"no escalation contact {contact_id}", field="contact")
    if channel not in CHANNELS:
        raise ValidationFailed(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
    if not contact.phone:
        raise ValidationFailed("the contact has no phone number to verify", field="phone")
    code = f"{secrets.randbelow(10 ** 6):06d}"
    row = ContactVerification(contact_id=contact.id, channel=channel, address=contact.phone, code_hash=_hash(code),
                              sent_at=now, expires_at=now + CODE_TTL, attempts=0)
    session.add(row)
    lang = normalise_language(contact.language)
    values = {"code": code, "minutes": str(int(CODE_TTL.total_seconds() // 60))}
    extra = {"recipient_name": contact.name, "contact_id": contact.id}
    if channel == "whatsapp":
        extra["vars"] = {name: values.get(name, "") for name in whatsapp_templates.build(TEMPLATE, lang).variables}
        recipient = f"whatsapp:{contact.phone}"
    else:
        extra.update(sms_gateways.route_to_staff(session, contact.jurisdiction_id))
        recipient = contact.phone
    outbox.enqueue(session, now, channel=channel, recipient=recipient, recipient_kind=outbox.STAFF, template=TEMPLATE,
                   language=lang, body=t(TEMPLATE, lang, **values), user_id=contact.user_id, extra=extra)
    session.commit()
    return row


def _pending(session: Session, now: datetime, **where) -> ContactVerification | None:
    query = select(ContactVerification).where(ContactVerification.verified_at.is_(None),
                                              ContactVerification.expires_at > now,
                                              ContactVerification.attempts < MAX_ATTEMPTS)
    for name, value in where.items():
        query = query.where(getattr(ContactVerification, name) == value)
    return session.scalar(query.order_by(ContactVerification.sent_at.desc(), ContactVerification.id.desc()).limit(1))


def is_waiting(session: Session, now: datetime, channel: str, phone: str) -> bool:
    """True while a code sent to this number may still be answered."""
    return _pending(session, now, channel=channel, address=phone) is not None


def _check(session: Session, now: datetime, row: ContactVerification | None, code: str) -> bool:
    if row is None:
        return False
    row.attempts += 1
    if not hmac.compare_digest(row.code_hash, _hash(code or "")):
        return False
    row.verified_at = now
    contact = session.get(EscalationContact, row.contact_id)
    consent.record(session, now, channel=row.channel, address=row.address, kind="opt_in", reason="verified",
                   user_id=contact.user_id if contact is not None else None)
    return True


def answer(session: Session, now: datetime, channel: str, phone: str, text: str) -> bool | None:
    """A message from `phone` that may be a code: True verified, False a wrong code, None when it is no
    code or no code is waiting for this number (then it is an ordinary message). No commit."""
    match = REPLY.match(text or "")
    if match is None:
        return None
    row = _pending(session, now, channel=channel, address=phone)
    if row is None:
        return None
    return _check(session, now, row, match.group(1))


def confirm(session: Session, now: datetime, contact_id: int, code: str) -> bool:
    """An operator enters the code the contact read out (their newest waiting one). Commits."""
    verified = _check(session, now, _pending(session, now, contact_id=contact_id), code)
    session.commit()
    return verified


def whatsapp_verified(session: Session, phones) -> set[str]:
    """The numbers among `phones` verified on WhatsApp and not stopped since (a START after a STOP
    opts a verified number back in)."""
    phones = {p for p in phones if p}
    if not phones:
        return set()
    state: dict[str, tuple[bool, bool]] = {}  # phone: (verified, stopped)
    rows = session.execute(select(OptRecord.address, OptRecord.kind, OptRecord.reason)
                           .where(OptRecord.channel == "whatsapp", OptRecord.address.in_(phones))
                           .order_by(OptRecord.at, OptRecord.id))
    for address, kind, reason in rows:
        verified, _stopped = state.get(address, (False, False))
        if kind == "opt_out":
            state[address] = (verified, True)
        elif kind == "opt_in":
            state[address] = (verified or reason == "verified", False)
    return {address for address, (verified, stopped) in state.items() if verified and not stopped}
