"""No English on a staff page or CSV export for an Indonesian reader (issue 17).

Walks every staff page of the app's URL map (GET routes of the staff blueprints; a new page is
walked without being listed) as each role that opens it, with complaints in every state and a
trail that holds reminders, escalations, breaches, handling and a rejection; the dashboard's poll
(its rows and "updated" line), and every CSV export. Each visible text node (and title, aria-label,
placeholder, alt) is checked against the staff catalogue (app/translations/id/.../messages.po):
  1. it is not the English source of a catalogue entry (an untranslated text), and
  2. it has no word that only the English side of the catalogue uses ("the", "deadline",
     "complaint"...): a text typed in English that never went through the catalogue.
Proper names, numbers, dates, tickets and stored data pass: they are not catalogue words. The
stored record shown to auditors under "Catatan tersimpan" is raw by design and skipped."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import url_for
from sqlalchemy import select

from app.domain.actor import SYSTEM
from app.models import User
from app.services import intake, lifecycle
from app.services.reporting import performance
from app.services.sla import escalation
from tests.integration.web.conftest import Browser

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "app" / "translations" / "id" / "LC_MESSAGES" / "messages.po"

# Staff blueprints walked; the others are machines' (api, open311, webhooks, metrics) or citizens'.
STAFF_BLUEPRINTS = ("web", "auth", "dashboard", "workspace", "search", "performance", "settings", "sms_demo")
REDIRECT_ONLY = {"web.home", "settings.index"}  # they send each role on to its page
SKIPPED_ENDPOINTS = {"web.static", "performance.static", "sms_demo.static", "workspace.complaint_file"}
ROLES = {"supervisor": "supervisor", "officer": "officer.dinsos", "agency_head": "head.dinsos", "admin": "admin",
         "official": "official", "camat": "camat.glagah"}
# Words of the English catalogue that are also names or shared words on an Indonesian page.
SHARED_WORDS = {
    "sigap", "sms", "telegram", "whatsapp", "api", "csv", "open311", "web", "id", "en", "ok", "min", "kepala",
    "dinas", "camat", "desa", "kecamatan", "kelurahan", "piket", "sekda", "bupati", "kontrak", "kinerja",
    "twilio", "kannel", "smpp", "utc", "wib", "wita", "wit", "jpeg", "png", "mb", "km", "p90", "e", "g", "x",
    "token", "sid", "hx", "content", "template", "status", "admin", "email", "login", "bahasa", "indonesia",
    "banyuwangi", "sabu", "raijua", "rahasia", "anonim", "lapor", "skm", "no", "online", "offline", "spam",
    "link", "url", "ladder", "level", "triase", "pdf", "via", "info", "menu", "media", "total", "median",
}
# A CSV column holds codes for machines when its header says so (status codes, agency codes).
CODE_COLUMNS = re.compile(r"(kode|code|status_code|_id$|^id$)", re.I)
WORD = re.compile(r"[A-Za-z][A-Za-z']+")
# Identifiers on a page are data: usernames (head.dinsos, @official), post keys (agency_head:bwi-dinsos),
# template names (sigap_core_receipt). A CSV header is checked whole: its snake_case is a name people read.
IDENTIFIER = re.compile(r"@[\w.-]+|\b[a-z0-9_-]+(?:[.:][a-z0-9_.:-]+)+\b|\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%s|\{[a-z_]+\}")


@lru_cache(maxsize=1)
def catalogue() -> tuple[frozenset, frozenset]:
    """(English sources of translated entries, words only the English side uses)."""
    with open(PO, "rb") as f:
        entries = [(m.id, m.string) for m in read_po(f) if m.id and m.string]
    sources = frozenset(PLACEHOLDER.sub("", mid).strip() for mid, mstr in entries if mid != mstr)
    english = {w.lower() for mid, _ in entries for w in WORD.findall(PLACEHOLDER.sub(" ", mid))}
    indonesian = {w.lower() for _, mstr in entries for w in WORD.findall(PLACEHOLDER.sub(" ", mstr))}
    return sources, frozenset(english - indonesian - SHARED_WORDS)


class _Texts(HTMLParser):
    """Visible text nodes and the attributes people read, outside <script>, <style>, the raw
    stored record, anything marked lang="en" (the button that switches to English, an English
    template) and anything marked translate="no" (usernames)."""

    SKIP = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = (tag in self.SKIP or attrs.get("lang") == "en" or attrs.get("translate") == "no"
                  or "trail-raw" in (attrs.get("class") or "") or tag == "pre")
        skip = hidden or (self.stack[-1] if self.stack else False)
        if not skip:
            for name in ("title", "aria-label", "placeholder", "alt"):
                if attrs.get(name):
                    self.texts.append(attrs[name])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1]:
            return
        if data.strip():
            self.texts.append(data.strip())


def english_in(texts, identifiers: bool = True) -> list[str]:
    sources, english_words = catalogue()
    found = []
    for text in texts:
        text = re.sub(r"\s+", " ", text).strip()
        words = {w.lower() for w in WORD.findall(IDENTIFIER.sub(" ", text) if identifiers else text)}
        if text in sources or words & english_words:
            found.append(f"{text!r} ({', '.join(sorted(words & english_words)) or 'an untranslated text'})")
    return found


# CSV exports that are also import files: their header is a file format, the same in every language.
IMPORT_FORMATS = {"settings.contacts_export"}


def html_english(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return english_in(parser.texts)


def csv_english(body: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    if not rows:
        return []
    header, texts = rows[0], []
    for row in rows[1:]:
        texts += [cell for name, cell in zip(header, row) if not CODE_COLUMNS.search(name)]
    return english_in(header, identifiers=False) + english_in(texts)


def _actor(session, username):
    from app.web.access import staff_user
    return staff_user(session, session.scalar(select(User).where(User.username == username))).actor


@pytest.fixture
def story(session, clock):
    """Complaints in every state, with reminders, a warning, escalations and breaches on their trails."""
    def submit(minutes_ago, **fields):
        fields.setdefault("jurisdiction", "banyuwangi")
        fields.setdefault("reporter", {"name": "Pak Budi", "phone": "+6281234567890"})
        return intake.submit(session, clock.now(), channel="counter",
                             received_at=clock.now() - timedelta(minutes=minutes_ago), **fields)

    officer, supervisor = _actor(session, "officer.dinsos"), _actor(session, "supervisor")
    late = submit(20, category="hunger", district="Glagah", description="Keluarga Pak Slamet tidak bisa makan")
    handled = submit(15, category="hunger", district="Glagah", description="Mbah Sarni lansia sebatang kara")
    rejected = submit(10, category="hunger", district="Glagah", description="Iklan pinjaman cepat")
    submit(5, category="medical_care", jurisdiction="sabu_raijua", district="Sabu Barat",
           description="Bapak Yohanes sakit keras")  # triage
    lifecycle.acknowledge(session, clock.now(), handled.ticket, officer, note="Sedang menuju lokasi")
    lifecycle.handle(session, clock.now(), handled.ticket, officer, note="Beras 10 kg diantar", evidence={})
    lifecycle.reject(session, clock.now(), rejected.ticket, supervisor, reason="spam", note="Iklan, bukan laporan")
    lifecycle.comment(session, clock.now(), late.ticket, supervisor, note="Mohon segera")
    session.commit()
    for _ in range(8):  # the late one's reminders, warning, breaches and escalations fire as time passes
        clock.advance(minutes=45)
        escalation.run_due_steps(session, clock.now())
    contract = performance.create_contract(session, clock.now(), SYSTEM, official="head.dinsos", period="2026-Q4",
                                           on_time_rate=0.9)
    session.commit()
    return {"ticket": late.ticket, "handled": handled.ticket, "rejected": rejected.ticket, "contract": contract.id}


def _pages(app, story, blueprints) -> list[tuple[str, str]]:
    """(endpoint, path) of every staff GET page of these blueprints, path values filled from the story."""
    values = {"ticket": story["ticket"], "contract_id": story["contract"]}
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            blueprint = rule.endpoint.split(".")[0]
            if ("GET" not in rule.methods or blueprint not in blueprints or rule.endpoint in SKIPPED_ENDPOINTS
                    or "." not in rule.endpoint):
                continue
            found.append((rule.endpoint, url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})))
    extra = [("workspace.complaint", f"/complaints/{story['handled']}"),
             ("workspace.complaint", f"/complaints/{story['rejected']}"),
             ("search.search_page", "/complaints?state=closed"), ("workspace.queue", "/queue?mine=1"),
             ("search.export_csv", "/complaints.csv?state=closed"), ("dashboard.data", "/dashboard/data.json?map=1")]
    # Every grouping and kind of period, on the page and in its CSVs (categories have names per language).
    for group_by in ("official", "category", "district", "jurisdiction"):
        extra += [("performance.report_page", f"/performance/?group_by={group_by}&period=2026-Q4"),
                  ("performance.report_csv", f"/performance/report.csv?group_by={group_by}&period=2026"),
                  ("performance.trend_csv", f"/performance/trend.csv?group_by={group_by}&period=2026-11")]
    return found + [(endpoint, path) for endpoint, path in extra if endpoint.split(".")[0] in blueprints]


def walk(app, pages) -> dict[str, list[str]]:
    """Open every page as every role that may; what reads as English, per page and role."""
    browsers = {}
    for role, username in ROLES.items():
        browser = Browser(app.test_client())
        assert browser.sign_in(username).status_code == 302
        browsers[role] = browser
    anonymous = Browser(app.test_client())
    problems, walked = {}, set()
    for endpoint, path in pages:
        for role, browser in ([(None, anonymous)] if endpoint == "auth.signin" else browsers.items()):
            response = browser.get(path)
            if response.status_code == 302 and endpoint in REDIRECT_ONLY:
                walked.add(endpoint)
            if response.status_code in (302, 403, 404):  # not this role's page
                continue
            assert response.status_code == 200, (path, role, response.status_code)
            walked.add(endpoint)
            body = response.get_data(as_text=True)
            if response.mimetype == "text/html":
                found = html_english(body)
            elif response.mimetype == "text/csv":
                # an import file's own format (its header is the column names the import reads)
                found = [] if endpoint in IMPORT_FORMATS else csv_english(body)
            elif response.mimetype == "application/json":
                data = response.get_json()
                found = html_english(data.get("rows_html", "")) + english_in([data.get("updated_text", "")])
            else:
                continue
            if found:
                problems[f"{path} as {role}"] = sorted(set(found))[:8]
    missing = {endpoint for endpoint, _ in pages} - walked
    assert not missing, f"no role opened these pages: {sorted(missing)}"
    return problems


def test_no_staff_page_or_export_shows_english_to_an_indonesian_reader(app, session, story):
    pages = _pages(app, story, tuple(b for b in STAFF_BLUEPRINTS if b != "performance"))
    assert len(pages) > 15, pages
    problems = walk(app, pages)
    assert not problems, "English on an Indonesian page:\n" + "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_no_performance_page_or_export_shows_english_to_an_indonesian_reader(app, session, story):
    pages = _pages(app, story, ("performance",))
    assert len(pages) > 10, pages
    problems = walk(app, pages)
    assert not problems, "English on an Indonesian page:\n" + "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_the_check_finds_an_untranslated_text_and_an_english_sentence():
    assert html_english("<p>Open complaints</p>")  # a catalogue source left untranslated
    assert html_english('<p>Tiket <span title="The deadline passed">BWI-2026-000001</span></p>')
    assert not html_english("<p>Pengaduan terbuka</p><p>Ibu Sumi, Glagah · 3 j 5 mnt lagi</p>")
    assert not html_english('<button lang="en">English</button><pre>step: h.warn.1</pre>')
    assert csv_english("ticket,status\nBWI-2026-000001,assigned\n")
    assert csv_english("tiket,on_time_rate\nBWI-2026-000001,0.9\n")
    assert not html_english('<td translate="no">official</td><td>@head.dinsos · agency_head:bwi-dinsos</td>')
