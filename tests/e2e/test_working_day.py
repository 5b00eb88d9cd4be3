"""Issue 17, items 6-8 in a real browser at a laptop's 1366 x 768 and a phone's 390 x 844: who holds
each complaint (escalation level, accountable holder, officer) identical before and after the poll,
the officer's "assigned to me" view, supervisors' opt-in browser notifications, the counter form's
errors all at once with "did you mean" buttons that fill the field, and layouts that fit."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

SCREENSHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots" if os.environ.get("SIGAP_SCREENSHOTS")
               else Path(tempfile.gettempdir()) / "sigap-e2e-screenshots")
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
# The Notification API, recorded: what the page would show, without a desktop to show it on.
FAKE_NOTIFICATIONS = """
window.__notes = [];
window.Notification = function (title, options) { window.__notes.push([title, (options || {}).body]); };
window.Notification.permission = "default";
window.Notification.requestPermission = function () {
  window.Notification.permission = "granted"; return Promise.resolve("granted");
};
"""


@pytest.fixture
def open_context(chromium, live_server):
    made = []

    def make(viewport, **kwargs):
        phone = viewport == PHONE
        context = chromium.new_context(base_url=live_server, viewport=viewport, locale="id-ID",
                                       timezone_id="Asia/Jakarta", device_scale_factor=2 if phone else 1,
                                       is_mobile=phone, has_touch=phone, **kwargs)
        context.set_default_timeout(10_000)
        made.append(context)
        return context.new_page()
    yield make
    for context in made:
        context.close()


def _as(committed_app, username):
    from sqlalchemy import select

    from app.models import User
    from app.web.access import staff_user

    with committed_app.extensions["sigap"].sessionmaker() as session:
        return staff_user(session, session.scalar(select(User).where(User.username == username))).actor


def _escalate(committed_app, clock, minutes):
    """The SLA engine's steps fire as the server's clock moves on."""
    from datetime import timedelta

    from app.services.sla import escalation

    with committed_app.extensions["sigap"].sessionmaker() as session:
        for _ in range(minutes // 15):
            clock.advance(timedelta(minutes=15))
            escalation.run_due_steps(session, clock.now())
            session.commit()


def _fits(page) -> None:
    """Nothing is cut off: neither the page nor any table's box scrolls sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the window"
    cut = page.evaluate("""Array.from(document.querySelectorAll('table')).map(t => {
        const box = t.closest('.table-wrap') || t.parentElement;
        return [t.className || t.id || 'table', box.scrollWidth - box.clientWidth,
                Math.round(t.getBoundingClientRect().right - window.innerWidth)];
    }).filter(([_, scroll, right]) => scroll > 1 || right > 1)""")
    assert not cut, f"tables cut off (name, hidden px, px beyond the window): {cut}"


def test_the_dashboard_at_1366_says_who_holds_each_complaint_and_the_poll_keeps_it(
        open_context, demo_data, sign_in, committed_app, clock):
    _escalate(committed_app, clock, 120)  # the breached one climbs the ladder
    page = open_context(DESKTOP)
    page.clock.install()
    sign_in(page, "supervisor")
    row = page.locator(f'tr[data-ticket="{demo_data["breached"]}"]')
    who = row.locator("[data-who]")
    expect(who).to_contain_text("Dinas Sosial")
    expect(who.locator("[data-who-holder]")).to_contain_text("Penanggung jawab:")
    expect(who.locator("[data-who-holder]")).not_to_contain_text("belum ditetapkan")
    expect(who.locator("[data-who-assignee]")).to_contain_text("Petugas:")
    expect(who.locator(".badge.level")).to_contain_text("Dieskalasi ke")
    _fits(page)
    due = page.locator("td.cell-due").first
    assert due.bounding_box()["x"] + due.bounding_box()["width"] <= DESKTOP["width"]
    rendered = {t: page.locator(f'tr[data-ticket="{t}"] [data-who]').inner_html() for t in demo_data.values()
                if page.locator(f'tr[data-ticket="{t}"]').count()}
    page.wait_for_function("document.body.getAttribute('data-polling') === '1'")
    page.evaluate("document.querySelector('[data-live-status]').textContent = ''")
    page.clock.run_for(2_000)
    expect(page.locator("[data-live-status]")).not_to_have_text("")
    polled = {t: page.locator(f'tr[data-ticket="{t}"] [data-who]').inner_html() for t in rendered}
    assert polled == rendered
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)


def test_a_supervisor_who_opts_in_is_notified_of_new_complaints_and_breaches(
        open_context, demo_data, sign_in, submit_complaint, clock):
    page = open_context(DESKTOP)
    page.add_init_script(FAKE_NOTIFICATIONS)
    page.clock.install()
    sign_in(page, "supervisor")
    toggle = page.locator("[data-notify]")
    expect(toggle).to_have_text("Aktifkan notifikasi browser")
    page.wait_for_function("document.body.getAttribute('data-polling') === '1'")
    page.clock.run_for(2_000)
    assert page.evaluate("window.__notes") == []  # not before opting in
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    arrived = submit_complaint(0, jurisdiction="banyuwangi", category="hunger", district="Songgon",
                               description="Mbah Suni tidak punya beras sejak pagi")
    page.clock.run_for(2_000)
    # The row and the notification come from the same applied poll (one task in the page).
    expect(page.locator(f'tr[data-ticket="{arrived}"]')).to_have_count(1)
    assert ["Pengaduan baru", arrived] in page.evaluate("window.__notes")
    # The warned complaint (received 200 minutes ago, 4-hour target) passes its deadline.
    from datetime import timedelta
    clock.advance(timedelta(minutes=45))
    page.clock.run_for(2_000)
    expect(page.locator(f'tr[data-ticket="{demo_data["warned"]}"]')).to_have_attribute("data-state", "breached")
    breached = [body for title, body in page.evaluate("window.__notes") if title == "Batas waktu terlewat"]
    assert demo_data["warned"] in breached[0]
    # Turned off again, nothing more is shown; the choice is kept per browser.
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")


def test_an_officer_sees_what_is_assigned_to_them_and_it_stays_so_after_the_poll(
        open_context, demo_data, sign_in, committed_app, clock):
    from app.services import lifecycle

    with committed_app.extensions["sigap"].sessionmaker() as session:
        lifecycle.assign(session, clock.now(), demo_data["hunger_new"], _as(committed_app, "head.dinsos"),
                         assignee="officer.dinsos")
    page = open_context(PHONE)
    page.clock.install()
    sign_in(page, "officer.dinsos")
    expect(page.locator('[data-view="all"]')).to_have_attribute("aria-current", "page")
    page.locator('[data-view="mine"]').click()
    expect(page).to_have_url(re.compile(r"/queue\?mine=1$"))
    rows = page.locator("table[data-board] tbody tr[data-ticket]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-ticket", demo_data["hunger_new"])
    expect(rows.first.locator("[data-who-assignee]")).to_contain_text("Agus")
    expect(rows.first.locator('[data-level="0"]')).to_have_text("Belum dieskalasi")
    page.wait_for_function("document.body.getAttribute('data-polling') === '1'")
    page.clock.run_for(2_000)
    expect(rows).to_have_count(1)
    _fits(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_counter_errors_come_all_at_once_in_indonesian_and_a_suggestion_fills_the_field(
        open_context, demo_data, sign_in, viewport):
    page = open_context(viewport)
    sign_in(page, "officer.dinsos")
    page.goto("/intake")
    page.locator("#description").fill("Nenek Sarmi tidak makan sejak kemarin")
    page.locator("#village").fill("Kemirn")
    page.locator("#reporter_phone").fill("+1 900 234 5678")
    page.locator("main form button.primary[type=submit]").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary.locator("li")).to_have_count(3)
    expect(summary).to_contain_text("Pilih kategori.")
    expect(summary).to_contain_text("Tidak ada desa “Kemirn”")
    expect(summary).to_contain_text("bukan nomor ponsel Indonesia")
    chip = page.locator("#err-village button.chip", has_text="Kemiren")
    expect(chip.first).to_be_visible()
    chip.first.click()
    expect(page.locator("#village")).to_have_value("Kemiren")
    expect(page.locator("#district")).not_to_have_value("")
    expect(page.locator("#err-village")).to_be_hidden()
    page.locator("#category").select_option("hunger")
    page.locator("#reporter_phone").fill("0812 9999 0000")
    _fits(page)
    page.locator("main form button.primary[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/complaints/BWI-"))
    expect(page.locator(".facts")).to_contain_text("Kemiren")


def test_the_phone_complaint_page_shows_the_next_action_and_the_rest_on_demand(open_context, demo_data, sign_in):
    page = open_context(PHONE)
    sign_in(page, "officer.dinsos")
    page.goto(f"/complaints/{demo_data['hunger_new']}")
    expect(page.locator("[data-primary-action]")).to_have_attribute("data-primary-action", "acknowledge")
    visible = page.locator("form.action-form:visible")
    expect(visible).to_have_count(1)
    folded = page.locator("details.action-more")
    assert folded.count() >= 3
    height = page.evaluate("document.documentElement.scrollHeight")
    # was 4,400 px with every form open (3,056 px with the others folded but the whole trail shown)
    assert height < 2000, f"the phone page is {height}px tall"
    _fits(page)
    assert page.evaluate("window.innerWidth") == PHONE["width"]  # nothing too wide zooms the page out
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "complaint-phone.png"), full_page=True)
    # Another action opens on demand.
    page.locator('details[data-action-details="comment"] > summary').click()
    expect(page.locator('form[data-action="comment"]')).to_be_visible()
    expect(page.locator("form.action-form:visible")).to_have_count(2)
    # Acknowledged, the next sensible action is recording the handling.
    page.locator('form[data-action="acknowledge"] button[type=submit]').click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("[data-primary-action]")).to_have_attribute("data-primary-action", "handle")
    expect(page.locator('form[data-action="handle"]')).to_be_visible()


def test_the_complaint_page_and_the_performance_table_fit_a_1366_laptop(open_context, demo_data, sign_in):
    page = open_context(DESKTOP)
    sign_in(page, "officer.dinsos")
    page.goto(f"/complaints/{demo_data['warned']}")
    expect(page.locator("[data-primary-action]")).to_have_attribute("data-primary-action", "handle")
    _fits(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "complaint.png"), full_page=True)
    page.locator("form.signout button").click()
    sign_in(page, "admin")
    page.goto("/performance/")
    expect(page.locator("table").first).to_be_visible()
    _fits(page)


def test_a_phone_shows_the_latest_of_a_long_trail_and_timeline_and_the_rest_on_demand(
        open_context, demo_data, sign_in, committed_app, clock):
    _escalate(committed_app, clock, 120)  # reminders, warnings, breaches and climbs fill the trail
    page = open_context(PHONE)
    sign_in(page, "supervisor")
    page.goto(f"/complaints/{demo_data['breached']}")
    # The menu folds behind one button, reachable by keyboard.
    menu = page.locator("[data-menu-toggle]")
    expect(page.locator("#main-nav")).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#main-nav").get_by_role("link", name="Cari")).to_be_visible()
    menu.click()
    expect(page.locator("#main-nav")).to_be_hidden()
    trail = page.locator("#trail-list > li")
    total = trail.count()
    assert total > 6
    expect(page.locator("#trail-list > li:visible")).to_have_count(2)
    expect(page.locator("#timeline-list > li:visible")).to_have_count(2)
    expect(page.locator("#map")).to_be_hidden()
    height = page.evaluate("document.documentElement.scrollHeight")
    # was 5,200 px for the same complaint with the whole trail and timeline shown
    assert height < 2200, f"the phone page is {height}px tall"
    _fits(page)
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    show = page.locator('[data-fold-toggle="trail-list"]')
    expect(show).to_have_text(f"Tampilkan semua {total} catatan")
    show.focus()
    page.keyboard.press("Enter")
    expect(show).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#trail-list > li:visible")).to_have_count(total)
    page.locator('[data-fold-toggle="timeline-list"]').click()
    assert page.locator("#timeline-list > li:visible").count() > 2
    page.locator('[data-fold-toggle="map"]').click()
    expect(page.locator("#map")).to_be_visible()
    assert page.locator("#map").bounding_box()["height"] > 100
