"""Admin settings for agencies and routing rules, and "viewed by whom" on a complaint's page."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.domain.actor import Actor
from app.models import Agency, Category, District, Event, Jurisdiction, RoutingRule
from app.services import audit
from app.services.reference import routing


def _district(session, name, jurisdiction="banyuwangi") -> District:
    return session.scalar(select(District).join(Jurisdiction).where(
        Jurisdiction.code == jurisdiction, District.name.ilike(name)))


def _wide_rule(session, category, jurisdiction="banyuwangi") -> RoutingRule:
    return session.scalar(select(RoutingRule).join(Category).join(Jurisdiction).where(
        Jurisdiction.code == jurisdiction, Category.code == category, RoutingRule.district_id.is_(None)))


def _rule_count(session) -> int:
    return session.scalar(select(func.count(RoutingRule.id)))


def test_a_district_rule_sends_new_complaints_there_while_other_districts_keep_the_regency_wide_rule(
        browser, session, make_complaint):
    before = make_complaint(category="hunger", district="Glagah")
    glagah = _district(session, "Glagah")
    browser.sign_in("admin")
    response = browser.post("/settings/routing", {"jurisdiction": "banyuwangi", "category": "hunger",
                                                  "district": glagah.code, "agency": "bwi-dinkes"})
    assert response.status_code == 303
    in_glagah = make_complaint(category="hunger", district="Glagah")
    elsewhere = make_complaint(category="hunger", district="Kalipuro")
    assert in_glagah.agency.code == "bwi-dinkes"
    assert elsewhere.agency.code == "bwi-dinsos"
    session.refresh(before)
    assert before.agency.code == "bwi-dinsos"  # a complaint already received is never moved
    page = browser.get("/settings/agencies").get_data(as_text=True)
    assert 'data-exception="Glagah"' in page
    assert "never moved" in page or "tidak pernah dipindahkan" in page


def test_the_routing_table_shows_the_same_winner_route_picks_for_every_district_and_category(browser, session):
    banyuwangi = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "banyuwangi"))
    glagah = _district(session, "Glagah")
    browser.sign_in("admin")
    browser.post("/settings/routing", {"jurisdiction": "banyuwangi", "category": "lone_elderly",
                                       "district": glagah.code, "agency": "bwi-dinkes"})
    table = routing.table(session, banyuwangi)
    assert len(table.districts) == 25
    for district in table.districts:
        for category in table.categories:
            winner = table.cell(category.id, district.id).agency
            assert winner == routing.route(session, banyuwangi.id, category.id, district.id)
    lone_elderly = next(c for c in table.categories if c.code == "lone_elderly")
    assert table.cell(lone_elderly.id, glagah.id).district_specific
    assert table.wide(lone_elderly.id).agency.code == "bwi-dinsos"


def test_removing_the_only_rule_for_a_category_sends_its_new_complaints_to_triage(browser, session, make_complaint):
    rule = _wide_rule(session, "school_dropout")
    browser.sign_in("admin")
    response = browser.post(f"/settings/routing/{rule.id}", {"remove": "1"})
    assert response.status_code == 303
    session.expire_all()
    assert make_complaint(category="school_dropout").status == "triage"
    page = browser.get("/settings/agencies").get_data(as_text=True)
    row = page.split('data-category="school_dropout"', 1)[1].split("</tr>", 1)[0]
    assert "status-triage" in row


def test_changing_a_rule_sends_new_complaints_to_the_new_agency(browser, session, make_complaint):
    rule = _wide_rule(session, "uninhabitable_house")
    browser.sign_in("admin")
    assert browser.post(f"/settings/routing/{rule.id}", {"agency": "bwi-dinsos"}).status_code == 303
    session.expire_all()  # the page changed the rule through its own session
    assert make_complaint(category="uninhabitable_house").agency.code == "bwi-dinsos"


@pytest.mark.parametrize("username", ["officer.dinsos", "supervisor", "head.dinsos"])
def test_only_an_admin_may_change_routing_rules(browser, session, username):
    rule = _wide_rule(session, "hunger")
    count = _rule_count(session)
    browser.sign_in(username)
    assert browser.post(f"/settings/routing/{rule.id}", {"remove": "1"}).status_code == 403
    assert browser.post("/settings/routing", {"jurisdiction": "banyuwangi", "category": "hunger",
                                              "district": "35.10.01", "agency": "bwi-dinkes"}).status_code == 403
    assert browser.post("/settings/agencies/bwi-dinsos", {"name": "Dinas Lain"}).status_code == 403
    assert _rule_count(session) == count
    session.refresh(rule)
    assert rule.agency.code == "bwi-dinsos"
    assert session.scalar(select(Agency.name).where(Agency.code == "bwi-dinsos")) == "Dinas Sosial"


def test_a_supervisor_sees_the_routing_of_their_regency_without_forms_and_an_officer_not_at_all(browser):
    browser.sign_in("supervisor")
    response = browser.get("/settings/agencies")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-routing="banyuwangi"' in page and 'data-routing="sabu_raijua"' not in page
    assert "/settings/routing" not in page and "/settings/users" not in page
    browser.sign_out()
    browser.sign_in("officer.dinsos")
    assert browser.get("/settings/agencies").status_code == 403


def test_a_form_without_its_csrf_token_is_refused(browser, client, session):
    count = _rule_count(session)
    browser.sign_in("admin")
    response = client.post("/settings/routing", data={"jurisdiction": "banyuwangi", "category": "hunger",
                                                      "district": "35.10.01", "agency": "bwi-dinkes"})
    assert response.status_code == 400
    assert _rule_count(session) == count


@pytest.mark.parametrize("form, message", [
    ({"category": "hunger", "district": "", "agency": "bwi-dinkes"}, "Sudah ada aturan"),
    ({"category": "hunger", "district": "35.10.01", "agency": "bwi-bupati"}, "Kantor pengawas tidak dapat"),
    ({"category": "flood", "district": "", "agency": "bwi-dinsos"}, "Kategori tidak dikenal"),
    ({"category": "hunger", "district": "35.10.01", "agency": "srj-dinkes"}, "kabupaten lain"),
    ({"category": "hunger", "district": "Kupang Tengah", "agency": "bwi-dinkes"}, "Kecamatan itu"),
])
def test_bad_routing_input_is_explained_and_stores_nothing(browser, session, form, message):
    count = _rule_count(session)
    browser.sign_in("admin")
    response = browser.post("/settings/routing", {"jurisdiction": "banyuwangi", **form})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "data-error" in page and message in page
    assert _rule_count(session) == count


def test_the_refusal_is_in_english_for_a_user_who_chose_english(browser, session):
    browser.sign_in("admin")
    browser.post("/language", {"lang": "en", "next": "/settings/agencies"})
    browser.get("/settings/agencies")
    response = browser.post("/settings/routing", {"jurisdiction": "banyuwangi", "category": "hunger",
                                                  "district": "", "agency": "bwi-bupati"})
    assert response.status_code == 422
    assert "supervisors&#39; office cannot receive routed complaints" in response.get_data(as_text=True)


def test_an_admin_names_the_accountable_head_and_duty_phone_of_an_agency(browser, session):
    browser.sign_in("admin")
    response = browser.post("/settings/agencies/bwi-dinsos", {
        "name": "Dinas Sosial P3A", "head_user": "head.dinsos", "head_name": "Dra. Henik Setyorini",
        "head_title": "Kepala Dinas Sosial Kabupaten Banyuwangi", "duty_phone": "0333 424242"})
    assert response.status_code == 303
    agency = session.scalar(select(Agency).where(Agency.code == "bwi-dinsos"))
    session.refresh(agency)
    assert agency.name == "Dinas Sosial P3A"
    assert agency.head_user.username == "head.dinsos"
    assert agency.head_name == "Dra. Henik Setyorini"
    assert agency.duty_phone == "+62333424242"
    page = browser.get("/settings/agencies").get_data(as_text=True)
    assert "Dra. Henik Setyorini" in page and "Dinas Sosial P3A" in page


@pytest.mark.parametrize("form, message", [
    ({"head_user": "officer.dinsos"}, "kepala dinas aktif"),  # an officer, not an agency head
    ({"head_user": "head.dinkes"}, "kepala dinas aktif"),  # the head of another agency
    ({"duty_phone": "12345"}, "bukan nomor telepon"),
    ({"name": "  "}, "nama dinas"),
    ({"name": "Dinas Kesehatan"}, "sudah memakai nama ini"),
])
def test_bad_agency_input_is_explained_and_changes_nothing(browser, session, form, message):
    agency = session.scalar(select(Agency).where(Agency.code == "bwi-dinsos"))
    before = (agency.name, agency.head_user_id, agency.head_name, agency.duty_phone)
    browser.sign_in("admin")
    data = {"name": "Dinas Sosial", "head_user": "head.dinsos", "head_name": "Baru", "duty_phone": "", **form}
    response = browser.post("/settings/agencies/bwi-dinsos", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    session.refresh(agency)
    assert (agency.name, agency.head_user_id, agency.head_name, agency.duty_phone) == before


def test_a_new_agency_can_receive_a_rule_of_its_own_regency(browser, session, make_complaint):
    browser.sign_in("admin")
    response = browser.post("/settings/agencies", {
        "jurisdiction": "banyuwangi", "code": "bwi-dpmd", "name": "Dinas Pemberdayaan Masyarakat dan Desa",
        "duty_phone": "+62 812 3456 7891"})
    assert response.status_code == 303
    assert browser.post("/settings/agencies", {"jurisdiction": "banyuwangi", "code": "bwi-dpmd",
                                               "name": "Lagi"}).status_code == 422  # the code is taken
    rule = _wide_rule(session, "lone_elderly")
    assert browser.post(f"/settings/routing/{rule.id}", {"agency": "bwi-dpmd"}).status_code == 303
    session.expire_all()
    assert make_complaint(category="lone_elderly").agency.code == "bwi-dpmd"


def _viewed(session, complaint):
    return list(session.scalars(select(Event).where(Event.complaint_id == complaint.id, Event.kind == "viewed")))


def test_opening_a_complaint_twice_within_the_hour_records_one_view_and_the_chain_still_verifies(
        browser, session, make_complaint, clock):
    complaint = make_complaint()
    browser.sign_in("officer.dinsos")
    assert browser.get(f"/complaints/{complaint.ticket}").status_code == 200
    clock.advance(minutes=59)
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    views = _viewed(session, complaint)
    assert len(views) == 1
    assert views[0].actor.startswith("user:")
    assert "Dilihat" in page or "Viewed" in page  # the trail shows who looked
    assert audit.verify(session, complaint) == []


def test_a_view_is_recorded_again_after_an_hour_and_per_user(browser, session, make_complaint, clock):
    complaint = make_complaint()
    browser.sign_in("officer.dinsos")
    browser.get(f"/complaints/{complaint.ticket}")
    clock.advance(minutes=61)
    browser.get(f"/complaints/{complaint.ticket}")
    browser.sign_out()
    browser.sign_in("supervisor")
    browser.get(f"/complaints/{complaint.ticket}")
    views = _viewed(session, complaint)
    assert len(views) == 3
    assert len({v.actor for v in views}) == 2
    assert audit.verify(session, complaint) == []


def test_officers_and_agency_heads_see_the_performance_link(browser, app):
    if "performance" not in app.blueprints:
        pytest.skip("the performance pages are not registered in this app")
    for username in ("officer.dinsos", "head.dinsos"):
        browser.sign_in(username)
        assert 'href="/performance/"' in browser.get("/queue").get_data(as_text=True)
        assert browser.get("/performance/").status_code == 200
        browser.sign_out()


def test_a_rule_cannot_be_changed_to_send_complaints_to_a_supervisors_office_or_another_regency(browser, session):
    rule = _wide_rule(session, "hunger")
    browser.sign_in("admin")
    for target in ("bwi-bupati", "srj-dinsos"):
        assert browser.post(f"/settings/routing/{rule.id}", {"agency": target}).status_code == 422
    session.refresh(rule)
    assert rule.agency.code == "bwi-dinsos"


def test_changing_a_rule_that_no_longer_exists_says_so(browser):
    browser.sign_in("admin")
    response = browser.post("/settings/routing/999999", {"remove": "1"})
    assert response.status_code == 404
    assert "sudah tidak ada" in response.get_data(as_text=True)


def test_record_view_says_whether_it_recorded(session, make_complaint, clock):
    complaint = make_complaint()
    officer = Actor(kind="user", id=4242, role="officer")
    assert audit.record_view(session, complaint, clock.now(), officer) is True
    assert audit.record_view(session, complaint, clock.advance(minutes=30), officer) is False
    assert audit.record_view(session, complaint, clock.advance(minutes=31), officer) is True
    assert [e.actor for e in _viewed(session, complaint)] == ["user:4242", "user:4242"]
