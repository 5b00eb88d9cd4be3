"""A newcomer's first look: the demo working day, the map's legend and base layer, the menu's citizen demo,
the sign-in page in Indonesian, the favicon and one log line per request (issue 17, items 9 and 11)."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.models import Breach, Complaint, Jurisdiction
from app.models.performance import PerformanceContract
from app.services.demo import day


def test_the_demo_day_holds_open_late_handled_and_disputed_complaints_in_both_regencies(session, clock):
    made = day.seed_day(session, clock.now())
    assert made == len(day.DAY)
    rows = session.execute(select(Complaint.status, Complaint.reopened_count, Complaint.received_at,
                                  Jurisdiction.code).join(Jurisdiction)).all()
    statuses = {status for status, *_rest in rows}
    assert {"assigned", "acknowledged", "handled", "rejected", "triage"} <= statuses
    assert {code for *_rest, code in rows} == {"banyuwangi", "sabu_raijua"}
    assert any(reopened for _s, reopened, *_r in rows)  # a citizen said "not handled"
    # Relative to the clock: everything within the last day, nothing in the future.
    assert all(clock.now() - received <= timedelta(days=1) and received <= clock.now()
               for _s, _r, received, _c in rows)
    kinds = set(session.scalars(select(Breach.kind)))
    assert kinds == {"acknowledge", "handle"}  # fired by the real SLA steps at the times they fell due
    # Every agency head holding a post today has a contract covering today.
    assert session.scalar(select(func.count()).select_from(PerformanceContract)) >= 4
    assert day.seed_day(session, clock.now()) == 0  # a second run adds nothing


def test_the_first_screen_shows_the_day_working(session, clock, browser):
    day.seed_day(session, clock.now())
    browser.sign_in("supervisor")
    data = browser.get("/dashboard/data.json?map=1").get_json()
    assert data["counts"]["open"] >= 8 and any(c["state"] == "breached" for c in data["complaints"])
    kemiren = [p for p in data["points"] if abs(p["lat"] + 8.2013) < 0.001 and abs(p["lon"] - 114.3177) < 0.001]
    assert len(kemiren) == 3  # three reports in one village: the map must cluster them
    only = browser.get("/dashboard/data.json?map=only").get_json()  # what the map polls: the points alone
    assert set(only) == {"now", "points"} and only["points"] == data["points"]
    browser.sign_out()
    browser.sign_in("official")
    contracts = browser.get("/performance/contracts").get_data(as_text=True)
    assert "/performance/contracts/" in contracts and "Belum ada kontrak" not in contracts


def test_the_map_has_a_legend_and_says_plainly_there_is_no_base_map(browser):
    browser.sign_in("supervisor")
    response = browser.get("/dashboard")
    html = response.get_data(as_text=True)
    assert 'class="map-legend"' in html and "Terlambat ditangani" in html  # the states, in Indonesian
    assert "Tidak ada peta dasar" in html and "Without a network connection" not in html
    assert "data-landmarks='[" in html and '"name": "Glagah"' in html  # kecamatan names as landmarks
    assert "data-tile-url" not in html
    assert "img-src 'self' data: blob:;" in response.headers["Content-Security-Policy"]


@pytest.fixture
def tiled_settings(settings):
    settings.map_tile_url = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    settings.map_tile_attribution = "© Kontributor OpenStreetMap"
    return settings


def test_an_operators_tile_server_is_drawn_credited_and_allowed_by_the_csp(engine, connection, clock, tiled_settings):
    from app import create_app
    from tests.integration.web.conftest import Browser

    app = create_app(settings=tiled_settings, clock=clock, engine=engine)
    app.config["TESTING"] = True
    app.extensions["sigap"].sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    browser = Browser(app.test_client())
    browser.sign_in("supervisor")
    response = browser.get("/dashboard")
    html = response.get_data(as_text=True)
    assert 'data-tile-url="https://{s}.tile.example.org/{z}/{x}/{y}.png"' in html
    assert "© Kontributor OpenStreetMap" in html and "Tidak ada peta dasar" not in html
    assert "img-src 'self' data: blob: https://*.tile.example.org;" in response.headers["Content-Security-Policy"]


def test_tile_settings_are_checked_at_start():
    from config import ConfigError, load_settings

    base = {"DATABASE_URL": "sqlite:///x.db", "SECRET_KEY": "k" * 20}
    good = load_settings(env={**base, "SIGAP_MAP_TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png",
                              "SIGAP_MAP_TILE_ATTRIBUTION": "© Example"})
    assert good.map_tile_url.endswith("{y}.png")
    for env in ({"SIGAP_MAP_TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png"},
                {"SIGAP_MAP_TILE_URL": "javascript:alert(1)/{z}/{x}/{y}", "SIGAP_MAP_TILE_ATTRIBUTION": "x"},
                {"SIGAP_MAP_TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png; script-src *",
                 "SIGAP_MAP_TILE_ATTRIBUTION": "x"},
                {"SIGAP_MAP_TILE_URL": "https://tiles.example.org/tile.png", "SIGAP_MAP_TILE_ATTRIBUTION": "x"}):
        with pytest.raises(ConfigError):
            load_settings(env={**base, **env})


def test_the_menu_links_the_citizen_demo_in_console_mode_for_supervisors(browser):
    browser.sign_in("supervisor")
    assert 'href="/demo/citizen"' in browser.get("/dashboard").get_data(as_text=True)
    browser.sign_out()
    browser.sign_in("officer.dinsos")
    assert 'href="/demo/citizen"' not in browser.get("/queue").get_data(as_text=True)


def test_the_sign_in_page_is_indonesian_even_for_an_english_browser_and_has_a_favicon(client):
    page = client.get("/signin", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="id">' in page and "Masuk" in page and "Sign in to Sigap" not in page
    assert 'rel="icon"' in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_each_request_is_logged_once(client, caplog):
    from werkzeug.serving import WSGIRequestHandler  # noqa: F401 - the dev server's logger is "werkzeug"

    with caplog.at_level(logging.INFO):
        client.get("/signin")
        # What werkzeug's development server writes for the same request is dropped by the filter.
        logging.getLogger("werkzeug").info('%s - - [%s] "%s" %s %s\n' % ("127.0.0.1", "x", "%s", "%s", "%s"),
                                           "GET /signin HTTP/1.1", "200", "-")
    lines = [r for r in caplog.records if "/signin" in r.getMessage()]
    assert [r.name for r in lines] == ["sigap.request"]
