"""Fixtures for the staff web: signing in through the real form, and complaints made through intake."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.services import intake

DEMO_PASSWORD = "sigap-demo-2026"


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Browser:
    """A test client that signs in and posts forms with the CSRF token a page gave it."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def sign_out(self):
        response = self.post("/signout")
        self.get("/signin")
        return response

    def get(self, path, **kwargs):
        response = self.client.get(path, **kwargs)
        if response.mimetype == "text/html":
            match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
            if match:
                self.token = match.group(1)
        return response

    def post(self, path, data=None, **kwargs):
        if self.token is None:
            self.get("/signin")
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(path, data=data, **kwargs)

    def sign_in(self, username, password=DEMO_PASSWORD):
        self.get("/signin")
        response = self.post("/signin", {"username": username, "password": password})
        if response.status_code == 302:
            self.get(response.headers["Location"])  # the session was renewed: take the new page's token
        return response


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def browser_at(app):
    """A separate browser (its own cookies) at a client address of its own."""
    def make(address: str) -> Browser:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return Browser(client)
    return make


@pytest.fixture
def make_complaint(session, clock):
    def make(category="hunger", jurisdiction="banyuwangi", village=None, district="Glagah", minutes_ago=0,
             description="Ibu Sumi tidak bisa makan sejak dua hari", phone="+6281234567890", **extra):
        return intake.submit(
            session, clock.now(), jurisdiction=jurisdiction, category=category, description=description,
            district=district, village=village, reporter={"name": "Pak Budi", "phone": phone} if phone else None,
            channel="counter", received_at=clock.now() - timedelta(minutes=minutes_ago), **extra)
    return make
