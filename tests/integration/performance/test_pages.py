"""The performance pages: report with charts, CSV exports, contracts and the printable review."""
from __future__ import annotations

import csv
import io
import re

from app.domain.actor import SYSTEM
from app.services.reporting import performance

PASSWORD = "sigap-demo-2026"


def sign_in(client, username: str):
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/signin", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def rows_of(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_report_page_shows_the_table_and_three_charts_drawn_on_the_server(client, month):
    sign_in(client, "supervisor")
    response = client.get("/performance/?period=2026-11&group_by=agency")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Dinas Sosial (bwi-dinsos)" in html and "srj-dinsos" not in html  # the supervisor's jurisdiction only
    assert 'class="too-few"' in html  # "too few to judge", in the reader's language
    assert html.count("<svg") == 3 and "<script>" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_every_table_downloads_as_csv_with_the_same_figures(client, month):
    sign_in(client, "admin")
    report = rows_of(client.get("/performance/report.csv?period=2026-11&group_by=agency"))
    header, body = report[0], report[1:]
    dinsos = dict(zip(header, next(r for r in body if r[1] == "bwi-dinsos")))
    # Headings and figures as the Indonesian reader writes them (Babel): 40,0 %, 300, "ya".
    assert header[:2] == ["Dinas", "Kode"] and "received" not in header
    assert (dinsos["Diterima"], dinsos["Ditangani tepat waktu"], dinsos["Seluruhnya terlambat"],
            dinsos["Tingkat tepat waktu"], dinsos["Terlalu sedikit untuk dinilai"],
            dinsos["P90 menit sampai ditangani"]) == ("5", "2", "3", "40,0 %", "ya", "300")
    assert body[-1][0] == "Jumlah" and dict(zip(header, body[-1]))["Diterima"] == "12"
    histogram = rows_of(client.get("/performance/histogram.csv?period=2026-11"))
    assert histogram[0] == ["Waktu penanganan", "Dari (menit)", "Sampai (menit)", "Pengaduan"]
    assert [r[3] for r in histogram[1:]] == ["0", "1", "2", "5", "3", "0", "1"]
    assert histogram[1][0] == "0 – 1 j" and histogram[-1][0].startswith("≥")
    districts = rows_of(client.get("/performance/breaches-by-district.csv?period=2026-11"))
    assert districts[1][0] == "Glagah" and districts[1][-1] == "7"
    trend = rows_of(client.get("/performance/trend.csv?period=2026-11&jurisdiction=banyuwangi"))
    assert trend[0][:2] == ["Dinas", "Mulai (tanggal setempat)"] and len(trend) == 1 + 3 * 6


def test_an_admin_enters_a_contract_and_the_review_links_each_breach_to_its_complaint(client, month):
    sign_in(client, "admin")
    response = client.post("/performance/contracts", data={
        "csrf_token": csrf(client, "/performance/contracts"), "official": "head.dinsos", "period": "2026-11",
        "on_time_rate": "95", "median_handle_minutes": "120", "max_breaches": "2", "max_reopened_share": "10"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert 'status status-missed' in html and 'status status-too_few' in html and "95,0 %" in html
    assert "Tingkat penanganan tepat waktu (paling sedikit)" in html and "On-time handling" not in html
    for name in ("B3", "B4", "B8", "B13"):
        assert f'href="/complaints/{month.tickets[name]}"' in html
        assert f'href="/complaints/{month.tickets[name]}#h-trail"' in html
    assert html.count("<svg") == 1
    contract_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    printable = client.get(f"/performance/contracts/{contract_id}/print").get_data(as_text=True)
    assert 'class="review printable"' in printable and f"/contracts/{contract_id}/review.csv" not in printable
    assert 'data-sign="official"' in printable and 'data-sign="reviewer"' in printable
    breaches = rows_of(client.get(f"/performance/contracts/{contract_id}/breaches.csv"))
    assert [r[0] for r in breaches[1:]] == [month.tickets[n] for n in ("B3", "B4", "B8", "B13", "B13")]
    assert breaches[0][3] == "Batas (waktu setempat)" and breaches[1][3].endswith(" WIB")  # local, not UTC
    review = rows_of(client.get(f"/performance/contracts/{contract_id}/review.csv"))
    assert review[0] == ["Target", "Dijanjikan", "Capaian", "Penilaian"]
    assert review[1] == ["Tingkat penanganan tepat waktu (paling sedikit)", "95,0 %", "40,0 %",
                         "Terlalu sedikit untuk dinilai"]


def test_a_bad_contract_form_says_what_is_wrong_and_officers_cannot_enter_contracts(client, month):
    sign_in(client, "admin")
    response = client.post("/performance/contracts", data={
        "csrf_token": csrf(client, "/performance/contracts"), "official": "head.dinsos", "period": "2026-13",
        "on_time_rate": "95"}, follow_redirects=True)
    assert "is not a month" in response.get_data(as_text=True)  # the service's reason, shown as a flash
    client.post("/signout", data={"csrf_token": csrf(client, "/performance/contracts")})
    sign_in(client, "officer.dinsos")
    assert client.post("/performance/contracts", data={
        "csrf_token": csrf(client, "/performance/"), "official": "head.dinsos", "period": "2026"}).status_code == 403


def test_agency_staff_see_only_their_agencys_contracts(client, month, session, clock):
    theirs = performance.create_contract(session, clock.now(), SYSTEM, official="head.dinsos", period="2026-11",
                                         on_time_rate=0.9)
    sign_in(client, "officer.dispendik")
    assert client.get(f"/performance/contracts/{theirs.id}").status_code == 404
    assert "head.dinsos" not in client.get("/performance/contracts").get_data(as_text=True)
    assert client.get("/performance/").status_code == 200


def test_a_period_without_complaints_shows_empty_tables_and_charts_and_bad_input_a_reason(client, month):
    sign_in(client, "admin")
    empty = client.get("/performance/?period=2025&group_by=district&jurisdiction=sabu_raijua")
    assert empty.status_code == 200 and empty.get_data(as_text=True).count("<svg") == 3
    year = client.get("/performance/?period=2026&group_by=official")
    assert year.status_code == 200
    bad = client.get("/performance/?period=someday", follow_redirects=True)
    assert bad.status_code == 200 and "someday" in bad.get_data(as_text=True)
    assert client.get("/performance/report.csv?period=2026&group_by=colour").status_code == 422
    assert client.get("/performance/contracts/999999").status_code == 404


def test_csv_exports_open_safely_in_a_spreadsheet_program(client, month, session):
    from sqlalchemy import select

    from app.models import Agency, User

    session.scalar(select(Agency).where(Agency.code == "bwi-dinsos")).name = '=HYPERLINK("http://x")'
    session.scalar(select(User).where(User.username == "head.dinsos")).name = "@SUM(1+1)*cmd"
    session.commit()
    sign_in(client, "admin")
    for group_by, planted in (("agency", '=HYPERLINK("http://x")'), ("official", "@SUM(1+1)*cmd")):
        response = client.get(f"/performance/report.csv?period=2026-11&group_by={group_by}")
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        raw = response.get_data()
        assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte order mark spreadsheet programs look for
        rows = rows_of(response)
        cells = [cell for row in rows for cell in row]
        assert "'" + planted in cells, group_by  # shown as text, never run as a formula
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), group_by
        row = next(r for r in rows if r[0] == "'" + planted)
        assert dict(zip(rows[0], row))["Diterima"].isdigit()  # numbers stay numbers


def test_groups_read_in_the_readers_language_the_ungrouped_ones_too(client, month, session, clock):
    from app.services import intake
    from tests.integration.performance.conftest import local

    intake.submit(session, clock.now(), channel="counter", jurisdiction="sabu_raijua", category="medical_care",
                  district="Sabu Barat", description="report T1", received_at=local("2026-11-20 09:00"))
    session.commit()
    sign_in(client, "admin")
    html = client.get("/performance/?period=2026-11&group_by=category").get_data(as_text=True)
    assert "Tidak bisa makan (hunger)" in html and "Hunger" not in html
    by_category = rows_of(client.get("/performance/report.csv?period=2026-11&group_by=category"))
    assert "Tidak bisa makan" in [r[0] for r in by_category]
    # A complaint still in triage has no agency: its row and its trend line say so, not "all".
    by_agency = rows_of(client.get("/performance/report.csv?period=2026-11&group_by=agency"))
    trend = rows_of(client.get("/performance/trend.csv?period=2026-11&group_by=agency"))
    names = {r[0] for r in by_agency[1:]} | {r[0] for r in trend[1:]}
    assert "tanpa dinas (di triase)" in names and not names & {"all", "no agency (in triage)"}
