"""Staff sign-in with a lockout after repeated failures, and the per-user language choice."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import User
from app.services import accounts
from app.services.errors import ValidationFailed

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
WEB_ROLES = ("officer", "agency_head", "supervisor", "official", "admin")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified when the username is unknown, so that a miss costs the same time as a wrong password."""
    return accounts.hash_password("not-a-real-password-0")


@dataclass(frozen=True)
class SignInResult:
    outcome: str  # "ok" | "invalid" | "locked"
    user: User | None = None
    locked_until: datetime | None = None


def sign_in(session: Session, now: datetime, username: str, password: str) -> SignInResult:
    """Checks the password; counts failures and locks the account for a while after MAX_FAILURES. Commits."""
    username = (username or "").strip().lower()[:80]
    user = session.scalar(select(User).where(User.username == username)) if username else None
    if user is None or not user.active or user.role not in WEB_ROLES:
        accounts.verify_password(_dummy_hash(), password or "")
        return SignInResult("invalid")
    if user.locked_until is not None and user.locked_until > now:
        return SignInResult("locked", locked_until=user.locked_until)
    if not accounts.verify_password(user.password_hash, password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + LOCK_FOR
            user.failed_logins = 0
            session.commit()
            return SignInResult("locked", locked_until=user.locked_until)
        session.commit()
        return SignInResult("invalid")
    user.failed_logins = 0
    user.locked_until = None
    session.commit()
    return SignInResult("ok", user=user)


def unlock(session: Session, now: datetime, user_id: int) -> User:
    """An admin lifts a lockout. Commits."""
    user = session.get(User, user_id)
    if user is None:
        raise ValidationFailed("no such user", field="user")
    user.failed_logins = 0
    user.locked_until = None
    session.commit()
    return user


def set_language(session: Session, now: datetime, user_id: int, language: str) -> User:
    """The staff member's language for the web pages and their alerts. Commits."""
    if language not in ("id", "en"):
        raise ValidationFailed("language must be id or en", field="language")
    user = session.get(User, user_id)
    if user is None:
        raise ValidationFailed("no such user", field="user")
    user.language = language
    session.commit()
    return user


def create_staff_user(session: Session, now: datetime, *, username: str, name: str, role: str, password: str,
                      agency_code: str | None = None, jurisdiction_code: str | None = None,
                      email: str | None = None, phone: str | None = None) -> User:
    """A new staff user from the admin settings page. Commits."""
    user = accounts.create_user(session, now, username=username, name=name, role=role, password=password,
                                agency_code=agency_code or None, jurisdiction_code=jurisdiction_code or None,
                                email=email or None, phone=phone or None)
    session.commit()
    return user


def create_api_token(session: Session, now: datetime, *, role: str, name: str | None = None,
                     agency_code: str | None = None, jurisdiction_code: str | None = None):
    """A new API token; returns (token, secret). The secret is shown once and never stored. Commits."""
    token, secret = accounts.create_token(session, now, role=role, name=name or None, agency_code=agency_code or None,
                                          jurisdiction_code=jurisdiction_code or None)
    session.commit()
    return token, secret


def revoke_api_token(session: Session, now: datetime, prefix: str):
    """Revokes a token by its shown prefix. Commits."""
    token = accounts.revoke_token(session, now, prefix)
    session.commit()
    return token
