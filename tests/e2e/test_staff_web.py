"""The staff pages in a real browser: a supervisor's dashboard and triage, an officer's handling,
and what the server refuses (other agencies' complaints, posts without a CSRF token)."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from playwright.sync_api import expect

# The committed screenshots are refreshed only on request (SIGAP_SCREENSHOTS=1), so a test run leaves
# the work tree as it was; otherwise they go to a temporary folder. The dashboard and the complaint page
# are taken by test_working_day.py (at 1366 px), the search by test_daily_use.py.
SCREENSHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots" if os.environ.get("SIGAP_SCREENSHOTS")
               else Path(tempfile.gettempdir()) / "sigap-e2e-screenshots")


def test_supervisor_sees_the_breached_complaint_first_and_assigns_one_from_triage(page, demo_data, sign_in,
                                                                                   submit_complaint):
    page.clock.install()  # the page's poll timer is Playwright's to advance
    sign_in(page, "supervisor")
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    first = page.locator("table[data-board] tbody tr").first
    expect(first).to_have_attribute("data-ticket", demo_data["breached"])
    expect(first.locator(".badge.state-breached")).to_have_attribute("data-state", "breached")
    expect(first.locator('[data-clock="handle"] time.countdown')).to_have_class(re.compile(r"\blate\b"))
    expect(page.locator('[data-count="breached"]')).to_have_text("1")
    # four complaints: a marker each, or fewer where nearby ones are drawn as one numbered cluster
    expect(page.locator("#map .leaflet-interactive").first).to_be_visible()
    assert 1 <= page.locator("#map .leaflet-interactive").count() <= 4
    # A complaint received after the page loaded appears at the next poll, without a reload.
    page.wait_for_function("document.body.getAttribute('data-polling') === '1'")
    arrived = submit_complaint(
        1, jurisdiction="banyuwangi", category="uninhabitable_house", district="Kalipuro",
        description="Rumah Mbah Sarni roboh sebagian setelah hujan deras semalam", lat=-8.1542, lon=114.3611)
    expect(page.locator(f'table[data-board] tbody tr[data-ticket="{arrived}"]')).to_have_count(0)
    page.clock.run_for(61_000)
    expect(page.locator(f'table[data-board] tbody tr[data-ticket="{arrived}"]')).to_have_count(1)
    expect(page.locator("#map .leaflet-interactive")).to_have_count(5)

    sign_out(page)
    sign_in(page, "supervisor.srj")
    page.goto("/triage")
    item = page.locator(f'article[data-ticket="{demo_data["triage"]}"]')
    item.locator("select[name=agency]").select_option("srj-dinkes")
    item.locator("form:has(input[value=assign]) button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f'article[data-ticket="{demo_data["triage"]}"]')).to_have_count(0)
    page.goto(f"/complaints/{demo_data['triage']}")
    expect(page.locator(".facts")).to_contain_text("Dinas Kesehatan")
    expect(page.locator(".status")).to_have_class(re.compile(r"status-assigned"))


def test_officer_acknowledges_and_handles_and_the_countdown_stops(page, demo_data, sign_in):
    sign_in(page, "officer.dinsos")
    expect(page).to_have_url(re.compile(r"/queue$"))
    expect(page.locator("table[data-board] tbody tr").first).to_have_attribute("data-ticket", demo_data["breached"])
    # The browser's clock is Playwright's, so a minute passes at once instead of being waited for.
    page.clock.install()
    page.locator(f'a.ticket:text("{demo_data["hunger_new"]}")').click()
    countdown = page.locator('time[data-countdown="handle"]')
    expect(countdown).not_to_have_class(re.compile(r"\blate\b"))
    # Received 5 minutes before the server's now, handle target 240 minutes: 3 h 55 min or 3 h 54 min left.
    expect(countdown).to_have_text(re.compile(r"^3 j 5[45] mnt lagi$"))
    before = countdown.inner_text()
    page.clock.run_for(61_000)
    expect(countdown).not_to_have_text(before)
    expect(countdown).to_have_text(re.compile(r"^3 j 5[34] mnt lagi$"))
    page.locator('form[data-action="acknowledge"] button[type=submit]').click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".status")).to_have_class(re.compile(r"status-acknowledged"))

    page.locator("#handle-note").fill("Dikunjungi; paket sembako 10 kg diantar, RT setempat dilibatkan")
    page.locator('form[data-action="handle"] button[type=submit]').click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator('[data-countdown="stopped"]')).to_be_visible()
    expect(page.locator(".status")).to_have_class(re.compile(r"status-handled"))
    expect(page.locator("time.countdown[data-countdown=handle]")).to_have_count(0)
    expect(page.locator('.trail [data-event="handled"]')).to_have_count(1)
    expect(page.locator(".trail")).to_contain_text("sembako")


def test_an_officer_cannot_open_another_agencys_complaint(page, demo_data, sign_in):
    sign_in(page, "officer.dispendik")
    response = page.goto(f"/complaints/{demo_data['breached']}")
    assert response.status == 404
    expect(page.locator(f"text={demo_data['breached']}")).to_have_count(0)


def test_posts_without_a_csrf_token_are_refused(page, demo_data, sign_in):
    sign_in(page, "officer.dinsos")
    response = page.request.post(f"/complaints/{demo_data['hunger_new']}/actions",
                                 form={"action": "acknowledge"}, max_redirects=0)
    assert response.status == 400
    page.goto(f"/complaints/{demo_data['hunger_new']}")
    expect(page.locator(".status")).to_have_class(re.compile(r"status-assigned"))


def sign_out(page):
    page.locator("form.signout button").click()
    page.wait_for_load_state()


def test_a_new_complaint_appears_on_the_open_dashboard_without_a_reload(page, demo_data, sign_in,
                                                                         submit_complaint):
    sign_in(page, "supervisor")
    rows = page.locator("table[data-board] tbody tr")
    expect(rows).to_have_count(4)
    page.wait_for_function("document.body.getAttribute('data-polling') === '1'")
    ticket = submit_complaint(0, jurisdiction="banyuwangi", category="uninhabitable_house", district="Songgon",
                              description="Rumah Mbok Sarni roboh sebagian diterjang angin")
    expect(page.locator(f'table[data-board] tr[data-ticket="{ticket}"]')).to_have_count(1)
    expect(rows).to_have_count(5)
    expect(page.locator('[data-count="open"]')).to_have_text("5")
    expect(page.locator("[data-live-status]")).to_contain_text(ticket)


def test_the_dashboard_fits_a_phone_screen(chromium, live_server, demo_data, sign_in):
    context = chromium.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                   device_scale_factor=2, is_mobile=True, has_touch=True, locale="id-ID")
    phone = context.new_page()
    try:
        sign_in(phone, "supervisor")
        expect(phone.locator("table[data-board] tbody tr").first).to_have_attribute("data-ticket",
                                                                                   demo_data["breached"])
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the page is {overflow}px wider than the phone"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        phone.screenshot(path=str(SCREENSHOTS / "dashboard-phone.png"), full_page=False)
    finally:
        context.close()
