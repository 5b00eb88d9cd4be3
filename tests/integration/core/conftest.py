"""Fixtures for the complaint core: API tokens per role and a small submit helper."""
from __future__ import annotations

import pytest

from app.services.access import accounts


@pytest.fixture
def make_token(session, clock):
    def _make(role: str, agency: str | None = None, jurisdiction: str | None = None) -> str:
        _token, secret = accounts.create_token(session, clock.now(), role=role, agency_code=agency,
                                               jurisdiction_code=jurisdiction, name=f"test {role}")
        session.commit()
        return secret

    return _make


@pytest.fixture
def auth(make_token):
    """Authorization headers for a role: auth("officer", agency="bwi-dinsos")."""

    def _auth(role: str, agency: str | None = None, jurisdiction: str | None = None) -> dict:
        return {"Authorization": f"Bearer {make_token(role, agency, jurisdiction)}"}

    return _auth


@pytest.fixture
def submit(session, clock):
    from app.services import intake

    def _submit(**overrides):
        fields = dict(jurisdiction="banyuwangi", category="hunger", village="Genteng Kulon",
                      description="Seorang lansia tidak makan sejak kemarin",
                      reporter={"name": "Siti", "phone": "081234567890"})
        fields.update(overrides)
        return intake.submit(session, clock.now(), **fields)

    return _submit
