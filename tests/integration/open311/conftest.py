"""Fixtures for Open311: partner api_keys and a form-encoded POST helper."""
from __future__ import annotations

import pytest

from app.services.access import accounts


@pytest.fixture
def make_key(session, clock):
    def _make(role: str = "partner", agency: str | None = None, jurisdiction: str | None = None) -> str:
        _token, secret = accounts.create_token(session, clock.now(), role=role, agency_code=agency,
                                               jurisdiction_code=jurisdiction, name=f"open311 {role}")
        session.commit()
        return secret

    return _make


@pytest.fixture
def api_key(make_key):
    return make_key("partner")


FORM = {"service_code": "hunger", "address_string": "Genteng Kulon, Genteng",
        "description": "Seorang lansia tidak makan sejak kemarin", "first_name": "Siti", "last_name": "Aminah",
        "phone": "081234567890", "email": "siti@example.org"}


@pytest.fixture
def post_request(client, api_key):
    """POST /open311/v2/requests.<fmt> form-encoded, as the spec sends it."""

    def _post(fmt: str = "json", key: str | None = None, headers: dict | None = None, **fields):
        data = {**FORM, **fields}
        data = {k: v for k, v in data.items() if v is not None}
        data.setdefault("api_key", api_key if key is None else key)
        return client.post(f"/open311/v2/requests.{fmt}", data=data, headers=headers or {})

    return _post
