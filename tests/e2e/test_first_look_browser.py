"""Issue 17 items 9-11 in a real browser, at desktop and phone sizes: the dashboard map (legend, clusters,
no base map said plainly), the performance page in Indonesian (Babel numbers, a period picker, charts that
name agencies), the printable contract review with its signature block, and a newcomer's first look
(the demo day, the sign-in page in Indonesian, the citizen demo in the menu)."""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

SCREENSHOTS = (Path(__file__).resolve().parents[2] / "docs" / "screenshots" if os.environ.get("SIGAP_SCREENSHOTS")
               else Path(tempfile.gettempdir()) / "sigap-e2e-screenshots")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo_day(committed_app, clock):
    """The demo working day of `seed demo`, committed; the contracts it signs are removed after (they sit
    with the reference data the suite keeps)."""
    from sqlalchemy import delete

    from app.models.performance import PerformanceContract
    from app.services.demo import day

    maker = committed_app.extensions["sigap"].sessionmaker
    with maker() as session:
        made = day.seed_day(session, clock.now())
    yield made
    with maker() as session:
        session.execute(delete(PerformanceContract).where(PerformanceContract.note == day.CONTRACT_NOTE))
        session.commit()


def _context(chromium, live_server, viewport, locale="id-ID"):
    phone = viewport == PHONE
    return chromium.new_context(base_url=live_server, viewport=viewport, locale=locale, timezone_id="Asia/Jakarta",
                                device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone)


def _no_sideways_scroll(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_map_clusters_the_three_kemiren_reports_and_has_a_legend(chromium, live_server, demo_day, sign_in,
                                                                      viewport):
    context = _context(chromium, live_server, viewport)
    page = context.new_page()
    try:
        sign_in(page, "supervisor")
        expect(page.locator("#map")).to_have_attribute("data-points", re.compile(r"^\d+$"))
        legend = page.locator("ul.map-legend li")
        expect(legend).to_have_count(6)
        expect(legend.first).to_contain_text("Terlambat ditangani")
        expect(page.locator("[data-map-caption]")).to_contain_text("Tidak ada peta dasar")
        expect(page.locator(".map-landmark").filter(has_text="Glagah")).to_have_count(1)
        # Kemiren's three reports share one place: one numbered circle, whatever the zoom.
        kemiren = page.locator('.map-cluster[data-count="3"]')
        expect(kemiren).to_have_count(1)
        kemiren.click()
        expect(page.locator(".leaflet-popup .map-list li")).to_have_count(3)
        expect(page.locator(".leaflet-popup .map-list a").first).to_have_attribute("href", re.compile(r"^/complaints/BWI-"))
        _no_sideways_scroll(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = "dashboard-map.png" if viewport == DESKTOP else "dashboard-map-phone.png"
        page.locator(".dash-map").screenshot(path=str(SCREENSHOTS / name))
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_performance_page_reads_in_indonesian_with_a_period_picker_and_named_charts(
        chromium, live_server, demo_day, sign_in, viewport):
    context = _context(chromium, live_server, viewport)
    page = context.new_page()
    try:
        sign_in(page, "official")
        expect(page).to_have_url(re.compile(r"/performance/$"))
        picker = page.locator("select#p-period")
        expect(picker).to_have_value("2026-11")
        expect(picker.locator("optgroup")).to_have_count(3)
        expect(picker.locator('option[value="2026-Q4"]')).to_have_text("Triwulan 4 2026")
        expect(picker.locator('option[value="2026-11"]')).to_have_text("November 2026")
        picker.select_option("2026-Q4")
        page.locator("form.filters button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"period=2026-Q4"))
        rates = page.locator("table.perf tbody td.num:nth-child(6)").all_inner_texts()
        assert rates and all(re.fullmatch(r"(–|\d{1,3},\d %).*", rate.strip(), re.S) for rate in rates), rates
        legend = page.locator("#h-trend + svg text").all_text_contents()
        assert "Dinas Sosial" in legend and not any("bwi-" in text for text in legend)
        assert not page.locator("body").inner_text().count("On-time")
        _no_sideways_scroll(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / ("performance.png" if viewport == DESKTOP else "performance-phone.png")),
                        full_page=viewport == DESKTOP)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_printed_contract_review_ends_with_a_signature_block(chromium, live_server, demo_day, sign_in, viewport):
    context = _context(chromium, live_server, viewport)
    page = context.new_page()
    try:
        sign_in(page, "official")
        page.goto("/performance/contracts")
        contracts = page.locator("table.perf tbody a")
        expect(contracts.first).to_be_visible()  # the official sees a contract on the first look
        page.locator("table.perf tbody tr").filter(has_text="Dinas Sosial").locator("a").first.click()
        page.get_by_role("link", name="Tinjauan siap cetak").click()
        expect(page.locator("article.review.printable")).to_be_visible()
        expect(page.locator('[data-sign="official"] .sign-name')).to_have_text("Henik Setyorini")
        expect(page.locator('[data-sign="reviewer"]')).to_contain_text("Penilai")
        expect(page.locator(".sign-place")).to_contain_text("Banyuwangi, 23 November 2026")
        page.emulate_media(media="print")
        expect(page.locator("header.topbar")).to_be_hidden()
        expect(page.locator("[data-print]")).to_be_hidden()
        _no_sideways_scroll(page)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / ("contract-print.png" if viewport == DESKTOP
                                                 else "contract-print-phone.png")), full_page=True)
    finally:
        context.close()


def test_a_newcomer_sees_the_sign_in_page_in_indonesian_and_finds_the_citizen_demo(chromium, live_server, demo_day,
                                                                                   sign_in):
    context = _context(chromium, live_server, DESKTOP, locale="en-GB")  # an English browser
    page = context.new_page()
    try:
        page.goto("/signin")
        expect(page.locator("html")).to_have_attribute("lang", "id")
        expect(page.locator("h1")).to_have_text("Masuk ke Sigap")
        expect(page.locator('link[rel="icon"]')).to_have_attribute("href", re.compile(r"favicon\.svg$"))
        sign_in(page, "supervisor")
        expect(page.locator('[data-count="open"]')).not_to_have_text("0")  # the day's complaints, working
        page.get_by_role("link", name="Coba sebagai warga").click()
        expect(page).to_have_url(re.compile(r"/demo/citizen$"))
    finally:
        context.close()
