"""Staff accounts and API tokens: argon2 password hashes, token secrets stored only as sha256."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, case, func, or_, select, update
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.domain.phone import to_e164
from app.models import AGENCY_ROLES, JURISDICTION_ROLES, ROLES, Agency, ApiToken, District, Jurisdiction, User
from app.services.errors import NotFound, ValidationFailed
from app.services.messaging import partner_webhooks
from app.services.reference import cache as reference_cache
from app.services.reference import places

TOKEN_PREFIX = "sgp_"
TOKEN_SHOWN_CHARS = 12  # "sgp_" + 8 characters: enough to name a token in `tokens revoke`
LAST_USED_GRANULARITY = timedelta(minutes=1)
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD_LENGTH = 10
MAX_NAME = 200  # users.name and users.email
MAX_TOKEN_NAME = 120  # api_tokens.name

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106) parameters
# The test suite's: a hash costs microseconds instead of 64 MiB and three passes. Hashes carry their
# parameters, so verifying a standard hash stays standard whatever the process hashes with.
_FAST_FOR_TESTS = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def use_fast_password_hashes() -> None:
    """From now on this process hashes with the test suite's cheap parameters (settings'
    `fast_password_hashes`, which production refuses)."""
    global _hasher
    _hasher = _FAST_FOR_TESTS
    dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """Verified when the username is unknown, so that a miss costs the same time as a wrong password."""
    return hash_password("not-a-real-password-0")


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; never raises for a bad or missing hash."""
    if not password_hash or password is None:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError, UnicodeEncodeError):  # a lone surrogate is no password
        return False


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def _agency(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"no agency with code {code!r}", field="agency")
    return agency


def _jurisdiction(session: Session, code: str) -> Jurisdiction:
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if jurisdiction is None:
        raise NotFound(f"no jurisdiction with code {code!r}", field="jurisdiction")
    return jurisdiction


@dataclass(frozen=True)
class Binding:
    """Where a user's or token's role applies: an agency, a jurisdiction, a kecamatan, or explicitly
    every jurisdiction."""

    agency: Agency | None
    jurisdiction: Jurisdiction | None
    district: District | None
    all_jurisdictions: bool

    def columns(self) -> dict:
        return {"agency_id": self.agency.id if self.agency else None,
                "jurisdiction_id": self.jurisdiction.id if self.jurisdiction else None,
                "district_id": self.district.id if self.district else None,
                "all_jurisdictions": self.all_jurisdictions}


def _scope(session: Session, role: str, agency_code: str | None, jurisdiction_code: str | None,
           district: str | None = None, all_jurisdictions: bool = False) -> Binding:
    """Checks role against agency/jurisdiction/kecamatan; an agency implies its jurisdiction. A
    supervisor, official or camat must name a jurisdiction: province-wide only when told so."""
    if role not in ROLES:
        raise ValidationFailed(f"unknown role {role!r}: use one of {', '.join(ROLES)}", field="role")
    agency = _agency(session, agency_code) if agency_code else None
    jurisdiction = _jurisdiction(session, jurisdiction_code) if jurisdiction_code else None
    all_jurisdictions = bool(all_jurisdictions)
    if role in AGENCY_ROLES and agency is None:
        raise ValidationFailed(f"role {role} needs an agency (--agency CODE)", field="agency")
    if agency is not None:
        if jurisdiction is not None and agency.jurisdiction_id != jurisdiction.id:
            raise ValidationFailed(f"agency {agency.code} is not in jurisdiction {jurisdiction.code}",
                                   field="agency")
        jurisdiction = jurisdiction or session.get(Jurisdiction, agency.jurisdiction_id)
    if all_jurisdictions and (role not in ("supervisor", "official") or jurisdiction is not None):
        raise ValidationFailed("only a supervisor or official without --jurisdiction can be province-wide "
                               "(--all-jurisdictions)", field="jurisdiction")
    if role in JURISDICTION_ROLES and jurisdiction is None and not all_jurisdictions:
        wide = "" if role == "camat" else ", or --all-jurisdictions to let it see every regency"
        raise ValidationFailed(f"role {role} needs a jurisdiction (--jurisdiction CODE{wide})",
                               field="jurisdiction")
    found = None
    if role == "camat":
        if not (district or "").strip():
            raise ValidationFailed("role camat needs a kecamatan (--district CODE or name)", field="district")
        found = places.find_district(session, jurisdiction.id, district.strip())
        if found is None:
            raise NotFound(f"no kecamatan {district.strip()!r} in jurisdiction {jurisdiction.code}", field="district")
    elif (district or "").strip():
        raise ValidationFailed("only a camat is bound to a kecamatan (--district)", field="district")
    return Binding(agency, jurisdiction, found, all_jurisdictions)


def create_user(session: Session, now: datetime, *, username: str, name: str, role: str,
                password: str | None = None, agency_code: str | None = None,
                jurisdiction_code: str | None = None, email: str | None = None, phone: str | None = None,
                password_hash: str | None = None, district: str | None = None,
                all_jurisdictions: bool = False) -> User:
    """A new staff user (flushed, not committed). `password_hash` lets a caller reuse one hash."""
    username = (username or "").strip().lower()
    if not USERNAME.match(username):
        raise ValidationFailed("username must be 2-80 characters: lower-case letters, digits, '.', '_' or '-'",
                               field="username")
    if not (name or "").strip():
        raise ValidationFailed("name is required", field="name")
    if len(name.strip()) > MAX_NAME:
        raise ValidationFailed(f"name is longer than {MAX_NAME} characters", field="name")
    if phone is not None:  # where the user's alerts go by SMS
        phone = to_e164(phone)
        if phone is None:
            raise ValidationFailed("phone is not a valid phone number (e.g. +62 812 3456 7890)", field="phone")
    binding = _scope(session, role, agency_code, jurisdiction_code, district, all_jurisdictions)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValidationFailed(f"username {username!r} is already taken", field="username")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if email is not None and ("@" not in email or len(email) > MAX_NAME):
        raise ValidationFailed(f"not an e-mail address: {email!r}", field="email")
    if password_hash is None and password is not None:
        password_hash = hash_password(password)
    user = User(username=username, name=name.strip(), role=role, password_hash=password_hash,
                **binding.columns(), email=email, phone=phone, created_at=now)
    session.add(user)
    session.flush()
    return user


def user_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    if user is None:
        raise NotFound(f"no user {username!r}", field="username")
    return user


def end_sessions(session: Session, user: User) -> None:
    """Every web session issued to `user` so far stops working (their id carries the old version)."""
    user.session_version = User.session_version + 1  # in SQL: two changes at once both count
    session.flush()


def set_password(session: Session, now: datetime, user: User, password: str) -> None:
    """A new password; every earlier session ends (flushed, not committed)."""
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"password must be at least {MIN_PASSWORD_LENGTH} characters", field="password")
    user.password_hash = hash_password(password)
    end_sessions(session, user)


def set_role(session: Session, now: datetime, user: User, role: str, agency_code: str | None = None,
             jurisdiction_code: str | None = None, district: str | None = None,
             all_jurisdictions: bool = False) -> bool:
    """A new role and scope; when anything changed every earlier session ends. True if it changed."""
    new = {"role": role, **_scope(session, role, agency_code, jurisdiction_code, district, all_jurisdictions).columns()}
    if all(getattr(user, name) == value for name, value in new.items()):
        return False
    for name, value in new.items():
        setattr(user, name, value)
    end_sessions(session, user)
    return True


def set_active(session: Session, now: datetime, user: User, active: bool) -> bool:
    """Activates or deactivates; a deactivated user's sessions end. True if it changed."""
    if bool(user.active) == bool(active):
        return False
    user.active = bool(active)
    if not active:
        end_sessions(session, user)
    else:
        session.flush()
    return True


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, now: datetime, *, role: str, agency_code: str | None = None,
                 jurisdiction_code: str | None = None, name: str | None = None,
                 user: User | None = None, district: str | None = None,
                 all_jurisdictions: bool = False) -> tuple[ApiToken, str]:
    """A new API token and its secret; only the secret's sha256 and its first characters are stored."""
    if name is not None and len(name) > MAX_TOKEN_NAME:
        raise ValidationFailed(f"name is longer than {MAX_TOKEN_NAME} characters", field="name")
    binding = _scope(session, role, agency_code, jurisdiction_code, district, all_jurisdictions)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(token_hash=_digest(secret), prefix=secret[:TOKEN_SHOWN_CHARS], name=name, role=role,
                     **binding.columns(), user_id=user.id if user else None, created_at=now)
    session.add(token)
    session.flush()
    return token, secret


def authenticate_token(session: Session, secret: str | None, now: datetime) -> ApiToken | None:
    """The live token for this secret, or None. Looked up by hash, so timing reveals nothing of the secret."""
    if not _plausible(secret):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.user_id is not None and not token.user.active:
        return None  # bound to a user who has left (token_identity says so too)
    if _touch_due(token.last_used_at, now):
        token.last_used_at = now
    return token


def _plausible(secret: str | None) -> bool:
    return bool(secret) and secret.startswith(TOKEN_PREFIX) and len(secret) <= 200


def _touch_due(last_used_at: datetime | None, now: datetime) -> bool:
    """last_used_at is written at most once per LAST_USED_GRANULARITY."""
    return last_used_at is None or now - last_used_at >= LAST_USED_GRANULARITY


@dataclass(frozen=True, slots=True)
class TokenIdentity:
    """Who a live API token speaks for (token_actor() gives it as an Actor). jurisdiction_id is the
    token's own, else its agency's. touched: last_used_at was just written in the session's transaction (commit it)."""

    id: int
    role: str
    name: str | None
    agency_id: int | None
    jurisdiction_id: int | None
    user_id: int | None
    touched: bool
    district_id: int | None = None
    all_jurisdictions: bool = False


_TOKENS, _AGENCIES, _USERS = ApiToken.__table__, Agency.__table__, User.__table__
# A token bound to a staff user speaks as that user is now (role, agency, jurisdiction) and only
# while the user is active; an unbound token as it was made.
_BOUND = _TOKENS.c.user_id.is_not(None)
_ROLE = case((_BOUND, _USERS.c.role), else_=_TOKENS.c.role)
_AGENCY_ID = case((_BOUND, _USERS.c.agency_id), else_=_TOKENS.c.agency_id)
_OWN_JURISDICTION_ID = case((_BOUND, _USERS.c.jurisdiction_id), else_=_TOKENS.c.jurisdiction_id)
_DISTRICT_ID = case((_BOUND, _USERS.c.district_id), else_=_TOKENS.c.district_id)
_ALL_JURISDICTIONS = case((_BOUND, _USERS.c.all_jurisdictions), else_=_TOKENS.c.all_jurisdictions)
_IDENTITY = (
    select(_TOKENS.c.id, _ROLE, _TOKENS.c.name, _AGENCY_ID,
           func.coalesce(_OWN_JURISDICTION_ID, _AGENCIES.c.jurisdiction_id), _TOKENS.c.user_id,
           _TOKENS.c.last_used_at, reference_cache.VERSIONS, _DISTRICT_ID, _ALL_JURISDICTIONS)
    .select_from(_TOKENS.outerjoin(_USERS, _USERS.c.id == _TOKENS.c.user_id)
                 .outerjoin(_AGENCIES, _AGENCIES.c.id == _AGENCY_ID))
    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.revoked_at.is_(None),
           or_(~_BOUND, _USERS.c.active.is_(True)))
)
_TOUCH = (update(_TOKENS).where(_TOKENS.c.id == bindparam("token_id"))
          .values(last_used_at=bindparam("used_at")))


def token_actor(token: TokenIdentity) -> Actor:
    return Actor(kind="token", id=token.id, role=token.role, agency_id=token.agency_id,
                 jurisdiction_id=token.jurisdiction_id, name=token.name, user_id=token.user_id,
                 district_id=token.district_id, all_jurisdictions=token.all_jurisdictions)


def user_actor(user: User) -> Actor:
    """A staff user as the actor of what they do."""
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.jurisdiction_id, name=user.name, district_id=user.district_id,
                 all_jurisdictions=bool(user.all_jurisdictions))


def token_identity(session: Session, secret: str | None, now: datetime) -> TokenIdentity | None:
    """authenticate_token for every request: one Core SELECT (token, its user and agency) in the
    session's transaction, no ORM object. Read from the database each time, so a revocation, and a
    bound user's deactivation or new role, agency or jurisdiction, apply at once. The same SELECT
    reads the reference data's versions for the request (reference/cache.py)."""
    if not _plausible(secret):
        return None
    connection = session.connection()
    row = connection.execute(_IDENTITY, {"token_hash": _digest(secret)}).first()
    if row is None:
        return None
    token_id, role, name, agency_id, jurisdiction_id, user_id, last_used_at, versions, district_id, wide = row
    reference_cache.seen(session, versions)
    touched = _touch_due(last_used_at, now)
    if touched:
        connection.execute(_TOUCH, {"token_id": token_id, "used_at": now})
    return TokenIdentity(token_id, role, name, agency_id, jurisdiction_id, user_id, touched, district_id, bool(wide))


def revoke_token(session: Session, now: datetime, prefix: str) -> ApiToken:
    """Revokes the one token whose shown prefix (or full secret) is given (flushed, not committed).
    Its webhook stops with it: what is queued for it and not yet delivered is withdrawn."""
    prefix = (prefix or "").strip()
    if prefix.startswith(TOKEN_PREFIX) and len(prefix) > TOKEN_SHOWN_CHARS:
        tokens = list(session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(prefix))))
    elif len(prefix) >= 6:
        tokens = list(session.scalars(select(ApiToken).where(ApiToken.prefix.startswith(prefix, autoescape=True))))
    else:
        raise ValidationFailed("give the token's prefix as printed by `tokens create` (e.g. sgp_AbCd1234)",
                               field="prefix")
    if not tokens:
        raise NotFound(f"no token starts with {prefix!r}")
    if len(tokens) > 1:
        raise ValidationFailed(f"{len(tokens)} tokens start with {prefix!r}: give more characters")
    token = tokens[0]
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
    partner_webhooks.withdraw_queued(session, token.id, partner_webhooks.REVOKED)
    return token
