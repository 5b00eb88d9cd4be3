"""Wrong passwords sent in parallel, with real commits on SQLite and PostgreSQL: each attempt is
counted in the database before its password is checked, so a burst never gets more guesses
checked than the limit, for existing and unknown usernames alike."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.services.access import accounts


@pytest.fixture
def checks(monkeypatch):
    """How many password checks actually ran (the dummy check of an unknown name included)."""
    counter = {"n": 0}
    lock = threading.Lock()
    real = accounts.verify_password

    def counting(password_hash, password):
        with lock:
            counter["n"] += 1
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counting)
    return counter


def _burst(app, username: str, addresses: list[str]) -> list[int]:
    """One browser per attempt (its own CSRF token), all posting the moment the last is ready."""
    barrier = threading.Barrier(len(addresses))

    def attempt(address: str) -> int:
        with app.test_client() as client:
            client.environ_base["REMOTE_ADDR"] = address
            page = client.get("/signin").get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            barrier.wait()
            return client.post("/signin", data={"csrf_token": token, "username": username,
                                                "password": "wrong-password-123"}).status_code

    with ThreadPoolExecutor(max_workers=len(addresses)) as pool:
        return sorted(pool.map(attempt, addresses))


@pytest.mark.parametrize("username", ["officer.dinkes", "no.such.user"])
def test_eight_parallel_wrong_passwords_from_one_address_get_five_checked(committed_app, checks, username):
    statuses = _burst(committed_app, username, ["203.0.113.9"] * 8)
    assert checks["n"] <= 5, f"{checks['n']} passwords checked against a limit of 5"
    assert statuses == [401] * 5 + [429] * 3


@pytest.mark.parametrize("username", ["head.dinsos", "no.such.head"])
def test_parallel_wrong_passwords_from_many_addresses_get_at_most_the_accounts_limit_checked(
        committed_app, checks, username):
    addresses = [f"198.51.100.{n}" for n in range(1, 25)]
    statuses = _burst(committed_app, username, addresses)
    assert checks["n"] <= 20, f"{checks['n']} passwords checked against a limit of 20"
    assert statuses == [401] * 20 + [429] * 4
