"""The public status page: a citizen follows their report by ticket and the code on their receipt."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain.actor import Actor
from app.domain.sms_parser import sms_segments
from app.models import Complaint, OutboxMessage, User
from app.services import intake, lifecycle

DESCRIPTION = "Ibu Sumi tidak bisa makan sejak dua hari"


def submit(session, clock, language="id", phone="+6281234567890"):
    return intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger",
                         description=DESCRIPTION, village="Kemiren",
                         reporter={"name": "Pak Budi Santoso", "phone": phone, "language": language},
                         channel="counter")


def code_from_receipt(session, complaint) -> str:
    body = session.scalar(select(OutboxMessage.body).where(OutboxMessage.complaint_id == complaint.id,
                                                           OutboxMessage.recipient_kind == "reporter"))
    match = re.search(r"(?:Kode lacak web|Web tracking code): ([A-Z0-9]{4}-[A-Z0-9]{4})", body)
    assert match, body
    return match.group(1)


def receipt_of(session, complaint) -> str:
    return session.scalar(select(OutboxMessage.body).where(OutboxMessage.complaint_id == complaint.id,
                                                           OutboxMessage.recipient_kind == "reporter"))


@pytest.fixture
def app_session(request, settings):
    """A session of an app configured with `public_base_url` (None: not configured), as a web
    request, a job or a command gets it (ask for `client` after it: the app is made here)."""

    def make(public_base_url):
        settings.public_base_url = public_base_url
        return request.getfixturevalue("app").extensions["sigap"].sessionmaker()

    return make


def test_a_counter_reports_sms_receipt_links_to_the_status_page_in_the_citizens_language(app_session, clock):
    session = app_session("https://sigap.banyuwangikab.go.id")
    indonesian = submit(session, clock)
    english = submit(session, clock, language="en", phone="+6281234567891")
    body = receipt_of(session, indonesian)
    assert body.startswith(f"Sigap: laporan Anda diterima, nomor {indonesian.ticket}. Dinas Sosial wajib menangani")
    assert body.endswith(f" Lacak di web: https://sigap.banyuwangikab.go.id/lacak?tiket={indonesian.ticket}")
    assert receipt_of(session, english).endswith(
        f" Track it online: https://sigap.banyuwangikab.go.id/lacak?tiket={english.ticket}&lang=en")
    assert all(sms_segments(receipt_of(session, c)) == 2 for c in (indonesian, english))


def test_without_a_public_base_url_the_receipt_has_no_link_rather_than_a_local_one(app_session, clock):
    session = app_session(None)
    complaint = submit(session, clock)
    body = receipt_of(session, complaint)
    assert body.startswith(f"Sigap: laporan Anda diterima, nomor {complaint.ticket}.")
    assert re.search(r"Kode lacak web: [A-Z0-9]{4}-[A-Z0-9]{4}$", body), body
    assert "http" not in body and "localhost" not in body and "/lacak" not in body


def test_a_confidential_receipt_gets_the_same_link_and_the_page_shows_no_more(app_session, request, clock):
    # (an anonymous counter report keeps no phone: its receipt is the paper one)
    session = app_session("https://sigap.banyuwangikab.go.id")
    client = request.getfixturevalue("client")
    complaint = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger",
                              description=DESCRIPTION, village="Kemiren", confidentiality="rahasia",
                              reporter={"name": "Pak Budi Santoso", "phone": "+6281234567890"}, channel="counter")
    body = receipt_of(session, complaint)
    link = f"https://sigap.banyuwangikab.go.id/lacak?tiket={complaint.ticket}"
    assert "Laporan RAHASIA" in body and body.endswith(f" Lacak di web: {link}") and sms_segments(body) <= 3
    # the link opens the form with the ticket filled in; the status itself still needs the code
    form = client.get(link.removeprefix("https://sigap.banyuwangikab.go.id")).get_data(as_text=True)
    assert f'value="{complaint.ticket}"' in form
    for private in ("Dinas Sosial", DESCRIPTION, "Budi", "81234567890", "Kemiren"):
        assert private not in form
    page = client.post("/lacak", data={"ticket": complaint.ticket, "code": code_from_receipt(session, complaint)})
    for private in (DESCRIPTION, "Budi", "Santoso", "81234567890", "Kemiren"):
        assert private not in page.get_data(as_text=True)


def test_an_sms_receipt_leaves_out_a_link_that_would_take_a_fourth_segment(app_session, clock):
    long_base = "https://" + "sigap-layanan-pengaduan-warga." * 4 + "banyuwangikab.go.id"
    session = app_session(long_base)
    complaint = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger",
                              description=DESCRIPTION, village="Kemiren", confidentiality="rahasia",
                              reporter={"phone": "+6281234567890"}, channel="counter")
    body = receipt_of(session, complaint)
    assert "Laporan RAHASIA" in body and "/lacak" not in body and sms_segments(body) <= 3
    assert code_from_receipt(session, complaint)  # the ticket and code still open the page


def officer(session, username="officer.dinsos") -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.agency.jurisdiction_id, name=user.name)


def test_the_receipt_code_opens_the_status_page_without_personal_data(client, session, clock):
    complaint = submit(session, clock)
    code = code_from_receipt(session, complaint)
    response = client.post("/lacak", data={"ticket": complaint.ticket.lower(), "code": code.lower()})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert complaint.ticket in page and "Diteruskan ke instansi" in page
    assert "Dinas Sosial" in page and "Batas waktu penanganan" in page
    assert "Senin 23 Nov 2026 13:00 WIB" in page  # the deadline on the regency's clock
    for private in (DESCRIPTION, "Budi", "Santoso", "81234567890", "Kemiren", code):
        assert private not in page
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in response.headers  # a citizen's lookup leaves no session behind


def test_the_ticket_alone_or_a_wrong_code_opens_nothing_and_says_the_same(client, session, clock):
    complaint = submit(session, clock)
    code = code_from_receipt(session, complaint)
    wrong = "ABCD-EFGH" if code != "ABCD-EFGH" else "HGFE-DCBA"
    answers = [client.post("/lacak", data=form) for form in (
        {"ticket": complaint.ticket}, {"ticket": complaint.ticket, "code": wrong},
        {"ticket": "BWI-2026-999999", "code": code}, {"ticket": "x\x00'", "code": code})]
    assert [a.status_code for a in answers] == [404] * 4
    assert all("tidak cocok" in a.get_data(as_text=True) for a in answers)
    # nor does a URL: the page's GET only offers the form
    opened = client.get(f"/lacak?tiket={complaint.ticket}&code={code}").get_data(as_text=True)
    assert "Dinas Sosial" not in opened and complaint.ticket in opened


def test_only_a_hash_of_the_code_is_stored(session, clock):
    complaint = submit(session, clock)
    code = code_from_receipt(session, complaint)
    row = session.execute(select(Complaint.__table__).where(Complaint.id == complaint.id)).one()
    assert row.status_code_hash
    assert not any(code.replace("-", "") in str(value).upper() for value in row)


def test_the_page_speaks_the_citizens_language_and_tells_what_was_done(client, session, clock):
    complaint = submit(session, clock, language="en")
    code = code_from_receipt(session, complaint)
    assert "Web tracking code" in session.scalar(select(OutboxMessage.body).where(
        OutboxMessage.complaint_id == complaint.id))
    clock.advance(timedelta(hours=5))
    lifecycle.handle(session, clock.now(), complaint.ticket, officer(session), note="Paket sembako diantar")
    form = client.get("/lacak").get_data(as_text=True)
    assert 'name="lang"' not in form  # the page's own default does not override the citizen's language
    page = client.post("/lacak", data={"ticket": complaint.ticket, "code": code}).get_data(as_text=True)
    assert "Handled" in page and "Handled: Paket sembako diantar" in page
    assert "late" in page and "Passed to Dinas Sosial" in page
    # and in Indonesian when the visitor asks
    page_id = client.post("/lacak", data={"ticket": complaint.ticket, "code": code, "lang": "id"}).get_data(as_text=True)
    assert "Ditangani: Paket sembako diantar" in page_id and "terlambat" in page_id


def test_a_counter_report_shows_its_code_to_the_staff_for_the_paper_receipt(browser, session, clock):
    browser.sign_in("officer.dinsos")
    form = browser.get("/intake")
    assert form.status_code == 200
    response = browser.post("/intake", {
        "jurisdiction": "banyuwangi", "category": "hunger", "description": DESCRIPTION, "district": "Glagah",
        "village": "Kemiren", "channel": "counter", "received_date": "2026-11-23", "received_time": "09:00"},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    match = re.search(r"Kode lacak untuk tanda terima warga: ([A-Z0-9]{4}-[A-Z0-9]{4})", page)
    assert match, page[:2000]
    ticket = session.scalar(select(Complaint.ticket))
    assert browser.client.post("/lacak", data={"ticket": ticket, "code": match.group(1)}).status_code == 200


def test_lookups_are_rate_limited_per_address(app, session, clock):
    complaint = submit(session, clock)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    codes = [client.post("/lacak", data={"ticket": complaint.ticket, "code": "AAAA-AAAA"}).status_code
             for _ in range(11)]
    assert codes[:10] == [404] * 10 and codes[10] == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.8"
    assert other.post("/lacak", data={"ticket": complaint.ticket,
                                      "code": code_from_receipt(session, complaint)}).status_code == 200


def test_wrong_codes_for_one_ticket_from_many_addresses_are_limited_too(app, session, clock):
    complaint = submit(session, clock)
    statuses = []
    for n in range(21):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
        statuses.append(client.post("/lacak", data={"ticket": complaint.ticket, "code": "AAAA-AAAA"}).status_code)
    assert statuses[:20] == [404] * 20 and statuses[20] == 429
    assert "Terlalu banyak percobaan" in client.post("/lacak", data={"ticket": complaint.ticket, "code": "x"}
                                                     ).get_data(as_text=True)


def test_the_counter_confirmation_gives_the_status_link_for_the_paper_receipt(app_session, request):
    app_session("https://sigap.banyuwangikab.go.id")
    from tests.integration.web.conftest import Browser

    browser = Browser(request.getfixturevalue("client"))
    browser.sign_in("officer.dinsos")
    response = browser.post("/intake", {
        "jurisdiction": "banyuwangi", "channel": "counter", "received_date": "2026-11-23", "received_time": "08:55",
        "category": "hunger", "description": "Nenek Sarmi tidak makan sejak kemarin", "district": "35.10.17"})
    assert response.status_code == 303
    ticket = response.headers["Location"].rsplit("/", 1)[1]
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Lacak di web: https://sigap.banyuwangikab.go.id/lacak?tiket={ticket}" in page
    assert "Kode lacak untuk tanda terima warga" in page
