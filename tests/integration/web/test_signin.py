"""Signing in to the staff web: passwords, throttle, rate limit, CSRF, cookies and roles."""
from __future__ import annotations

import difflib
import re

from sqlalchemy import select

from app.models import User


def test_supervisor_signs_in_and_lands_on_the_dashboard(browser):
    response = browser.sign_in("supervisor")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    assert browser.get("/dashboard").status_code == 200


def test_officer_lands_on_the_agency_queue(browser):
    response = browser.sign_in("officer.dinsos")
    assert response.headers["Location"].endswith("/queue")
    page = browser.get("/queue").get_data(as_text=True)
    assert "Dinas Sosial" in page


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(browser):
    wrong_password = browser.sign_in("supervisor", "not-the-password")
    unknown_user = browser.sign_in("nobody-here", "not-the-password")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert browser.get("/dashboard").status_code == 302  # still signed out


def test_after_five_failures_from_one_address_each_further_attempt_waits_twice_as_long(browser_at, clock):
    here = browser_at("203.0.113.10")
    assert [here.sign_in("officer.dinkes", "wrong-password-123").status_code for _ in range(5)] == [401] * 5
    waiting = here.sign_in("officer.dinkes")  # even the right password waits
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "1"
    clock.advance(seconds=1)
    assert here.sign_in("officer.dinkes", "wrong-password-123").status_code == 401
    assert here.sign_in("officer.dinkes").headers["Retry-After"] == "2"
    clock.advance(seconds=2)
    assert here.sign_in("officer.dinkes").status_code == 302  # slowed, never locked


def test_the_wait_grows_to_at_most_fifteen_minutes(session, clock):
    from app.services.access import web_auth

    waits = []
    for _ in range(40):
        result = web_auth.sign_in(session, clock.now(), "head.dinsos", "wrong-password-123", "198.51.100.4")
        if result.outcome == "throttled":
            waits.append(result.retry_after)
            clock.advance(seconds=result.retry_after)
    assert waits[:4] == [1, 2, 4, 8]
    assert max(waits) == 15 * 60 and waits[-1] == 15 * 60


def test_a_strangers_failures_from_another_address_do_not_stop_the_user_signing_in(browser_at):
    stranger = browser_at("198.51.100.66")
    statuses = [stranger.sign_in("officer.dinkes", f"guess-number-{i}").status_code for i in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    assert browser_at("203.0.113.20").sign_in("officer.dinkes").status_code == 302


def test_failures_from_many_addresses_slow_new_addresses_but_not_the_users_own(app, browser_at, session, clock):
    from app.services.access import web_auth

    assert browser_at("203.0.113.30").sign_in("head.dinkes").status_code == 302  # the user's office
    clock.advance(hours=1)
    for n in range(24):  # a botnet: a few guesses from each of many addresses
        web_auth.sign_in(session, clock.now(), "head.dinkes", "botnet-guess-0", f"192.0.2.{n // 4}")
    fresh = browser_at("203.0.113.31").sign_in("head.dinkes")
    assert fresh.status_code == 429 and int(fresh.headers["Retry-After"]) <= 15 * 60
    assert browser_at("203.0.113.30").sign_in("head.dinkes").status_code == 302  # from the office: no wait
    clock.advance(seconds=int(fresh.headers["Retry-After"]))
    assert browser_at("203.0.113.31").sign_in("head.dinkes").status_code == 302  # elsewhere: slowed, not locked


def test_a_correct_password_starts_the_count_for_that_address_again(browser_at):
    here = browser_at("203.0.113.40")
    assert [here.sign_in("officer.dispendik", "wrong-password-123").status_code for _ in range(4)] == [401] * 4
    assert here.sign_in("officer.dispendik").status_code == 302
    here.sign_out()
    assert [here.sign_in("officer.dispendik", "wrong-password-123").status_code for _ in range(5)] == [401] * 5


def _comparable(response, username):
    body = response.get_data(as_text=True).replace(username, "NAME")
    body = re.sub(r'name="csrf_token" value="[^"]+"', "CSRF", body)
    per_request = {"Set-Cookie": lambda v: v.split("=", 1)[0], "X-Request-Id": lambda v: "ID"}
    headers = sorted((k, per_request.get(k, str)(v)) for k, v in response.headers.items())
    return response.status_code, headers, body


def test_unknown_and_known_usernames_get_the_same_answer_also_when_throttled(browser_at):
    known, unknown = "head.dinkes", "head.dinkez"  # same length: the page echoes the name
    answers = {}
    for name, address in ((known, "203.0.113.50"), (unknown, "203.0.113.51")):
        browser = browser_at(address)
        answers[name] = [_comparable(browser.sign_in(name, "wrong-password-123"), name) for _ in range(6)]
    for mine, theirs in zip(answers[known], answers[unknown]):
        assert mine[:2] == theirs[:2]
        assert mine[2] == theirs[2], "\n".join(difflib.unified_diff(mine[2].splitlines(), theirs[2].splitlines()))
    assert [status for status, _, _ in answers[known]] == [401] * 5 + [429]
    assert ("Retry-After", "1") in answers[known][5][1]


def test_sign_in_attempts_are_rate_limited_per_address(browser):
    statuses = [browser.sign_in(f"guess{i}", "wrong-password-123").status_code for i in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_one_ipv6_subscriber_cannot_spread_sign_in_guesses_over_its_addresses(browser_at):
    """The per-address limit counts an IPv6 client by its /64, as the sign-in throttle does."""
    statuses = [browser_at(f"2001:db8:77:1::{i + 1:x}").sign_in(f"guess{i}", "wrong-password-123").status_code
                for i in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    assert browser_at("2001:db8:77:2::1").sign_in("guess99", "wrong-password-123").status_code == 401  # next door


def test_sign_in_without_a_csrf_token_is_refused(client):
    response = client.post("/signin", data={"username": "supervisor", "password": "sigap-demo-2026"})
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite_lax(browser):
    response = browser.sign_in("supervisor")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_in_production(engine, connection, clock, database_url):
    from app import create_app
    from config import load_settings

    settings = load_settings(env={"DATABASE_URL": database_url, "SECRET_KEY": "a-long-production-secret-key"})
    settings.production = True
    app = create_app(settings=settings, clock=clock, engine=engine)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_pages_need_a_signed_in_user(client):
    for path in ("/dashboard", "/queue", "/triage", "/intake", "/settings/policies", "/complaints/BWI-2026-000001"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/signin" in response.headers["Location"]
    assert client.get("/dashboard/data.json").status_code == 401


def test_after_sign_in_the_user_returns_to_the_page_they_asked_for_but_never_off_site(browser):
    browser.get("/signin")
    response = browser.post("/signin?next=/triage", {"username": "supervisor", "password": "sigap-demo-2026"})
    assert response.headers["Location"].endswith("/triage")
    browser.get("/triage")
    browser.sign_out()
    response = browser.post("/signin?next=//evil.example/x", {"username": "supervisor", "password": "sigap-demo-2026"})
    assert response.headers["Location"].endswith("/dashboard")


def test_roles_decide_which_pages_open(browser):
    browser.sign_in("officer.dinsos")
    assert browser.get("/dashboard").status_code == 403
    assert browser.get("/triage").status_code == 403
    assert browser.get("/settings/policies").status_code == 403
    assert browser.get("/intake").status_code == 200
    browser.sign_out()
    browser.sign_in("official")
    assert browser.get("/dashboard").status_code == 200
    assert browser.get("/triage").status_code == 403
    assert browser.get("/intake").status_code == 403
    browser.sign_out()
    browser.sign_in("admin")
    assert browser.get("/settings/policies").status_code == 200


def test_partners_cannot_sign_in_to_the_staff_web(browser):
    assert browser.sign_in("partner").status_code == 401


def test_language_is_switched_per_user_and_kept(browser, session):
    browser.sign_in("supervisor")
    browser.post("/language", {"lang": "en", "next": "/dashboard"})
    assert "Open complaints" in browser.get("/dashboard").get_data(as_text=True)
    user = session.scalar(select(User).where(User.username == "supervisor"))
    session.refresh(user)
    assert user.language == "en"
    browser.post("/language", {"lang": "id", "next": "/dashboard"})
    assert "Pengaduan terbuka" in browser.get("/dashboard").get_data(as_text=True)


def test_staff_pages_send_security_headers(browser):
    response = browser.get("/signin")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)


def test_hostile_usernames_and_passwords_are_a_plain_refusal(browser_at):
    for n, (username, password) in enumerate([("supervisor\x00", "x"), ("\x00", "\x00"), ("a" * 5000, "b" * 5000),
                                             ("supervisor", "not-the-password\x00"), ("💥' OR 1=1 --", "x")]):
        response = browser_at(f"192.0.2.{100 + n}").sign_in(username, password)
        assert response.status_code == 401, (username[:20], response.status_code)
