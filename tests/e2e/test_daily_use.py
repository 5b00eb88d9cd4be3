"""Issue 17, items 1-5 in a real browser at a laptop's 1366 x 768: the two clocks said apart and counted
by the same rule on the dashboard, the complaint page and the performance page; the trail as sentences
with the stored record one click away and a handled complaint's reminders cancelled; rejecting only with
a reason, a note and a confirmation (also from triage); closed complaints found again by search with
filters and a CSV of the list; and a polled row identical to a rendered one."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.test_working_day import DESKTOP, SCREENSHOTS, _as, _escalate, open_context  # noqa: F401

RAW_CODES = re.compile(r"h\.(warn|remind|breach|esc)|@\d{9,}|bwi-dinsos|reporter:\d|user:\d|regional_secretary|"
                       r"late seconds|nobody reachable:|\bstep:")


def test_a_missed_acknowledge_deadline_is_told_apart_from_the_handle_clock_and_counted_alike(
        open_context, demo_data, sign_in, submit_complaint):
    # Received an hour ago, not acknowledged (30 minutes), to be handled within 4 hours.
    late_to_ack = submit_complaint(60, jurisdiction="banyuwangi", category="hunger", district="Glagah",
                                   description="Pak Darmo tidak makan sejak kemarin")
    page = open_context(DESKTOP)
    sign_in(page, "supervisor")
    row = page.locator(f'tr[data-ticket="{late_to_ack}"]')
    expect(row).not_to_have_attribute("data-state", "breached")
    expect(row.locator('.badge[data-state="ack_late"]')).to_have_text("Terlambat dikonfirmasi")
    expect(row.locator('[data-clock="handle"] time')).to_have_text(re.compile(r"lagi$"))
    expect(row.locator('[data-clock="acknowledge"] time')).to_have_text(re.compile(r"terlambat$"))
    late_to_handle = page.locator('[data-count="breached"]').inner_text()
    assert late_to_handle == "1"  # the demo's breached complaint only, not the one late to acknowledge
    page.goto(f"/complaints/{late_to_ack}")
    expect(page.locator('time[data-countdown="handle"]')).to_have_text(re.compile(r"lagi$"))
    expect(page.locator('time[data-countdown="acknowledge"]')).to_have_text(re.compile(r"terlambat$"))
    # The performance page counts the open complaints late to handle by the same rule and word.
    page.goto("/performance/")
    expect(page.locator("table.perf thead th").nth(4)).to_have_text("Terlambat ditangani (masih terbuka)")
    expect(page.locator("table.perf tfoot td").nth(3)).to_have_text(late_to_handle)


def test_the_trail_reads_as_sentences_with_the_stored_record_one_click_away(
        open_context, demo_data, sign_in, committed_app, clock):
    from app.services import lifecycle

    _escalate(committed_app, clock, 120)  # reminders, warnings, breaches and the climb up the ladder
    page = open_context(DESKTOP)
    sign_in(page, "supervisor")
    page.goto(f"/complaints/{demo_data['breached']}")
    sentences = page.locator(".trail-sentence")
    assert sentences.count() >= 6
    for text in sentences.all_inner_texts():
        assert text.strip() and not RAW_CODES.search(text), text
    expect(page.locator('.trail [data-event="escalated"]').first).to_contain_text("Dieskalasi")
    # Each missed deadline's alert says which clock it was.
    told = page.locator("[data-breach-result]")
    expect(told).to_have_count(2)
    expect(told.nth(0)).to_contain_text("Terlambat dikonfirmasi")
    expect(told.nth(1)).to_contain_text("Terlambat ditangani")
    raw = page.locator(".trail-raw").first
    expect(raw.locator("pre")).to_be_hidden()
    raw.locator("summary").click()
    expect(raw.locator("pre")).to_be_visible()
    expect(raw.locator("pre")).to_contain_text('"hash"')
    # Handled, the reminders still ahead of it are cancelled, not pending.
    with committed_app.extensions["sigap"].sessionmaker() as session:
        officer = _as(committed_app, "officer.dinsos")
        lifecycle.acknowledge(session, clock.now(), demo_data["hunger_new"], officer)
        lifecycle.handle(session, clock.now(), demo_data["hunger_new"], officer, note="Beras 10 kg diantar",
                         evidence={})
    page.goto(f"/complaints/{demo_data['hunger_new']}")
    expect(page.locator("#timeline-list li[data-cancelled]")).not_to_have_count(0)
    expect(page.locator("#timeline-list")).not_to_contain_text("menunggu")


def test_rejecting_needs_a_reason_a_note_and_a_confirmation(open_context, demo_data, sign_in):
    page = open_context(DESKTOP)
    sign_in(page, "supervisor")
    page.goto(f"/complaints/{demo_data['on_track']}")
    page.locator('details[data-action-details="reject"] > summary').click()
    form = page.locator('form[data-action="reject"]')
    form.locator("button[type=submit]").click()  # nothing chosen: the browser keeps the form
    assert page.evaluate("document.querySelector('#reject-reason').validity.valueMissing")
    expect(page).to_have_url(re.compile(rf"/complaints/{demo_data['on_track']}$"))
    form.locator("#reject-reason").select_option("out_of_scope")
    form.locator("#reject-note").fill("Bukan laporan layanan ini; diteruskan ke kelurahan")
    form.locator("button[type=submit]").click()
    # A page of its own says what rejecting does before anything happens.
    expect(page.locator("[data-reject-warning]")).to_be_visible()
    expect(page.locator("#reject-reason")).to_have_value("out_of_scope")
    page.locator("[data-confirm-reject]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".complaint-head .status")).to_have_class(re.compile(r"status-rejected"))
    # The triage page asks the same (Sabu Raijua's supervisor, its unroutable report).
    page.locator("form.signout button").click()
    sign_in(page, "supervisor.srj")
    page.goto("/triage")
    item = page.locator(f'article[data-ticket="{demo_data["triage"]}"]')
    item.locator("select[name=reason]").select_option("spam")
    item.locator("input[name=note]").fill("Iklan")
    item.locator("form:has(input[value=reject]) button[type=submit]").click()
    expect(page.locator("[data-confirm-reject]")).to_be_visible()
    page.get_by_role("link", name="Batal").click()
    expect(page).to_have_url(re.compile(r"/triage$"))
    expect(page.locator(f'article[data-ticket="{demo_data["triage"]}"]')).to_have_count(1)


def test_closed_complaints_are_found_again_filtered_and_exported(
        open_context, demo_data, sign_in, committed_app, clock):
    from app.services import lifecycle

    with committed_app.extensions["sigap"].sessionmaker() as session:
        lifecycle.handle(session, clock.now(), demo_data["warned"], _as(committed_app, "officer.dinsos"),
                         note="Dikunjungi", evidence={})  # acknowledged already
    page = open_context(DESKTOP)
    sign_in(page, "supervisor")
    page.get_by_role("link", name="Cari").click()
    page.locator("#s-q").fill("Mbah Karto")
    page.locator("#s-state").select_option("closed")
    page.locator("form.search-form button[type=submit]").click()
    results = page.locator("table[data-results] tbody tr[data-ticket]")
    expect(results).to_have_count(1)
    expect(results.first).to_have_attribute("data-ticket", demo_data["warned"])
    expect(results.first.locator(".status")).to_have_class(re.compile(r"status-handled"))
    # The open ones of a kecamatan, by the filters alone.
    page.goto("/complaints")
    page.locator("#s-state").select_option("open")
    page.locator("#s-district").select_option(label="Rogojampi")
    page.locator("form.search-form button[type=submit]").click()
    expect(results).to_have_count(1)
    expect(results.first).to_have_attribute("data-ticket", demo_data["breached"])
    expect(results.first.locator("[data-late]")).to_have_text("Terlambat ditangani")  # the dashboard's word
    with page.expect_download() as download:
        page.locator("[data-csv]").click()
    lines = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
    assert lines[0].startswith("Tiket,") and len(lines) == 2 and demo_data["breached"] in lines[1]
    page.goto("/complaints")  # everything the supervisor may see, open and closed, newest first
    expect(page.locator("table[data-results] .status.status-handled")).to_have_count(1)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)


def test_a_polled_row_is_the_rendered_row(open_context, demo_data, sign_in, committed_app, clock):
    _escalate(committed_app, clock, 30)
    page = open_context(DESKTOP)
    page.clock.install()
    sign_in(page, "supervisor")
    # The rows as HTML, without the countdowns' ticking text and the "new" highlight.
    rows_html = """Array.from(document.querySelectorAll('table[data-board] tbody tr')).map(tr => {
        const copy = tr.cloneNode(true); copy.classList.remove('fresh');
        copy.querySelectorAll('time.countdown').forEach(t => { t.textContent = ''; t.classList.remove('late'); });
        return copy.outerHTML; })"""
    rendered = page.evaluate(rows_html)
    assert len(rendered) >= 4
    page.wait_for_function("document.body.getAttribute('data-polling') === '1'")
    page.evaluate("document.querySelector('[data-live-status]').textContent = ''")
    page.clock.run_for(2_000)
    expect(page.locator("[data-live-status]")).not_to_have_text("")
    assert page.evaluate(rows_html) == rendered
