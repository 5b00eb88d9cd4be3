"""End-to-end fixtures: the real app on a real HTTP server thread (127.0.0.1, free port, committed
transactions) driven by headless Chromium through Playwright. Skips, saying why, without a browser."""
from __future__ import annotations

import os
import shutil
import threading
from datetime import timedelta

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "sigap-demo-2026"


def chromium_path() -> str | None:
    candidates = [os.environ.get("SIGAP_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser")]
    return next((c for c in candidates if c and os.path.exists(c)), None)


@pytest.fixture(scope="session")
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("e2e: the playwright Python package is not installed (pip install -r requirements.txt)")
    executable = chromium_path()
    if executable is None:
        pytest.skip("e2e: no Chromium found at /usr/bin/chromium (apt-get install -y chromium), "
                    "or set SIGAP_CHROMIUM to a Chromium binary")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no usable browser here"
            pytest.skip(f"e2e: Chromium at {executable} would not start: {str(exc).splitlines()[0]}")
        yield browser
        browser.close()


@pytest.fixture
def live_server(committed_app):
    """The app served by werkzeug on 127.0.0.1 on a free port, in a thread."""
    from werkzeug.serving import make_server

    committed_app.config["SIGAP_DASHBOARD_POLL_SECONDS"] = 1
    server = make_server("127.0.0.1", 0, committed_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sigap-e2e-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server, viewport={"width": 1440, "height": 900},
                                   locale="en-GB", timezone_id="Asia/Jakarta")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def submit_complaint(committed_app, clock):
    """Submit a complaint through intake, committed, received `minutes_ago`; returns its ticket."""
    from app.services import intake

    maker = committed_app.extensions["sigap"].sessionmaker

    def submit(minutes_ago, **kwargs):
        with maker() as session:
            return intake.submit(session, clock.now(), channel="counter",
                                 received_at=clock.now() - timedelta(minutes=minutes_ago), **kwargs).ticket
    return submit


@pytest.fixture
def demo_data(committed_app, clock, submit_complaint):
    """A breached, a warned, two on-track and a triage complaint, committed for the server to see."""
    from sqlalchemy import select

    from app.domain.actor import Actor
    from app.models import User
    from app.services import lifecycle

    maker = committed_app.extensions["sigap"].sessionmaker
    made = {}

    def acknowledge(key, username, minutes_ago):
        with maker() as session:
            user = session.scalar(select(User).where(User.username == username))
            actor = Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                          jurisdiction_id=user.jurisdiction_id, name=user.name)
            lifecycle.acknowledge(session, clock.now() - timedelta(minutes=minutes_ago), made[key], actor,
                                  note="Sedang dikoordinasikan dengan kepala desa")

    made["on_track"] = submit_complaint(
        10, jurisdiction="banyuwangi", category="school_dropout", district="Glagah",
        description="Anak usia 12 tahun berhenti sekolah karena tidak punya seragam", lat=-8.2179, lon=114.3023,
        reporter={"name": "Bu Sri", "phone": "+6281311112222"})
    made["warned"] = submit_complaint(
        200, jurisdiction="banyuwangi", category="lone_elderly", district="Kabat",
        description="Mbah Karto tinggal sendiri, sakit, tidak ada yang merawat", lat=-8.2834, lon=114.3366,
        reporter={"name": "Pak Budi", "phone": "+6281234567890"})
    acknowledge("warned", "officer.dinsos", 185)
    made["breached"] = submit_complaint(
        300, jurisdiction="banyuwangi", category="hunger", district="Rogojampi",
        description="Keluarga Pak Slamet tidak bisa makan sejak dua hari; empat anak kecil", lat=-8.3103,
        lon=114.2896, reporter={"name": "Ibu Nur", "phone": "+6285233334444"})
    made["hunger_new"] = submit_complaint(
        5, jurisdiction="banyuwangi", category="hunger", district="Giri",
        description="Ibu Sumi, janda, tidak punya beras hari ini", lat=-8.1904, lon=114.3307,
        reporter={"name": "Ibu Sumi", "phone": "+6281255556666"})
    made["triage"] = submit_complaint(
        20, jurisdiction="sabu_raijua", category="medical_care", district="Sabu Barat",
        description="Bapak Yohanes sakit keras dan tidak bisa berobat ke puskesmas", lat=-10.5283, lon=121.8447,
        reporter={"name": "Maria", "phone": "+6281377778888"})
    made["srj_breached"] = submit_complaint(
        290, jurisdiction="sabu_raijua", category="hunger", district="Sabu Barat",
        description="Keluarga nelayan tidak bisa makan setelah gagal melaut", lat=-10.5, lon=121.85)
    return made


@pytest.fixture
def sign_in():
    return _sign_in


def _sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/signin")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
