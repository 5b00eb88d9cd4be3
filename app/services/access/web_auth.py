"""Staff sign-in, throttled per typed username and client address with a growing wait (never a
lock a stranger can put on someone else's account); sign-out and account changes that end every
earlier web session; admin changes to staff users; the per-user language choice.

The throttle is decided in the database: each attempt is counted by one conditional upsert
before its password is checked, so parallel guesses queue on the row and never outrun the limit.
Unknown and known usernames are counted, answered and timed alike."""
from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.models import User
from app.models.user import SignInThrottle
from app.services.access import accounts
from app.services.errors import Forbidden, ValidationFailed

WEB_ROLES = ("officer", "agency_head", "supervisor", "official", "camat", "admin")

# One username from one address: 5 failures free, then each further attempt waits 1 s, 2 s, 4 s ...
# up to 15 minutes; a quiet day (or a correct password from that address) starts again.
ADDRESS_FREE = 5
ADDRESS_MAX_WAIT = timedelta(minutes=15)
ADDRESS_FORGET_AFTER = timedelta(days=1)
# One username from every address together: 20 failures without a quiet hour, then the same
# growing wait for attempts from addresses that have not signed in to it lately.
ACCOUNT_FREE = 20
ACCOUNT_MAX_WAIT = timedelta(minutes=15)
ACCOUNT_FORGET_AFTER = timedelta(hours=1)
# An address the user signed in from within this time is not slowed by failures elsewhere.
KNOWN_ADDRESS_FOR = timedelta(days=30)
ALL_ADDRESSES = ""

_THROTTLES = SignInThrottle.__table__


@dataclass(frozen=True)
class SignInResult:
    outcome: str  # "ok" | "invalid" | "throttled"
    user: User | None = None
    retry_after: int | None = None  # seconds, when throttled


def normalise_username(username: str | None) -> str:
    """The username as the throttle and the look-up see it, whether or not such a user exists.
    Characters no username has (NUL, controls) become U+FFFD: PostgreSQL refuses NUL in text."""
    cleaned = "".join(ch if ch.isprintable() else "\ufffd" for ch in (username or "").strip()[:200])
    return cleaned.lower()[:80]


def client_key(address: str | None) -> str:
    """The client address a throttle counts: an IPv6 client by its /64 (one subscriber's network)."""
    text = (address or "").strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text[:64] or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def wait_after(failures: int, free: int, longest: timedelta) -> timedelta | None:
    """The wait before the next attempt once `failures` are counted: none up to `free`, then 1 s,
    doubling with each further failure, at most `longest`."""
    if failures < free:
        return None
    exponent = failures - free
    if exponent >= 30:
        return longest
    return min(timedelta(seconds=2 ** exponent), longest)


def _claim(session: Session, now: datetime, username: str, address: str, free: int, longest: timedelta,
           forget_after: timedelta):
    """Counts one attempt if the throttle allows it now; returns (failures, last_success_at), or None
    when the attempt must wait. One conditional upsert: the row stays locked (PostgreSQL row lock,
    SQLite's single writer) until the caller's transaction ends."""
    t = _THROTTLES
    stale = t.c.last_attempt_at.is_(None) | (t.c.last_attempt_at < now - forget_after)
    allowed = stale | (t.c.failures < free) | (t.c.next_allowed_at <= now)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(t).values(username=username, address=address, failures=1, last_attempt_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.username, t.c.address],
        set_={"failures": case((stale, 1), else_=t.c.failures + 1), "last_attempt_at": now,
              "next_allowed_at": case((stale, None), else_=t.c.next_allowed_at)},
        where=allowed,
    ).returning(t.c.failures, t.c.last_success_at)
    row = session.execute(stmt).first()
    if row is None:
        return None
    wait = wait_after(row.failures, free, longest)
    if wait is not None:  # in the same transaction: nobody sees the count without its wait
        session.execute(update(t).where(t.c.username == username, t.c.address == address)
                        .values(next_allowed_at=now + wait))
    return row


def _retry_after(session: Session, now: datetime, username: str, address: str) -> int:
    until = session.scalar(select(_THROTTLES.c.next_allowed_at)
                           .where(_THROTTLES.c.username == username, _THROTTLES.c.address == address))
    seconds = (until - now).total_seconds() if until is not None else 1
    return max(1, math.ceil(seconds))


def sign_in(session: Session, now: datetime, username: str, password: str, address: str | None) -> SignInResult:
    """Counts the attempt against the typed username from this address and from everywhere (waiting
    is "throttled", with the seconds to wait), then checks the password. Commits."""
    username = normalise_username(username)
    address = client_key(address)
    mine = _claim(session, now, username, address, ADDRESS_FREE, ADDRESS_MAX_WAIT, ADDRESS_FORGET_AFTER)
    if mine is None:
        retry_after = _retry_after(session, now, username, address)
        session.rollback()
        return SignInResult("throttled", retry_after=retry_after)
    # An address the user signed in from lately answers for its own failures only.
    known = mine.last_success_at is not None and mine.last_success_at >= now - KNOWN_ADDRESS_FOR
    if not known and _claim(session, now, username, ALL_ADDRESSES, ACCOUNT_FREE, ACCOUNT_MAX_WAIT,
                            ACCOUNT_FORGET_AFTER) is None:
        retry_after = _retry_after(session, now, username, ALL_ADDRESSES)
        session.rollback()  # this address's count too: the attempt was not made
        return SignInResult("throttled", retry_after=retry_after)
    session.commit()  # counted before the (slow) check, and no row held locked while it runs

    user = session.scalar(select(User).where(User.username == username)) if username else None
    if user is None or not user.active or user.role not in WEB_ROLES:
        accounts.verify_password(accounts.dummy_hash(), password or "")
        return SignInResult("invalid")
    if not accounts.verify_password(user.password_hash, password or ""):
        return SignInResult("invalid")
    _succeeded(session, now, username, address, counted_everywhere=not known)
    session.commit()
    _forget_stale(session, now)
    return SignInResult("ok", user=user)


def _succeeded(session: Session, now: datetime, username: str, address: str, counted_everywhere: bool) -> None:
    """A correct password: this address starts afresh and is known; the attempt it counted
    everywhere is taken back. Rows are locked in the claim's order (address, then everywhere)."""
    t = _THROTTLES
    session.execute(update(t).where(t.c.username == username, t.c.address == address)
                    .values(failures=0, next_allowed_at=None, last_success_at=now))
    if counted_everywhere:
        session.execute(update(t).where(t.c.username == username, t.c.address == ALL_ADDRESSES, t.c.failures > 0)
                        .values(failures=t.c.failures - 1))


def _forget_stale(session: Session, now: datetime, batch: int = 500) -> None:
    """Drops records nobody needs any more: no failure for a day, no sign-in for KNOWN_ADDRESS_FOR.
    Skips rows another attempt holds (PostgreSQL), so it never waits for one. Commits."""
    t = _THROTTLES
    stale = (select(t.c.username, t.c.address)
             .where(t.c.last_attempt_at.is_(None) | (t.c.last_attempt_at < now - ADDRESS_FORGET_AFTER),
                    t.c.last_success_at.is_(None) | (t.c.last_success_at < now - KNOWN_ADDRESS_FOR))
             .limit(batch).with_for_update(skip_locked=True))
    session.execute(delete(t).where(tuple_(t.c.username, t.c.address).in_(stale)))
    session.commit()


@dataclass(frozen=True)
class ThrottleState:
    failures: int  # counted failures not yet forgotten, over all addresses
    until: datetime | None  # the latest time an attempt must wait for, if later than now


def throttles(session: Session, now: datetime) -> dict[str, ThrottleState]:
    """Usernames with failures still counted, for the users page."""
    t = _THROTTLES
    rows = session.execute(
        select(t.c.username, func.sum(t.c.failures), func.max(t.c.next_allowed_at))
        .where(t.c.address != ALL_ADDRESSES, t.c.failures > 0, t.c.last_attempt_at >= now - ADDRESS_FORGET_AFTER)
        .group_by(t.c.username))
    everywhere = dict(session.execute(
        select(t.c.username, t.c.next_allowed_at).where(t.c.address == ALL_ADDRESSES, t.c.next_allowed_at > now)).all())
    result = {}
    for username, failures, until in rows:
        latest = max((u for u in (until, everywhere.get(username)) if u is not None), default=None)
        result[username] = ThrottleState(int(failures or 0), latest if latest is not None and latest > now else None)
    return result


def clear_throttle(session: Session, now: datetime, username: str) -> int:
    """Forgets the failures counted against a username from every address (an address it signed
    in from stays known). Returns how many records had failures. Commits."""
    t = _THROTTLES
    username = normalise_username(username)
    cleared = 0
    for scope in (t.c.address != ALL_ADDRESSES, t.c.address == ALL_ADDRESSES):  # the claim's lock order
        cleared += session.execute(update(t).where(t.c.username == username, scope, t.c.failures > 0)
                                   .values(failures=0, next_allowed_at=None)).rowcount
    session.commit()
    return cleared


def _user(session: Session, user_id) -> User:
    user = session.get(User, user_id) if isinstance(user_id, int) and 0 < user_id < 2**31 else None
    if user is None:
        raise ValidationFailed("no such user", field="user")
    return user


def clear_user_throttle(session: Session, now: datetime, user_id: int) -> User:
    """An admin lets a user try again at once from anywhere. Commits."""
    user = _user(session, user_id)
    clear_throttle(session, now, user.username)
    return user


def sign_out(session: Session, now: datetime, user_id: int) -> None:
    """Ends the user's web sessions: the cookie being signed out, and any copy of it. Commits."""
    session.execute(update(User).where(User.id == user_id).values(session_version=User.session_version + 1)
                    .execution_options(synchronize_session=False))
    session.commit()


def update_staff_user(session: Session, now: datetime, actor: Actor, user_id: int, *, role: str,
                      agency_code: str | None, jurisdiction_code: str | None, active: bool,
                      password: str | None, district: str | None = None,
                      all_jurisdictions: bool = False) -> tuple[User, bool]:
    """An admin changes a user's role and scope, active flag or password. Any of these ends every
    earlier session of that user. Returns (user, whether sessions ended). Commits."""
    user = _user(session, user_id)
    if actor.id == user.id and (role != user.role or not active):
        raise Forbidden("an administrator cannot change their own role or deactivate themselves",
                        code="own_account")
    version = user.session_version
    accounts.set_role(session, now, user, role, agency_code, jurisdiction_code, district, all_jurisdictions)
    accounts.set_active(session, now, user, active)
    if password:
        accounts.set_password(session, now, user, password)
    session.commit()
    return user, user.session_version != version


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
                      email: str | None = None, phone: str | None = None, district: str | None = None,
                      all_jurisdictions: bool = False) -> User:
    """A new staff user from the admin settings page. Commits."""
    user = accounts.create_user(session, now, username=username, name=name, role=role, password=password,
                                agency_code=agency_code or None, jurisdiction_code=jurisdiction_code or None,
                                email=email or None, phone=phone or None, district=district,
                                all_jurisdictions=all_jurisdictions)
    session.commit()
    return user


def create_api_token(session: Session, now: datetime, *, role: str, name: str | None = None,
                     agency_code: str | None = None, jurisdiction_code: str | None = None,
                     district: str | None = None, all_jurisdictions: bool = False):
    """A new API token; returns (token, secret). The secret is shown once and never stored. Commits."""
    token, secret = accounts.create_token(session, now, role=role, name=name or None, agency_code=agency_code or None,
                                          jurisdiction_code=jurisdiction_code or None, district=district,
                                          all_jurisdictions=all_jurisdictions)
    session.commit()
    return token, secret


def revoke_api_token(session: Session, now: datetime, prefix: str):
    """Revokes a token by its shown prefix. Commits."""
    token = accounts.revoke_token(session, now, prefix)
    session.commit()
    return token
