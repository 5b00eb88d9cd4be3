"""The per-kecamatan report the regent compares camats on: complaints located in each kecamatan,
whichever agency held them, with its camats and the times citizens said "not handled"."""
from __future__ import annotations

from sqlalchemy import select

from app.domain.actor import Actor
from app.models import Complaint, Reporter
from app.services import lifecycle
from app.services.reporting import performance
from tests.integration.performance.conftest import actor_of
from tests.integration.performance.test_pages import rows_of, sign_in


def _citizen_disputes(month, name):
    """The citizen replies TIDAK: their complaint is reopened by them."""
    complaint = month.session.scalar(select(Complaint).where(Complaint.ticket == month.tickets[name]))
    reporter = month.session.get(Reporter, complaint.reporter_id)
    lifecycle.reopen(month.session, month.clock.now(), complaint.ticket, Actor(kind="reporter", id=reporter.id),
                     note="tidak ada yang datang")


def test_each_kecamatan_gets_its_complaints_of_every_agency_its_camat_and_its_disputes(month, session):
    _citizen_disputes(month, "B1")  # handled on time on 2 November; the family says nobody came
    report = performance.districts(session, month.clock.now(), actor_of(session, "supervisor"), period="2026-11",
                                   min_sample=1)
    by_name = {item["district"]["name"]: item for item in report["items"]}
    assert set(by_name) == {"Glagah", "Genteng"}
    glagah, genteng = by_name["Glagah"], by_name["Genteng"]
    # Glagah: B1 (now open again, past due), B3 (Dinas Pendidikan after a transfer), B4, B7, B8, B9, B13;
    # not B5 (rejected), B6 (a repeat of B1), B11 and B12 (due in December).
    assert (glagah["received"], glagah["handled_on_time"], glagah["handled_late"], glagah["open_late"]) == (7, 2, 2, 3)
    assert glagah["on_time_rate"]["value"] == 2 / 7
    assert (glagah["reopened"], glagah["disputed"]) == (2, 1)  # B4 reopened by a supervisor is no dispute
    assert glagah["camats"] == ["Hadi Susilo"]
    assert (genteng["received"], genteng["handled_late"], genteng["disputed"], genteng["camats"]) == (1, 1, 0, [])
    assert report["total"]["disputed"] == 1
    # The same figures as the live computation of the report grouped by district.
    plain = performance.report(session, month.clock.now(), actor_of(session, "supervisor"), period="2026-11",
                               group_by="district", min_sample=1, live=True)
    same = {item["group"]["name"]: item for item in plain["items"]}
    for name, item in by_name.items():
        assert {k: v for k, v in item.items() if k not in ("district", "camats", "disputed")} == \
            {k: v for k, v in same[name].items() if k != "group"}


def test_the_kecamatan_page_and_csv_give_local_times_and_a_camat_only_their_own(client, month):
    sign_in(client, "supervisor")
    page = client.get("/performance/districts?period=2026-11")
    assert page.status_code == 200 and "Glagah" in page.get_data(as_text=True)
    rows = rows_of(client.get("/performance/districts.csv?period=2026-11"))
    header, glagah = rows[0], [r for r in rows if r[0] == "Glagah"][0]
    # Headings in the reader's language (the demo supervisor reads Indonesian), times local.
    assert header[:3] == ["Kecamatan", "Kode", "Camat"] and header[-3:] == [
        "Periode mulai (waktu setempat)", "Periode sampai (waktu setempat)", "Per (waktu setempat)"]
    assert glagah[-3:] == ["2026-11-01 00:00 WIB", "2026-12-01 00:00 WIB", "2026-12-01 00:30 WIB"]
    assert glagah[2] == "Hadi Susilo"
    api = client.get("/api/v1/performance/districts?period=2026-11")
    assert api.status_code == 401

    camat = client.application.test_client()
    sign_in(camat, "camat.glagah")
    mine = rows_of(camat.get("/performance/districts.csv?period=2026-11"))
    assert [r[0] for r in mine[1:]] == ["Glagah", "Jumlah"]
