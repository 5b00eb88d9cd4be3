"""Proof of action as policy: an admin switches photo and/or location proof per policy version (and
category) on the settings page, with the repeat alerts' daily cap; handling then asks for it."""
from __future__ import annotations

from io import BytesIO

from sqlalchemy import select

from app.models import Complaint, SlaPolicy
from tests.images import jpeg


def proof_form(policy, photo=False, location=False, cap=None):
    data = {}
    if photo:
        data["photo"] = "1"
    if location:
        data["location"] = "1"
    if cap is not None:
        data["repeat_daily_cap"] = str(cap)
    return data


def test_an_admin_switches_photo_proof_on_and_handling_then_needs_a_photo(browser, make_complaint, session):
    complaint = make_complaint(minutes_ago=20, village="Kemiren")
    policy = complaint.sla_policy
    assert not policy.evidence_photo
    browser.sign_in("admin")
    page = browser.get("/settings/policies").get_data(as_text=True)
    assert f'data-proof="{policy.id}"' in page
    response = browser.post(f"/settings/policies/{policy.id}/proof", proof_form(policy, photo=True, cap=4))
    assert response.status_code == 303
    session.refresh(policy)
    assert (policy.evidence_photo, policy.evidence_location, policy.repeat_daily_cap) == (True, False, 4)
    browser.sign_out()
    browser.sign_in("officer.dinsos")
    refused = browser.post(f"/complaints/{complaint.ticket}/actions", {"action": "handle", "note": "Sembako diantar"})
    session.refresh(complaint)
    assert refused.status_code in (303, 422) and complaint.status != "handled"
    handled = browser.post(f"/complaints/{complaint.ticket}/actions", {
        "action": "handle", "note": "Sembako diantar", "photo": (BytesIO(jpeg()), "bukti.jpg")},
        content_type="multipart/form-data")
    assert handled.status_code == 303
    session.expire_all()
    done = session.get(Complaint, complaint.id)
    assert done.status == "handled" and done.handle_evidence["photo"]


def test_location_proof_shows_the_distance_and_flags_a_far_check_in(browser, make_complaint, session):
    complaint = make_complaint(minutes_ago=20, village="Kemiren")
    browser.sign_in("admin")
    browser.post(f"/settings/policies/{complaint.sla_policy.id}/proof", proof_form(complaint.sla_policy, location=True))
    browser.sign_out()
    browser.sign_in("officer.dinsos")
    assert browser.post(f"/complaints/{complaint.ticket}/actions",
                        {"action": "handle", "note": "Sembako diantar"}).status_code in (303, 422)
    session.refresh(complaint)
    assert complaint.status != "handled"
    lat, lon = complaint.village.lat, complaint.village.lon
    browser.post(f"/complaints/{complaint.ticket}/actions", {
        "action": "handle", "note": "Sembako diantar", "lat": str(lat + 0.2), "lon": str(lon)})
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "22.2 km" in page and "data-far" in page and "km dari pusat desa" in page
    session.expire_all()
    assert 22 < session.get(Complaint, complaint.id).handle_evidence["village_km"] < 23


def test_only_an_admin_changes_proof_and_a_bad_cap_changes_nothing(browser, make_complaint, session):
    policy = make_complaint().sla_policy
    browser.sign_in("supervisor")
    assert browser.post(f"/settings/policies/{policy.id}/proof", proof_form(policy, photo=True)).status_code == 403
    browser.sign_out()
    browser.sign_in("admin")
    assert browser.post(f"/settings/policies/{policy.id}/proof",
                        proof_form(policy, photo=True, cap="lots")).status_code == 303
    session.refresh(policy)
    assert not policy.evidence_photo
    assert browser.post("/settings/policies/99999999/proof", proof_form(policy)).status_code == 404


def test_a_new_version_can_require_proof_for_one_category(browser, session):
    browser.sign_in("admin")
    response = browser.post("/settings/policies", {
        "jurisdiction": "banyuwangi", "category": "uninhabitable_house", "handle_minutes": "240",
        "effective_date": "2027-01-01", "effective_time": "00:00", "evidence_photo": "1", "evidence_location": "1",
        "save": "1"})
    assert response.status_code == 303
    newest = session.scalar(select(SlaPolicy).order_by(SlaPolicy.id.desc()))
    assert newest.category.code == "uninhabitable_house" and newest.evidence_photo and newest.evidence_location
