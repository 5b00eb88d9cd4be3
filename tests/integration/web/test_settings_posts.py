"""The posts settings page: an admin names holders (in Indonesian by default); nobody else may."""
from __future__ import annotations

from sqlalchemy import select

from app.models.post import Post, PostHolder


def _holders(session, key):
    session.expire_all()
    return [(h.name, h.until_at is None) for h in session.scalars(
        select(PostHolder).join(Post).where(Post.key == key).order_by(PostHolder.from_at))]


def test_an_admin_names_a_new_head_and_the_old_tenure_closes(browser, session):
    browser.sign_in("admin")
    page = browser.get("/settings/posts?jurisdiction=banyuwangi&kind=agency_head").get_data(as_text=True)
    assert "Jabatan dan pejabat" in page and "Henik Setyorini" in page and "agency_head:bwi-dinsos" in page
    response = browser.post("/settings/posts", {"jurisdiction": "banyuwangi", "kind": "agency_head",
                                                "post": "agency_head:bwi-dinsos", "name": "Wahyu Kurniawan",
                                                "note": "SK 800/123"})
    assert response.status_code == 303
    assert _holders(session, "agency_head:bwi-dinsos") == [("Henik Setyorini", False), ("Wahyu Kurniawan", True)]
    page = browser.get("/settings/posts?jurisdiction=banyuwangi&kind=agency_head").get_data(as_text=True)
    assert "Wahyu Kurniawan" in page and "Henik Setyorini (" in page


def test_a_bad_holder_is_explained_and_nothing_changes(browser, session):
    browser.sign_in("admin")
    before = _holders(session, "camat:banyuwangi:35.10.02")
    response = browser.post("/settings/posts", {"jurisdiction": "banyuwangi", "kind": "camat",
                                                "post": "camat:banyuwangi:35.10.02", "name": "",
                                                "from_date": "2099-01-01"})
    assert response.status_code == 422 and "masa depan" in response.get_data(as_text=True)
    response = browser.post("/settings/posts", {"jurisdiction": "banyuwangi", "kind": "camat",
                                                "post": "camat:banyuwangi:35.10.02", "name": ""})
    assert response.status_code == 422 and "Sebutkan pejabatnya" in response.get_data(as_text=True)
    assert _holders(session, "camat:banyuwangi:35.10.02") == before


def test_only_an_admin_sees_the_page_and_a_form_needs_its_csrf_token(browser, client, session):
    browser.sign_in("supervisor")
    assert browser.get("/settings/posts").status_code == 403
    browser.sign_out()
    browser.sign_in("admin")
    response = client.post("/settings/posts", data={"post": "regent:banyuwangi", "name": "Someone"})
    assert response.status_code == 400
    assert _holders(session, "regent:banyuwangi") == [("Ipuk Fiestiandani", True)]
