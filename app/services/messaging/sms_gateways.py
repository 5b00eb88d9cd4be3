"""Which SMS gateway carries a message, chosen per number: a citizen is answered through the gateway
of the number they wrote to (Twilio, or Kannel for a regency's own short code), staff of a
jurisdiction whose numbers are all on Kannel through Kannel. The choice rides in the outbox
message's `extra` (`gateway`, `from`), where the sms sender reads it; Twilio is the default."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.phone import number_key
from app.models.sms import SmsInboundMessage, SmsNumber

TWILIO, KANNEL = "twilio", "kannel"
KANNEL_SID_PREFIX = "kannel:"  # how a message Kannel brought is known in sms_inbound_messages
GATEWAYS = (TWILIO, KANNEL)


def route_for_number(session: Session, number: str | None) -> dict:
    """{"gateway": "kannel", "from": "1708"} for a Kannel number; {} for Twilio or an unknown number."""
    key = number_key(number)
    if key is None:
        return {}
    gateway = session.scalar(select(SmsNumber.gateway).where(SmsNumber.number == key))
    return kannel_route(key) if gateway == KANNEL else {}


def kannel_route(number: str) -> dict:
    return {"gateway": KANNEL, "from": number}


def route_to_citizen(session: Session, phone: str | None) -> dict:
    """The gateway of the number this phone last wrote to (SMS, not WhatsApp); a number Kannel brought
    the message to answers through Kannel even before it is mapped."""
    if not phone:
        return {}
    last = session.execute(
        select(SmsInboundMessage.to_number, SmsInboundMessage.message_sid)
        .where(SmsInboundMessage.phone == phone, SmsInboundMessage.channel == "sms")
        .order_by(SmsInboundMessage.received_at.desc(), SmsInboundMessage.id.desc()).limit(1)).first()
    if last is None:
        return {}
    if last.message_sid.startswith(KANNEL_SID_PREFIX) and last.to_number:
        return kannel_route(number_key(last.to_number) or last.to_number)
    return route_for_number(session, last.to_number)


def route_to_staff(session: Session, jurisdiction_id: int | None) -> dict:
    """Through Kannel when the jurisdiction's mapped numbers are all Kannel's (its first one sends)."""
    if jurisdiction_id is None:
        return {}
    rows = session.execute(select(SmsNumber.number, SmsNumber.gateway)
                           .where(SmsNumber.jurisdiction_id == jurisdiction_id).order_by(SmsNumber.id)).all()
    if rows and all(gateway == KANNEL for _number, gateway in rows):
        return kannel_route(rows[0][0])
    return {}
