"""Signing in to the staff web: passwords, lockout, rate limit, CSRF, cookies and roles."""
from __future__ import annotations

from datetime import timedelta

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


def test_five_failures_lock_the_account_even_against_the_right_password(browser, session, clock):
    for _ in range(5):
        browser.sign_in("officer.dinkes", "wrong-password-123")
    locked = browser.sign_in("officer.dinkes")
    assert locked.status_code == 423
    user = session.scalar(select(User).where(User.username == "officer.dinkes"))
    assert user.locked_until == clock.now() + timedelta(minutes=15)
    clock.advance(minutes=16)
    assert browser.sign_in("officer.dinkes").status_code == 302


def test_a_successful_sign_in_clears_the_failure_count(browser, session):
    for _ in range(3):
        browser.sign_in("officer.dispendik", "wrong-password-123")
    browser.sign_in("officer.dispendik")
    user = session.scalar(select(User).where(User.username == "officer.dispendik"))
    assert user.failed_logins == 0


def test_sign_in_attempts_are_rate_limited_per_address(browser):
    statuses = [browser.sign_in(f"guess{i}", "wrong-password-123").status_code for i in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


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
