"""Staff users and API tokens, each with a role and (for agency roles) an agency, (for a camat) a
kecamatan, and the sign-in throttle that slows password guessing."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

ROLES = ("officer", "agency_head", "supervisor", "official", "camat", "admin", "partner")
AGENCY_ROLES = ("officer", "agency_head")
# Roles that see a jurisdiction's complaints: bound to one, or province-wide only when all_jurisdictions
# says so explicitly (a forgotten --jurisdiction must not show every regency).
JURISDICTION_ROLES = ("supervisor", "official", "camat")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", use_alter=True))
    # A camat's kecamatan (districts.id; no foreign key: migration 0015 says why).
    district_id: Mapped[int | None] = mapped_column(Integer)
    # Province-wide on purpose: a supervisor or official with no jurisdiction sees nothing without it.
    all_jurisdictions: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    phone: Mapped[str | None] = mapped_column(String(20))
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(5), default="id")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of every web session's id: raising it (sign-out, a new password or role, deactivation)
    # ends every session issued before.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    # The 15-minute lockout's columns: no longer read (SignInThrottle replaced them); kept for the
    # release that is being replaced during a rolling upgrade, dropped in the next (docs/deploy.md).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime]

    agency: Mapped["Agency | None"] = relationship(foreign_keys=[agency_id])  # noqa: F821


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the secret
    prefix: Mapped[str] = mapped_column(String(12))
    name: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    district_id: Mapped[int | None] = mapped_column(Integer)  # a camat token's kecamatan (see User)
    all_jurisdictions: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    agency: Mapped["Agency | None"] = relationship()  # noqa: F821
    user: Mapped[User | None] = relationship()


class SignInThrottle(Base):
    """Failed sign-ins per typed username and client address (`address` "" = from every address),
    whether or not the username exists. Counted before the password is checked, so parallel
    guesses cannot outrun the count; a correct password takes its own attempt back."""

    __tablename__ = "sign_in_throttles"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None]  # a quiet spell after it starts the count again
    next_allowed_at: Mapped[datetime | None]  # set once failures pass the free ones
    last_success_at: Mapped[datetime | None]  # this address is known: failures elsewhere do not slow it
