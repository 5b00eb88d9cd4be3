"""Search over open and closed complaints, list filters, pages and the CSV of a list, all within
the reader's scope."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from app.models import User
from app.services import lifecycle
from app.services.reporting import search as finder


def tickets(response) -> list[str]:
    return re.findall(r'<tr data-ticket="([^"]+)"', response.get_data(as_text=True))


def _actor(session, username):
    from app.web.access import staff_user
    return staff_user(session, session.scalar(select(User).where(User.username == username))).actor


def test_handled_and_rejected_complaints_stay_findable(browser, session, make_complaint, clock):
    handled = make_complaint(minutes_ago=60, description="Mbah Sarni lansia sebatang kara", category="lone_elderly")
    rejected = make_complaint(minutes_ago=50, description="Iklan pinjaman cepat")
    still_open = make_complaint(minutes_ago=10)
    lifecycle.handle(session, clock.now(), handled.ticket, _actor(session, "officer.dinsos"), note="Dikunjungi")
    lifecycle.reject(session, clock.now(), rejected.ticket, _actor(session, "supervisor"), reason="spam",
                     note="Iklan")
    session.commit()
    browser.sign_in("supervisor")
    assert tickets(browser.get("/complaints")) == [still_open.ticket, rejected.ticket, handled.ticket]
    assert tickets(browser.get("/complaints?state=closed")) == [rejected.ticket, handled.ticket]
    assert tickets(browser.get("/complaints?state=open")) == [still_open.ticket]
    assert tickets(browser.get("/complaints?state=rejected")) == [rejected.ticket]
    page = browser.get("/complaints?state=handled").get_data(as_text=True)
    assert "sebelum batas waktu" in page and "status-handled" in page


def test_search_by_ticket_words_village_and_phone(browser, session, make_complaint):
    sumi = make_complaint(minutes_ago=30, description="Ibu Sumi, janda, tidak punya beras hari ini",
                          phone="+6281255556666")
    kemiren = make_complaint(minutes_ago=20, village="Kemiren", description="Anak berhenti sekolah",
                             category="school_dropout", phone=None)
    other = make_complaint(minutes_ago=10, description="Rumah roboh", category="uninhabitable_house")
    browser.sign_in("supervisor")
    assert tickets(browser.get(f"/complaints?q={sumi.ticket.lower()}")) == [sumi.ticket]
    assert tickets(browser.get("/complaints?q=sumi+BERAS")) == [sumi.ticket]  # every word, any case
    assert tickets(browser.get("/complaints?q=seko")) == [kemiren.ticket]  # the start of a word
    assert tickets(browser.get("/complaints?q=kemiren")) == [kemiren.ticket]  # the village
    assert tickets(browser.get("/complaints?q=0812-5555-6666")) == [sumi.ticket]  # the phone, as typed locally
    assert tickets(browser.get("/complaints?q=%25%27%22")) == []  # punctuation only: nothing, no error
    assert other.ticket in tickets(browser.get("/complaints?q="))


def test_a_phone_finds_a_reporter_only_for_those_who_may_see_the_phone(browser, make_complaint):
    complaint = make_complaint(minutes_ago=30, phone="+6281255556666")
    browser.sign_in("officer.dinsos")  # same agency, not the assignee: sees the phone masked
    assert browser.get(f"/complaints/{complaint.ticket}").status_code == 200
    assert tickets(browser.get("/complaints?q=081255556666")) == []


def test_filters_by_agency_category_district_dates_and_mine(browser, session, make_complaint, clock):
    glagah = make_complaint(minutes_ago=60 * 24 * 3, district="Glagah")  # three days ago
    school = make_complaint(minutes_ago=30, category="school_dropout", district="Kabat")
    house = make_complaint(minutes_ago=20, category="uninhabitable_house", district="Giri")
    lifecycle.assign(session, clock.now(), glagah.ticket, _actor(session, "head.dinsos"), assignee="officer.dinsos")
    session.commit()
    browser.sign_in("supervisor")
    assert tickets(browser.get("/complaints?agency=bwi-disperkim")) == [house.ticket]
    assert tickets(browser.get("/complaints?category=school_dropout")) == [school.ticket]
    district_id = school.district_id
    assert tickets(browser.get(f"/complaints?district={district_id}")) == [school.ticket]
    local_today = clock.now() + timedelta(hours=7)  # WIB
    today = local_today.date().isoformat()
    assert tickets(browser.get(f"/complaints?from={today}&to={today}")) == [house.ticket, school.ticket]
    three_days_ago = (local_today - timedelta(days=3)).date().isoformat()
    assert tickets(browser.get(f"/complaints?to={three_days_ago}")) == [glagah.ticket]
    bad = browser.get("/complaints?from=kemarin")
    assert bad.status_code == 200 and "Isi tanggal dengan hari, bulan, dan tahun." in bad.get_data(as_text=True)
    browser.sign_out()
    browser.sign_in("officer.dinsos")
    assert tickets(browser.get("/complaints?mine=1")) == [glagah.ticket]


def test_search_keeps_to_the_readers_scope(browser, make_complaint):
    dinsos = make_complaint(minutes_ago=30, description="tidak bisa makan")
    disperkim = make_complaint(minutes_ago=20, category="uninhabitable_house", description="tidak bisa tidur")
    sabu = make_complaint(minutes_ago=10, jurisdiction="sabu_raijua", district="Sabu Barat", description="tidak bisa")
    browser.sign_in("officer.dinsos")
    assert tickets(browser.get("/complaints?q=tidak+bisa")) == [dinsos.ticket]
    assert tickets(browser.get(f"/complaints?q={disperkim.ticket}")) == []
    browser.sign_out()
    browser.sign_in("supervisor")
    assert tickets(browser.get("/complaints?q=tidak+bisa")) == [disperkim.ticket, dinsos.ticket]
    assert sabu.ticket not in browser.get("/complaints.csv").get_data(as_text=True)


def test_pages_of_a_long_list(session, make_complaint):
    made = [make_complaint(minutes_ago=100 - i) for i in range(5)]
    actor = _actor(session, "supervisor")
    first = finder.search(session, actor, finder.Criteria(), page=1, per_page=2)
    third = finder.search(session, actor, finder.Criteria(), page=3, per_page=2)
    assert (first.total, first.pages) == (5, 3)
    assert [r.ticket for r in first.rows] == [made[4].ticket, made[3].ticket]
    assert [r.ticket for r in third.rows] == [made[0].ticket]


def test_the_csv_is_the_list_in_the_readers_language_and_local_time(browser, make_complaint):
    complaint = make_complaint(minutes_ago=30, description="=HYPERLINK(\"http://x\") tidak bisa makan")
    make_complaint(minutes_ago=20, category="school_dropout")
    browser.sign_in("supervisor")
    response = browser.get("/complaints.csv?category=hunger")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Tiket", "Diterima (waktu setempat)", "Kategori"]
    assert len(rows) == 2 and rows[1][0] == complaint.ticket
    assert rows[1][1] == "23 Nov 2026 08:30 WIB"
    assert rows[1][-1].startswith("'=HYPERLINK")  # a formula stays text
    page = browser.get("/complaints?category=hunger").get_data(as_text=True)
    assert 'href="/complaints.csv?category=hunger"' in page


def test_a_common_word_pages_newest_first_and_counts_more_than_the_cap(browser, session, make_complaint,
                                                                       monkeypatch):
    # At national scale (bench/national.py) the newest WINDOW complaints in scope are read first; here
    # the window, the cap and the scope count are made tiny so that a dozen complaints cross them.
    monkeypatch.setattr(finder, "WINDOW", 4)
    monkeypatch.setattr(finder, "COUNT_CAP", 2)
    made = [make_complaint(minutes_ago=100 - i, description="Mbah lansia sakit" if i % 2 else "Jalan rusak")
            for i in range(16)]
    rare = made[0]  # the oldest, outside any window of the newest
    session.commit()
    actor = _actor(session, "supervisor")
    common = [c.ticket for c in reversed(made) if "lansia" in c.description]
    first = finder.search(session, actor, finder.Criteria(text="lansia"), page=1, per_page=2)
    second = finder.search(session, actor, finder.Criteria(text="lansia"), page=2, per_page=2)
    assert first.more_than_cap and [r.ticket for r in first.rows] == common[:2]
    assert [r.ticket for r in second.rows] == common[2:4]  # beyond the window: the walk, newest first
    only = finder.search(session, actor, finder.Criteria(text="rusak lansia"))
    assert only.total == 0 and only.rows == []
    monkeypatch.setattr(finder, "COUNT_CAP", 100)
    everything = finder.search(session, actor, finder.Criteria(text="lansia"), per_page=50)
    assert everything.total == 8 and [r.ticket for r in everything.rows] == common
    postgresql = session.get_bind().dialect.name == "postgresql"
    assert everything.estimated is postgresql  # 2 of the newest 4, over 16 complaints in scope
    monkeypatch.setattr(finder, "WINDOW", 100)
    counted = finder.search(session, actor, finder.Criteria(text="lansia"), per_page=3, page=2)
    assert (counted.total, counted.estimated, counted.pages) == (8, False, 3)
    assert [r.ticket for r in counted.rows] == common[3:6]
    assert [r.ticket for r in finder.search(session, actor, finder.Criteria(text="jalan")).rows][-1] == rare.ticket
    monkeypatch.setattr(finder, "WINDOW", 4)
    browser.sign_in("supervisor")
    shown = browser.get("/complaints?q=lansia").get_data(as_text=True)
    assert ("Sekitar 8 pengaduan cocok" if postgresql else "8 pengaduan cocok") in shown
    assert tickets(browser.get("/complaints?q=lansia")) == common
