"""Staff accounts and API tokens."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from app.models import ApiToken
from app.services.access import accounts
from app.services.errors import NotFound, ValidationFailed


def test_a_token_authenticates_until_it_is_revoked(session, clock):
    token, secret = accounts.create_token(session, clock.now(), role="officer", agency_code="bwi-dinsos", name="hp")
    assert secret.startswith("sgp_") and len(secret) > 40
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret[:12] == token.prefix and secret not in (token.prefix, token.token_hash)
    assert token.agency.code == "bwi-dinsos" and token.jurisdiction_id == token.agency.jurisdiction_id

    assert accounts.authenticate_token(session, secret, clock.now()) is token
    assert accounts.authenticate_token(session, secret + "x", clock.now()) is None
    assert accounts.authenticate_token(session, "", clock.now()) is None
    accounts.revoke_token(session, clock.now(), token.prefix)
    assert accounts.authenticate_token(session, secret, clock.now()) is None


def test_last_used_is_written_at_most_once_a_minute(session, clock):
    token, secret = accounts.create_token(session, clock.now(), role="partner")
    first = clock.now()
    accounts.authenticate_token(session, secret, first)
    assert token.last_used_at == first
    accounts.authenticate_token(session, secret, clock.advance(seconds=30))
    assert token.last_used_at == first
    later = clock.advance(seconds=31)
    accounts.authenticate_token(session, secret, later)
    assert token.last_used_at == later


def test_the_request_path_token_check_knows_the_agency_jurisdiction_and_sees_a_revocation_at_once(session, clock):
    token, secret = accounts.create_token(session, clock.now(), role="officer", agency_code="bwi-dinsos", name="hp")
    session.commit()
    identity = accounts.token_identity(session, secret, clock.now())
    assert (identity.id, identity.role, identity.name, identity.agency_id) == (token.id, "officer", "hp", token.agency_id)
    assert identity.jurisdiction_id == token.agency.jurisdiction_id and identity.touched
    session.commit()
    assert not accounts.token_identity(session, secret, clock.advance(seconds=30)).touched
    assert accounts.token_identity(session, secret, clock.advance(seconds=31)).touched
    session.commit()
    session.expire_all()
    assert token.last_used_at == clock.now()
    assert accounts.token_identity(session, secret + "x", clock.now()) is None
    assert accounts.token_identity(session, "", clock.now()) is None
    accounts.revoke_token(session, clock.now(), token.prefix)
    session.commit()
    assert accounts.token_identity(session, secret, clock.now()) is None


def test_agency_roles_need_an_agency_and_unknown_codes_are_named(session, clock):
    with pytest.raises(ValidationFailed, match="role officer needs an agency"):
        accounts.create_token(session, clock.now(), role="officer")
    with pytest.raises(NotFound, match="no agency with code 'bwi-nope'"):
        accounts.create_user(session, clock.now(), username="x.y", name="X", role="officer", agency_code="bwi-nope")
    with pytest.raises(ValidationFailed, match="unknown role 'mayor'"):
        accounts.create_user(session, clock.now(), username="x.y", name="X", role="mayor")
    with pytest.raises(ValidationFailed, match="not in jurisdiction sabu_raijua"):
        accounts.create_user(session, clock.now(), username="x.y", name="X", role="officer",
                             agency_code="bwi-dinsos", jurisdiction_code="sabu_raijua")


def test_a_username_is_taken_once_and_passwords_have_a_minimum_length(session, clock):
    with pytest.raises(ValidationFailed, match="already taken"):
        accounts.create_user(session, clock.now(), username="admin", name="Another", role="admin", password="x" * 12)
    with pytest.raises(ValidationFailed, match="at least 10 characters"):
        accounts.create_user(session, clock.now(), username="new.admin", name="New", role="admin", password="short")
    user = accounts.create_user(session, clock.now(), username="New.Admin", name="New", role="admin",
                                password="long enough password")
    assert user.username == "new.admin" and accounts.verify_password(user.password_hash, "long enough password")


def test_revoking_needs_an_unambiguous_prefix(session, clock):
    token, secret = accounts.create_token(session, clock.now(), role="partner")
    with pytest.raises(ValidationFailed, match="prefix"):
        accounts.revoke_token(session, clock.now(), "sgp")
    with pytest.raises(NotFound):
        accounts.revoke_token(session, clock.now(), "sgp_doesnotexist")
    assert accounts.revoke_token(session, clock.now(), secret) is token
    assert token.revoked_at == clock.now()
    assert session.scalar(select(ApiToken).where(ApiToken.id == token.id)).revoked_at is not None


def test_a_corrupt_password_hash_never_verifies(session):
    assert not accounts.verify_password("not-a-hash", "anything")
    assert not accounts.verify_password(None, "anything")
