"""The supervisor dashboard, its JSON feed, filters, map points and the triage queue."""
from __future__ import annotations

from datetime import timedelta

from app.services.reporting import dashboard as queries


def test_open_complaints_come_least_time_left_first_with_the_breached_one_on_top(browser, make_complaint):
    fresh = make_complaint(minutes_ago=5, district="Giri")
    late = make_complaint(minutes_ago=300, district="Kabat")
    middle = make_complaint(minutes_ago=100, category="school_dropout")
    browser.sign_in("supervisor")
    data = browser.get("/dashboard/data.json").get_json()
    assert [c["ticket"] for c in data["complaints"]] == [late.ticket, middle.ticket, fresh.ticket]
    assert data["complaints"][0]["state"] == "breached"
    page = browser.get("/dashboard").get_data(as_text=True)
    assert page.index(late.ticket) < page.index(middle.ticket) < page.index(fresh.ticket)


def test_states_follow_the_reminder_and_warning_points(session, make_complaint, clock):
    complaint = make_complaint(minutes_ago=0)
    scope = queries.Scope(jurisdiction_id=complaint.jurisdiction_id)

    def state_at(minutes):
        at = clock.now() + timedelta(minutes=minutes)
        rows = queries.board(session, at, scope).rows
        from_sql = next(r.state for r in rows if r.ticket == complaint.ticket)
        assert from_sql == queries.state_of(complaint, at)
        return from_sql

    # Acknowledged in time, so only the handle deadline (240 min) drives the colour.
    complaint.acknowledged_at = clock.now()
    session.flush()
    assert state_at(10) == "on_track"
    assert state_at(125) == "reminder"
    assert state_at(185) == "warned"
    assert state_at(241) == "breached"


def test_a_warning_the_sla_engine_already_sent_shows_even_before_the_75_percent_point(session, make_complaint, clock):
    complaint = make_complaint(minutes_ago=0)
    complaint.acknowledged_at = clock.now()
    deadline = int(complaint.handle_due_at.timestamp())
    complaint.sla_fired = [f"h.remind.0@{deadline}", f"h.warn.1@{deadline}"]
    session.flush()
    rows = queries.board(session, clock.now(), queries.Scope(jurisdiction_id=complaint.jurisdiction_id)).rows
    assert next(r.state for r in rows if r.ticket == complaint.ticket) == "warned"
    assert queries.state_of(complaint, clock.now()) == "warned"


def test_a_missed_acknowledge_deadline_is_named_apart_and_never_paints_the_handle_clock_late(
        browser, session, make_complaint, clock):
    complaint = make_complaint(minutes_ago=31)  # acknowledge within 30 min: missed; handle within 240: not
    rows = queries.board(session, clock.now(), queries.Scope(jurisdiction_id=complaint.jurisdiction_id)).rows
    row = next(r for r in rows if r.ticket == complaint.ticket)
    assert (row.state, row.ack_late) == ("on_track", True)
    assert queries.state_of(complaint, clock.now()) == "on_track" and queries.ack_late_of(complaint, clock.now())
    browser.sign_in("supervisor")
    page = browser.get("/dashboard").get_data(as_text=True)
    tr = page[page.index(f'data-ticket="{complaint.ticket}"'):]
    tr = tr[:tr.index("</tr>")]
    assert 'data-state="on_track"' in tr and 'data-ack-late="1"' in tr
    assert "Tangani:" in tr and "Konfirmasi:" in tr and "Terlambat dikonfirmasi" in tr
    assert "Terlambat ditangani" not in tr
    shown = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "Terlambat dikonfirmasi" in shown and 'data-state="on_track"' in shown


def test_the_dashboard_counts_late_the_way_the_performance_page_does(browser, session, make_complaint, clock):
    from app.domain.actor import SYSTEM
    from app.services.reporting import performance

    for _ in range(3):
        make_complaint(minutes_ago=40)  # acknowledge deadline missed only
    make_complaint(minutes_ago=300)  # handle deadline missed (and acknowledge)
    browser.sign_in("supervisor")
    counts = browser.get("/dashboard/data.json").get_json()["counts"]
    figures = performance.report(session, clock.now(), SYSTEM, period=clock.now().strftime("%Y-%m"),
                                 jurisdiction="banyuwangi", live=True)["total"]
    assert counts["breached"] == figures["open_late"] == 1
    assert counts["ack_late"] == figures["acknowledge"]["late"] == 4
    page = browser.get("/dashboard").get_data(as_text=True)
    assert 'data-count="breached">1<' in page and 'data-count="ack_late">4<' in page
    assert "Terlambat ditangani" in page and "Terlambat dikonfirmasi" in page
    late_to_acknowledge = browser.get("/dashboard/data.json?state=ack_late").get_json()["complaints"]
    assert len(late_to_acknowledge) == 4 and all(c["ack_late"] for c in late_to_acknowledge)


def test_a_polled_row_is_the_rendered_row(browser, make_complaint, session):
    reopened = make_complaint(minutes_ago=20)
    reopened.reopened_count = 1
    session.flush()
    browser.sign_in("supervisor")
    page = browser.get("/dashboard").get_data(as_text=True)
    feed = browser.get("/dashboard/data.json").get_json()
    body = page[page.index("<tbody>") + len("<tbody>"):page.index("</tbody>")]
    assert " ".join(feed["rows_html"].split()) == " ".join(body.split())
    assert 'data-flag="reopened"' in feed["rows_html"]
    assert feed["updated_text"].startswith("Diperbarui") and "WIB" in feed["updated_text"]


def test_counts_and_filters(browser, make_complaint):
    make_complaint(minutes_ago=300)
    make_complaint(minutes_ago=5, category="school_dropout")
    make_complaint(minutes_ago=5, category="uninhabitable_house")
    browser.sign_in("supervisor")
    data = browser.get("/dashboard/data.json").get_json()
    assert data["counts"]["open"] == 3
    assert data["counts"]["breached"] == 1
    assert data["counts"]["on_track"] == 2
    only_school = browser.get("/dashboard/data.json?category=school_dropout").get_json()
    assert [c["category"] for c in only_school["complaints"]] == ["school_dropout"]
    only_breached = browser.get("/dashboard/data.json?state=breached").get_json()
    assert [c["state"] for c in only_breached["complaints"]] == ["breached"]
    by_agency = browser.get("/dashboard/data.json?agency=bwi-disperkim").get_json()
    assert [c["agency"] for c in by_agency["complaints"]] == ["bwi-disperkim"]
    assert "Dinas Perumahan" in browser.get("/dashboard?agency=bwi-disperkim").get_data(as_text=True)


def test_a_supervisor_sees_only_their_own_jurisdiction(browser, make_complaint):
    bwi = make_complaint(minutes_ago=5)
    srj = make_complaint(minutes_ago=5, jurisdiction="sabu_raijua", district="Sabu Barat")
    browser.sign_in("supervisor")
    tickets = [c["ticket"] for c in browser.get("/dashboard/data.json").get_json()["complaints"]]
    assert bwi.ticket in tickets and srj.ticket not in tickets
    assert browser.get(f"/complaints/{srj.ticket}").status_code == 404


def test_map_points_come_only_with_coordinates_and_only_to_signed_in_staff(client, browser, make_complaint):
    with_place = make_complaint(minutes_ago=5, lat=-8.21, lon=114.37)
    make_complaint(minutes_ago=5)
    assert client.get("/dashboard/data.json?map=1").status_code == 401
    browser.sign_in("supervisor")
    points = browser.get("/dashboard/data.json?map=1").get_json()["points"]
    assert [p["ticket"] for p in points] == [with_place.ticket]
    assert points[0]["lat"] == -8.21


def test_the_feed_shows_a_new_complaint_without_a_reload(browser, make_complaint):
    browser.sign_in("supervisor")
    assert browser.get("/dashboard/data.json").get_json()["complaints"] == []
    created = make_complaint(minutes_ago=1)
    feed = browser.get("/dashboard/data.json")
    assert feed.headers["Cache-Control"] == "no-store"
    assert [c["ticket"] for c in feed.get_json()["complaints"]] == [created.ticket]


def test_the_dashboard_uses_the_vendored_leaflet_and_no_inline_script(browser):
    browser.sign_in("supervisor")
    page = browser.get("/dashboard").get_data(as_text=True)
    assert "/web/vendor/leaflet/leaflet.js" in page
    assert "<script>" not in page and "http://" not in page.split("<body", 1)[1].replace("http://www.w3.org", "")
    leaflet = browser.get("/web/vendor/leaflet/leaflet.js")
    assert leaflet.status_code == 200 and b"Leaflet" in leaflet.data[:400]


def test_triage_lists_unroutable_complaints_and_assign_routes_them(browser, make_complaint):
    waiting = make_complaint(minutes_ago=10, jurisdiction="sabu_raijua", category="medical_care", district="Sabu Barat")
    assert waiting.status == "triage"
    browser.sign_in("supervisor.srj")
    page = browser.get("/triage").get_data(as_text=True)
    assert waiting.ticket in page
    response = browser.post(f"/complaints/{waiting.ticket}/actions",
                            {"action": "assign", "agency": "srj-dinkes", "back": "triage"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/triage")
    assert waiting.ticket not in browser.get("/triage").get_data(as_text=True)
    data = browser.get("/dashboard/data.json").get_json()
    row = next(c for c in data["complaints"] if c["ticket"] == waiting.ticket)
    assert row["status"] == "assigned" and row["agency"] == "srj-dinkes"


def test_triage_rejects_with_a_reason_and_a_duplicate_names_its_original(browser, make_complaint):
    original = make_complaint(minutes_ago=30, jurisdiction="sabu_raijua", category="medical_care", district="Sabu Barat")
    duplicate = make_complaint(minutes_ago=10, jurisdiction="sabu_raijua", category="medical_care", district="Sabu Barat")
    spam = make_complaint(minutes_ago=10, jurisdiction="sabu_raijua", category="medical_care", district="Sabu Barat")
    browser.sign_in("supervisor.srj")
    browser.post(f"/complaints/{duplicate.ticket}/actions",
                 {"action": "reject", "reason": "duplicate", "duplicate_of": original.ticket, "back": "triage",
                  "note": "Sama dengan laporan pagi ini", "confirmed": "1"})
    browser.post(f"/complaints/{spam.ticket}/actions", {"action": "reject", "reason": "spam", "back": "triage",
                                                        "note": "Iklan pinjaman", "confirmed": "1"})
    page = browser.get("/triage").get_data(as_text=True)
    assert original.ticket in page and duplicate.ticket not in page and spam.ticket not in page
    shown = browser.get(f"/complaints/{duplicate.ticket}").get_data(as_text=True)
    assert "status-rejected" in shown and original.ticket in shown


def test_a_duplicate_without_its_original_is_refused_with_a_message(browser, make_complaint):
    complaint = make_complaint(minutes_ago=10, jurisdiction="sabu_raijua", category="medical_care", district="Sabu Barat")
    browser.sign_in("supervisor.srj")
    response = browser.post(f"/complaints/{complaint.ticket}/actions",
                            {"action": "reject", "reason": "duplicate", "note": "Sudah dilaporkan", "confirmed": "1"})
    assert response.status_code == 422 and "Isi nomor tiket laporan yang diulang" in response.get_data(as_text=True)
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "status-triage" in page


def test_a_mistyped_original_ticket_is_explained_on_the_same_page(browser, make_complaint):
    complaint = make_complaint(minutes_ago=10, jurisdiction="sabu_raijua", category="medical_care", district="Sabu Barat")
    browser.sign_in("supervisor.srj")
    response = browser.post(f"/complaints/{complaint.ticket}/actions",
                            {"action": "reject", "reason": "duplicate", "duplicate_of": "SRJ-2026-999999",
                             "note": "Sudah dilaporkan", "confirmed": "1"})
    assert response.status_code == 303
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "flash-error" in page and "SRJ-2026-999999" in page and "status-triage" in page
