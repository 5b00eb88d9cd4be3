"""Citizens known by channel address (E.164 phone, Telegram chat id); never a login account.

Who may bind an address to a reporter matters: whoever holds the reporter's Telegram chat reads
and disputes its complaints, and whoever holds its phone does the same by SMS. So there are two
ways to find a reporter:
- CHANNEL: the citizen is writing from this address right now (Telegram chat, SMS/WhatsApp
  number): that one address is theirs, and the language they chose is kept;
- CLAIMED: someone else says who the reporter is (a partner's API call or Open311 request, staff
  at the counter): an existing reporter is used as it is, and a new one gets a single address,
  so that a claim never joins two addresses (a partner naming a citizen's phone with its own
  chat id would otherwise read that citizen's complaints, now or once the citizen first writes).
  A claimed phone must be an Indonesian mobile number (no premium-rate or foreign numbers to text)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.phone import is_indonesian_mobile, to_e164
from app.i18n import normalise_language
from app.models import Reporter
from app.services.errors import ValidationFailed
from app.services.intake import fast_insert

CHANNEL = "channel"
CLAIMED = "claimed"


def find_or_create(session: Session, now: datetime, *, phone: str | None = None, telegram_chat_id=None,
                   name: str | None = None, language: str | None = None, binding: str = CLAIMED,
                   defer_insert: bool = False) -> Reporter | Pending | None:
    """The reporter with this phone (else this chat id), created if new; None when neither an
    address nor a name is given. `binding` says who vouches for the address (see the module).

    defer_insert: an address this transaction has not seen yet is not inserted here; a `Pending` comes
    back instead, whose INSERT ... ON CONFLICT DO NOTHING the caller sends inside a statement of its own
    (intake: the ticket numbers' statement on PostgreSQL, one round trip fewer), then `settle`s it."""
    if binding not in (CHANNEL, CLAIMED):
        raise ValueError(f"unknown binding {binding!r}")
    e164, chat_id = _phone(phone, binding), _chat_id(telegram_chat_id)
    if name is not None and len(str(name)) > 200:
        raise ValidationFailed("reporter.name is longer than 200 characters", field="reporter.name")
    if binding == CHANNEL and e164 is not None and chat_id is not None:
        raise ValueError("a citizen writes from one channel address at a time")
    # One address decides: the phone when there is one (a claimed chat id beside it is not bound).
    if e164 is not None:
        chat_id = None
    if e164 is None and chat_id is None:
        if name:
            reporter = Reporter(name=str(name).strip(), language=normalise_language(language), created_at=now)
            session.add(reporter)
            session.flush()
            return reporter
        return None
    reporter = _in_session(session, e164, chat_id)
    if reporter is None:
        new = _new(now, e164, chat_id, name, language)
        if defer_insert:
            return Pending(new, now, dict(phone=phone, telegram_chat_id=telegram_chat_id, name=name,
                                          language=language, binding=binding))
        reporter = fast_insert.insert_one(session, new, unless_conflict=True)
        if reporter is not None:
            return reporter
        reporter = _find(session, e164, chat_id)
    if reporter is None:  # the one that conflicted has gone again (its transaction rolled back)
        return find_or_create(session, now, phone=phone, telegram_chat_id=telegram_chat_id, name=name,
                              language=language, binding=binding)
    return _bind(reporter, binding, name, language)


@dataclass
class Pending:
    """A new address's reporter, not inserted yet (find_or_create(defer_insert=True)): `reporter` is the
    transient row to insert (fast_insert.insert_one_sql(..., unless_conflict=True)), `asked` what
    find_or_create was asked (for its retry)."""
    reporter: Reporter
    now: datetime
    asked: dict


def settle(session: Session, pending: Pending, inserted_id: int | None) -> Reporter:
    """The reporter once the pending INSERT ... ON CONFLICT DO NOTHING has run and returned
    `inserted_id`: the new row, else (None: the address was known already, or another request has just
    inserted it) the row it conflicted with, as find_or_create would have found it."""
    reporter = fast_insert.adopt(session, pending.reporter, inserted_id)
    if reporter is not None:
        return reporter
    reporter = _find(session, pending.reporter.phone, pending.reporter.telegram_chat_id)
    if reporter is None:  # the one that conflicted has gone again (its transaction rolled back)
        return find_or_create(session, pending.now, **pending.asked)
    asked = pending.asked
    return _bind(reporter, asked["binding"], asked["name"], asked["language"])


def _bind(reporter: Reporter, binding: str, name, language) -> Reporter:
    """An existing reporter found for an address: a citizen writing from it (CHANNEL) names it if it has
    no name and sets its language; a claim uses it as it is."""
    if binding == CHANNEL:
        if name and not reporter.name:
            reporter.name = str(name).strip()
        if language:
            reporter.language = normalise_language(language)
    return reporter


def _phone(phone, binding: str) -> str | None:
    """The phone as E.164. A claimed one must be an Indonesian mobile number: Sigap texts the reporter
    there, and a number anyone may name (premium-rate, abroad) would make it pay for their texts."""
    if not phone:
        return None
    e164 = to_e164(str(phone))
    if e164 is None:
        raise ValidationFailed(f"reporter.phone {phone!r} is not a valid phone number", field="reporter.phone")
    if binding == CLAIMED and not is_indonesian_mobile(e164):
        raise ValidationFailed(f"reporter.phone {phone!r} is not an Indonesian mobile number (e.g. 0812 3456 7890): "
                               "Sigap texts the reporter there", field="reporter.phone")
    return e164


def _chat_id(telegram_chat_id) -> int | None:
    if telegram_chat_id in (None, ""):
        return None
    if isinstance(telegram_chat_id, bool):
        raise ValidationFailed("reporter.telegram_chat_id must be a number", field="reporter.telegram_chat_id")
    try:
        chat_id = int(telegram_chat_id)
    except (TypeError, ValueError, OverflowError):
        raise ValidationFailed("reporter.telegram_chat_id must be a number", field="reporter.telegram_chat_id") from None
    if not -2**63 <= chat_id < 2**63:
        raise ValidationFailed("reporter.telegram_chat_id is not a Telegram chat id", field="reporter.telegram_chat_id")
    return chat_id


def _in_session(session: Session, e164: str | None, chat_id: int | None) -> Reporter | None:
    """The reporter with this address that this transaction has already read or made (no query: an
    SMS dialogue files its reporter, then intake asks for the same one)."""
    for obj in session.identity_map.values():
        if isinstance(obj, Reporter) and (obj.phone == e164 if e164 is not None else obj.telegram_chat_id == chat_id):
            return obj
    return None


def _find(session: Session, e164: str | None, chat_id: int | None) -> Reporter | None:
    if e164 is not None:
        return session.scalar(select(Reporter).where(Reporter.phone == e164))
    return session.scalar(select(Reporter).where(Reporter.telegram_chat_id == chat_id))


def _new(now: datetime, e164: str | None, chat_id: int | None, name, language) -> Reporter:
    """The reporter to insert with its one address, in one statement (INSERT ... ON CONFLICT DO
    NOTHING RETURNING id): nothing comes back, and no error, no savepoint, when the address is known
    already or another request is inserting it right now (the INSERT waits for that request to end)."""
    return Reporter(phone=e164, telegram_chat_id=chat_id, name=(str(name).strip() if name else None),
                    language=normalise_language(language), opted_out=False, opted_out_at=None,
                    unreachable=False, created_at=now)
