"""Which SMS gateway carries a message, chosen per number: a citizen is answered through the gateway
of the number they wrote to (Twilio, or Kannel for a regency's own short code), staff of a
jurisdiction whose numbers are all on Kannel through Kannel. The choice rides in the outbox
message's `extra` (`gateway`, `from`), where the sms sender reads it; Twilio is the default."""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.domain.phone import number_key
from app.models.sms import SmsInboundMessage, SmsNumber

TWILIO, KANNEL = "twilio", "kannel"
KANNEL_SID_PREFIX = "kannel:"  # how a message Kannel brought is known in sms_inbound_messages
GATEWAYS = (TWILIO, KANNEL)


# Built once, on the tables' columns (no ORM entity): a receipt to every citizen with a phone asks,
# and building and compiling an ORM query each time cost more CPU than the database's answer.
_NUMBERS = SmsNumber.__table__
_GATEWAY = select(_NUMBERS.c.gateway).where(_NUMBERS.c.number == bindparam("number"))
_INBOUND = SmsInboundMessage.__table__
_LAST_SMS = (select(_INBOUND.c.to_number, _INBOUND.c.message_sid)
             .where(_INBOUND.c.phone == bindparam("phone"), _INBOUND.c.channel == "sms")
             .order_by(_INBOUND.c.received_at.desc(), _INBOUND.c.id.desc()).limit(1))


def route_for_number(session: Session, number: str | None) -> dict:
    """{"gateway": "kannel", "from": "1708"} for a Kannel number; {} for Twilio or an unknown number."""
    key = number_key(number)
    if key is None:
        return {}
    gateway = session.execute(_GATEWAY, {"number": key}).scalar()
    return kannel_route(key) if gateway == KANNEL else {}


def kannel_route(number: str) -> dict:
    return {"gateway": KANNEL, "from": number}


# The same question as driver SQL (one %s: the phone), for a statement the caller sends anyway to carry
# as a LATERAL join (PostgreSQL): intake asks it with the ticket number, a round trip fewer per receipt.
LAST_SMS_SQL = ("SELECT to_number, message_sid FROM sms_inbound_messages WHERE phone = %s AND channel = 'sms' "
                "ORDER BY received_at DESC, id DESC LIMIT 1")
_PREFETCHED = "sms_gateways.last_sms"


def prefetched(session: Session, phone: str, last: tuple[str | None, str] | None) -> None:
    """What LAST_SMS_SQL answered for `phone` in this transaction ((to_number, message_sid), or None when
    the phone never wrote): the next route_to_citizen for that phone uses it instead of asking."""
    session.info[_PREFETCHED] = (session.get_transaction(), phone, last)


def forget_prefetched(session: Session) -> None:
    session.info.pop(_PREFETCHED, None)


def route_to_citizen(session: Session, phone: str | None) -> dict:
    """The gateway of the number this phone last wrote to (SMS, not WhatsApp); a number Kannel brought
    the message to answers through Kannel even before it is mapped."""
    if not phone:
        return {}
    known = session.info.pop(_PREFETCHED, None)
    if known is not None and known[0] is session.get_transaction() and known[1] == phone:
        last = known[2]
    else:
        last = session.execute(_LAST_SMS, {"phone": phone}).first()
    if last is None:
        return {}
    to_number, message_sid = last
    if message_sid.startswith(KANNEL_SID_PREFIX) and to_number:
        return kannel_route(number_key(to_number) or to_number)
    return route_for_number(session, to_number)


def route_to_staff(session: Session, jurisdiction_id: int | None) -> dict:
    """Through Kannel when the jurisdiction's mapped numbers are all Kannel's (its first one sends)."""
    if jurisdiction_id is None:
        return {}
    rows = session.execute(select(SmsNumber.number, SmsNumber.gateway)
                           .where(SmsNumber.jurisdiction_id == jurisdiction_id).order_by(SmsNumber.id)).all()
    if rows and all(gateway == KANNEL for _number, gateway in rows):
        return kannel_route(rows[0][0])
    return {}
