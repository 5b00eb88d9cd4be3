"""Citizens known by channel address (E.164 phone, Telegram chat id); never a login account."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.phone import to_e164
from app.i18n import normalise_language
from app.models import Reporter
from app.services import fast_insert
from app.services.errors import ValidationFailed


def find_or_create(session: Session, now: datetime, *, phone: str | None = None, telegram_chat_id=None,
                   name: str | None = None, language: str | None = None) -> Reporter | None:
    """The reporter with this phone or chat id, created if new; None when no address is given."""
    e164 = None
    if phone:
        e164 = to_e164(str(phone))
        if e164 is None:
            raise ValidationFailed(f"reporter.phone {phone!r} is not a valid phone number", field="reporter.phone")
    chat_id = None
    if telegram_chat_id not in (None, ""):
        try:
            chat_id = int(telegram_chat_id)
        except (TypeError, ValueError):
            raise ValidationFailed("reporter.telegram_chat_id must be a number", field="reporter.telegram_chat_id") from None
    if name is not None and len(str(name)) > 200:
        raise ValidationFailed("reporter.name is longer than 200 characters", field="reporter.name")
    if e164 is None and chat_id is None:
        if name:
            reporter = Reporter(name=str(name).strip(), language=normalise_language(language), created_at=now)
            session.add(reporter)
            session.flush()
            return reporter
        return None
    reporter = _insert_new(session, now, e164, chat_id, name, language)
    if reporter is not None:
        return reporter
    if e164:
        reporter = session.scalar(select(Reporter).where(Reporter.phone == e164))
    if reporter is None and chat_id is not None:
        reporter = session.scalar(select(Reporter).where(Reporter.telegram_chat_id == chat_id))
    if reporter is None:  # the one that conflicted has gone again (its transaction rolled back)
        return find_or_create(session, now, phone=phone, telegram_chat_id=telegram_chat_id, name=name,
                              language=language)
    if name and not reporter.name:
        reporter.name = str(name).strip()
    if e164 and not reporter.phone:
        reporter.phone = e164
    if chat_id is not None and reporter.telegram_chat_id is None:
        reporter.telegram_chat_id = chat_id
    if language:
        reporter.language = normalise_language(language)
    return reporter


def _insert_new(session: Session, now: datetime, e164: str | None, chat_id: int | None, name, language):
    """The reporter, inserted when neither address is known yet: one statement, and None (no error,
    no savepoint) when one is known already or another request is inserting it right now
    (INSERT ... ON CONFLICT DO NOTHING waits for that request to end)."""
    reporter = Reporter(phone=e164, telegram_chat_id=chat_id, name=(str(name).strip() if name else None),
                        language=normalise_language(language), opted_out=False, opted_out_at=None,
                        unreachable=False, created_at=now)
    return fast_insert.insert_one(session, reporter, unless_conflict=True)
