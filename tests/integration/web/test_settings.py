"""Admin settings: the 2-hour rule with a preview of what it will and will not touch, users and tokens."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import ApiToken, SlaPolicy, User


def test_the_2_hour_rule_preview_lists_open_complaints_that_keep_their_deadlines(browser, make_complaint, session):
    open_one = make_complaint(minutes_ago=30)
    versions = len(session.scalars(select(SlaPolicy.id)).all())
    browser.sign_in("admin")
    response = browser.post("/settings/policies", {
        "jurisdiction": "banyuwangi", "category": "", "handle_minutes": "120", "effective_date": "2026-12-01",
        "effective_time": "00:00", "preview": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "data-preview" in page and open_one.ticket in page
    assert "1 Des 2026 00:00 WIB" in page  # effective from, in Banyuwangi's local time
    assert len(session.scalars(select(SlaPolicy.id)).all()) == versions  # a preview adds nothing


def test_adding_the_2_hour_rule_gives_new_complaints_2_hours_and_leaves_old_ones_alone(
        browser, make_complaint, session, clock):
    old = make_complaint(minutes_ago=30)
    browser.sign_in("admin")
    response = browser.post("/settings/policies", {
        "jurisdiction": "banyuwangi", "handle_minutes": "120", "effective_date": "2026-11-23",
        "effective_time": "09:00", "note": "Perbup 2-jam", "save": "1"})
    assert response.status_code == 303
    new = make_complaint(minutes_ago=0)
    assert new.handle_due_at == new.received_at + timedelta(hours=2)
    session.refresh(old)
    assert old.handle_due_at == old.received_at + timedelta(hours=4)
    assert "Perbup 2-jam" in browser.get("/settings/policies").get_data(as_text=True)


def test_a_policy_without_a_target_is_explained_not_saved(browser, session):
    count = len(session.scalars(select(SlaPolicy.id)).all())
    browser.sign_in("admin")
    response = browser.post("/settings/policies", {"jurisdiction": "banyuwangi", "handle_minutes": "",
                                                   "effective_date": "2026-12-01", "save": "1"})
    assert response.status_code == 422
    assert len(session.scalars(select(SlaPolicy.id)).all()) == count


def test_admin_creates_a_user_who_can_then_sign_in(browser, client, app):
    browser.sign_in("admin")
    response = browser.post("/settings/users", {
        "username": "officer.baru", "name": "Petugas Baru", "role": "officer", "agency": "bwi-dinsos",
        "password": "kata-sandi-baru-2026"})
    assert response.status_code == 303
    browser.sign_out()
    assert browser.sign_in("officer.baru", "kata-sandi-baru-2026").headers["Location"].endswith("/queue")


def test_admin_clears_a_sign_in_throttle(browser, browser_at, session):
    user = session.scalar(select(User).where(User.username == "head.dinkes"))
    there = browser_at("198.51.100.90")
    assert [there.sign_in("head.dinkes", "wrong-password-123").status_code for _ in range(6)] == [401] * 5 + [429]
    browser.sign_in("admin")
    page = browser.get("/settings/users").get_data(as_text=True)
    row = page.split('data-user="head.dinkes"', 1)[1].split("</tr>", 1)[0]
    assert 'name="clear_throttle"' in row
    assert browser.post("/settings/users", {"clear_throttle": str(user.id)}).status_code == 303
    assert 'name="clear_throttle"' not in browser.get("/settings/users").get_data(as_text=True)
    assert there.sign_in("head.dinkes").status_code == 302  # at once, from the same address


def test_a_new_api_token_is_shown_once_and_stored_only_as_a_hash(browser, session):
    browser.sign_in("admin")
    response = browser.post("/settings/tokens", {"role": "partner", "name": "Dinsos provinsi"})
    page = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    secret = page.split('data-secret>', 1)[1].split("<", 1)[0]
    assert secret.startswith("sgp_")
    token = session.scalar(select(ApiToken).where(ApiToken.name == "Dinsos provinsi"))
    assert token.token_hash != secret and secret not in browser.get("/settings/tokens").get_data(as_text=True)
    browser.post("/settings/tokens", {"revoke": token.prefix})
    session.refresh(token)
    assert token.revoked_at is not None


def test_agencies_and_routing_show_what_goes_to_triage(browser):
    browser.sign_in("admin")
    page = browser.get("/settings/agencies").get_data(as_text=True)
    assert "Dinas Sosial" in page and "status-triage" in page


def test_the_settings_pages_refuse_an_unbound_supervisor_and_store_a_province_wide_one_explicitly(browser, session):
    browser.sign_in("admin")
    form = {"username": "inspektorat", "name": "Inspektorat", "role": "supervisor", "password": "kata-sandi-baru-2026"}
    refused = browser.post("/settings/users", form)
    assert refused.status_code == 422 and "needs a jurisdiction" in refused.get_data(as_text=True)
    assert browser.post("/settings/users", {**form, "jurisdiction": "*all"}).status_code == 303
    assert session.scalar(select(User).where(User.username == "inspektorat")).all_jurisdictions is True
    camat = {"username": "camat.giri", "name": "Camat Giri", "role": "camat", "password": "kata-sandi-baru-2026",
             "jurisdiction": "banyuwangi"}
    assert "needs a kecamatan" in browser.post("/settings/users", camat).get_data(as_text=True)
    assert browser.post("/settings/users", {**camat, "district": "Giri"}).status_code == 303
    page = browser.get("/settings/users").get_data(as_text=True)
    assert 'value="Giri"' in page.split('data-user="camat.giri"', 1)[1].split("</tr>", 1)[0]
    token = browser.post("/settings/tokens", {"role": "official", "name": "dashboard"})
    assert token.status_code == 422 and "needs a jurisdiction" in token.get_data(as_text=True)
    assert browser.post("/settings/tokens", {"role": "official", "name": "dashboard", "jurisdiction": "*all"}) \
        .status_code == 200
    assert session.scalar(select(ApiToken).where(ApiToken.name == "dashboard")).all_jurisdictions is True
