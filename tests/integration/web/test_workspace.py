"""The officer workspace: the agency queue, the complaint page, actions, phone masking, counter intake."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from app.models import Complaint, SlaPolicy
from tests.images import jpeg


def test_an_officer_cannot_open_another_agencys_complaint(browser, make_complaint):
    other = make_complaint(category="school_dropout")
    browser.sign_in("officer.dinsos")
    assert browser.get(f"/complaints/{other.ticket}").status_code == 404
    response = browser.post(f"/complaints/{other.ticket}/actions", {"action": "acknowledge"})
    assert response.status_code == 404
    assert other.ticket not in browser.get("/queue").get_data(as_text=True)
    assert other.ticket not in browser.get("/dashboard/data.json").get_data(as_text=True)


def test_an_unknown_ticket_is_a_404_page_not_an_error(browser):
    browser.sign_in("supervisor")
    response = browser.get("/complaints/BWI-2026-999999")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_the_queue_holds_my_agency_only_ordered_by_time_left(browser, make_complaint):
    later = make_complaint(minutes_ago=5)
    sooner = make_complaint(minutes_ago=60, category="lone_elderly")
    elsewhere = make_complaint(minutes_ago=90, category="uninhabitable_house")
    browser.sign_in("officer.dinsos")
    page = browser.get("/queue").get_data(as_text=True)
    assert page.index(sooner.ticket) < page.index(later.ticket)
    assert elsewhere.ticket not in page


def test_acknowledge_then_handle_stops_the_clock_and_shows_in_the_trail(browser, make_complaint, session):
    complaint = make_complaint(minutes_ago=20)
    browser.sign_in("officer.dinsos")
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert 'data-countdown="handle"' in page and "Ibu Sumi tidak bisa makan" in page
    response = browser.post(f"/complaints/{complaint.ticket}/actions", {"action": "acknowledge"})
    assert response.status_code == 303
    response = browser.post(f"/complaints/{complaint.ticket}/actions",
                            {"action": "handle", "note": "Beras 10 kg diantar ke rumah"})
    assert response.status_code == 303
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert 'data-countdown="stopped"' in page and 'data-countdown="handle"' not in page
    assert "Beras 10 kg diantar ke rumah" in page
    assert 'data-event="acknowledged"' in page and 'data-event="handled"' in page
    session.expire_all()
    assert session.scalar(select(Complaint.status).where(Complaint.id == complaint.id)) == "handled"


def test_handling_without_a_note_is_refused_and_nothing_changes(browser, make_complaint, session):
    complaint = make_complaint(minutes_ago=20)
    browser.sign_in("officer.dinsos")
    browser.post(f"/complaints/{complaint.ticket}/actions", {"action": "handle", "note": "  "})
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "flash-error" in page and "status-assigned" in page


def test_handling_under_a_policy_that_asks_for_a_photo_takes_an_uploaded_photo(browser, make_complaint, session, app,
                                                                              tmp_path):
    app.instance_path = str(tmp_path)
    complaint = make_complaint(minutes_ago=20)
    policy = session.get(SlaPolicy, complaint.sla_policy_id)
    policy.evidence_photo = True
    session.flush()
    browser.sign_in("officer.dinsos")
    browser.post(f"/complaints/{complaint.ticket}/actions", {"action": "handle", "note": "Dikunjungi"})
    assert "status-assigned" in browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    browser.post(f"/complaints/{complaint.ticket}/actions",
                 {"action": "handle", "note": "Dikunjungi", "photo": (io.BytesIO(jpeg()), "bukti.jpg")},
                 content_type="multipart/form-data")
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "status-handled" in page
    session.expire_all()
    stored = session.get(Complaint, complaint.id).handle_evidence["photo"]
    assert f"/complaints/{complaint.ticket}/files/{stored}" in page
    photo = browser.get(f"/complaints/{complaint.ticket}/files/{stored}")
    assert photo.status_code == 200 and photo.data == jpeg() and photo.mimetype == "image/jpeg"
    browser.sign_out()
    browser.sign_in("officer.dispendik")
    assert browser.get(f"/complaints/{complaint.ticket}/files/{stored}").status_code == 404


def test_a_photo_that_is_not_an_image_is_refused(browser, make_complaint, app, tmp_path):
    app.instance_path = str(tmp_path)
    complaint = make_complaint(minutes_ago=20)
    browser.sign_in("officer.dinsos")
    browser.post(f"/complaints/{complaint.ticket}/actions",
                 {"action": "handle", "note": "x", "photo": (io.BytesIO(b"<script>"), "a.jpg")},
                 content_type="multipart/form-data")
    assert "status-assigned" in browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)


def test_the_reporters_phone_shows_only_to_the_assigned_officer_and_supervisors(browser, make_complaint):
    complaint = make_complaint(minutes_ago=5, phone="+6281234567890")
    browser.sign_in("officer.dinsos")
    assert "+6281234567890" not in browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    browser.post(f"/complaints/{complaint.ticket}/actions", {"action": "assign", "assignee": "officer.dinsos"})
    assert "+6281234567890" in browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    browser.sign_out()
    browser.sign_in("head.dinsos")
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "+6281234567890" not in page and "+628" in page
    browser.sign_out()
    browser.sign_in("supervisor")
    assert "+6281234567890" in browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)


def test_transfer_hands_over_without_restarting_the_clock(browser, make_complaint, session):
    complaint = make_complaint(minutes_ago=60)
    due = complaint.handle_due_at
    browser.sign_in("officer.dinsos")
    browser.post(f"/complaints/{complaint.ticket}/actions",
                 {"action": "transfer", "agency": "bwi-dinkes", "note": "Sakit, bukan soal pangan"})
    assert browser.get(f"/complaints/{complaint.ticket}").status_code == 404  # not ours any more
    session.expire_all()
    moved = session.get(Complaint, complaint.id)
    assert moved.agency.code == "bwi-dinkes" and moved.handle_due_at == due


def test_link_as_repeat_takes_the_earlier_deadline(browser, make_complaint, session):
    first = make_complaint(minutes_ago=120)
    repeat = make_complaint(minutes_ago=10)
    browser.sign_in("officer.dinsos")
    browser.post(f"/complaints/{repeat.ticket}/actions", {"action": "link_repeat", "of_ticket": first.ticket})
    session.expire_all()
    assert session.get(Complaint, repeat.id).handle_due_at == first.handle_due_at
    assert first.ticket in browser.get(f"/complaints/{repeat.ticket}").get_data(as_text=True)


def test_an_official_reads_but_cannot_act(browser, make_complaint):
    complaint = make_complaint(minutes_ago=10)
    browser.sign_in("official")
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert 'data-action="acknowledge"' not in page
    assert browser.post(f"/complaints/{complaint.ticket}/actions", {"action": "acknowledge"}).status_code == 403


def test_actions_without_a_csrf_token_are_refused(browser, make_complaint, client):
    complaint = make_complaint(minutes_ago=10)
    browser.sign_in("officer.dinsos")
    response = client.post(f"/complaints/{complaint.ticket}/actions", data={"action": "acknowledge"})
    assert response.status_code == 400
    assert "status-assigned" in browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)


def test_the_api_keeps_working_without_csrf_tokens(client, session, clock):
    from app.services.access import accounts

    _token, secret = accounts.create_token(session, clock.now(), role="supervisor", jurisdiction_code="banyuwangi")
    session.commit()
    response = client.post("/api/v1/complaints", headers={"Authorization": f"Bearer {secret}"}, json={
        "jurisdiction": "banyuwangi", "category": "hunger", "description": "Tidak bisa makan", "district": "Glagah"})
    assert response.status_code == 201, response.get_json()


def test_counter_intake_records_the_real_time_of_receipt(browser, session, clock):
    browser.sign_in("officer.dinsos")
    response = browser.post("/intake", {
        "jurisdiction": "banyuwangi", "channel": "phone", "received_date": "2026-11-23", "received_time": "08:15",
        "category": "hunger", "description": "Nenek Sarmi tidak makan sejak kemarin", "district": "35.10.17",
        "reporter_name": "Pak RT", "reporter_phone": "+6281299990000"})
    assert response.status_code == 303
    ticket = response.headers["Location"].rsplit("/", 1)[1]
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    assert complaint.channel == "phone"
    assert complaint.received_at == clock.now() - timedelta(minutes=45)  # 08:15 WIB = 01:15Z
    assert complaint.handle_due_at == complaint.received_at + timedelta(hours=4)


def test_counter_intake_backdates_another_agencys_complaint_only_as_a_supervisor(browser, session, clock):
    form = {"jurisdiction": "banyuwangi", "channel": "phone", "received_date": "2026-11-23", "received_time": "08:15",
            "category": "school_dropout", "description": "Anak Pak Slamet berhenti sekolah", "district": "35.10.17"}
    browser.sign_in("officer.dinsos")  # a school dropout goes to Dinas Pendidikan
    refused = browser.post("/intake", form)
    assert refused.status_code == 422 and "minta pengawas" in refused.get_data(as_text=True)
    assert session.scalar(select(Complaint.id).where(Complaint.description == form["description"])) is None
    typed = browser.post("/intake", {**form, "received_time": "08:55"})  # as it came in: not backdating
    assert typed.status_code == 303
    browser.sign_out()
    browser.sign_in("supervisor")
    entered = browser.post("/intake", {**form, "description": "Anak Bu Sri berhenti sekolah"})
    assert entered.status_code == 303
    complaint = session.scalar(select(Complaint).where(Complaint.description == "Anak Bu Sri berhenti sekolah"))
    assert complaint.received_at == clock.now() - timedelta(minutes=45)


def test_counter_intake_takes_an_indonesian_mobile_number_for_the_reporter_only(browser, session):
    browser.sign_in("officer.dinsos")
    form = {"jurisdiction": "banyuwangi", "channel": "phone", "received_date": "2026-11-23", "received_time": "08:55",
            "category": "hunger", "description": "Nenek Sarmi tidak makan", "district": "35.10.17",
            "reporter_name": "Pak RT", "reporter_phone": "+1 900 234 5678"}
    refused = browser.post("/intake", form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="err-reporter_phone"' in html and "bukan nomor ponsel Indonesia" in html
    assert browser.post("/intake", {**form, "reporter_phone": "0812 9999 0000"}).status_code == 303


def test_counter_intake_refuses_a_time_in_the_future(browser, session):
    browser.sign_in("officer.dinsos")
    response = browser.post("/intake", {
        "jurisdiction": "banyuwangi", "channel": "counter", "received_date": "2026-11-23", "received_time": "10:30",
        "category": "hunger", "description": "Tidak bisa makan", "district": "35.10.17"})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert session.scalar(select(Complaint.id).where(Complaint.description == "Tidak bisa makan")) is None


def test_counter_intake_explains_an_unknown_village(browser):
    browser.sign_in("supervisor")
    response = browser.post("/intake", {
        "jurisdiction": "banyuwangi", "channel": "counter", "received_date": "2026-11-23", "received_time": "08:00",
        "category": "hunger", "description": "Tidak bisa makan", "village": "Desa Yang Tidak Ada"})
    assert response.status_code == 422
    assert "err-village" in response.get_data(as_text=True)


def test_a_phone_sized_photo_of_several_megabytes_is_accepted(browser, make_complaint, session, app, tmp_path):
    app.instance_path = str(tmp_path)
    complaint = make_complaint(minutes_ago=20)
    browser.sign_in("officer.dinsos")
    photo = jpeg(padding=3 * 1024 * 1024)
    response = browser.post(f"/complaints/{complaint.ticket}/actions",
                            {"action": "handle", "note": "Dikunjungi", "photo": (io.BytesIO(photo), "IMG_0001.jpg")},
                            content_type="multipart/form-data")
    assert response.status_code == 303
    session.expire_all()
    ref = session.get(Complaint, complaint.id).handle_evidence["photo"]
    assert browser.get(f"/complaints/{complaint.ticket}/files/{ref}").data == photo


def test_the_sla_timeline_shows_the_reminders_and_escalations_that_were_sent(browser, make_complaint, session, clock):
    from app.domain.actor import SYSTEM
    from app.services import audit

    complaint = make_complaint(minutes_ago=300)
    audit.record(session, complaint, "escalated", clock.now(), SYSTEM, data={"level": "camat"})
    session.commit()
    browser.sign_in("supervisor")
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "tl-fired-escalated" in page and "camat" in page


def test_the_page_links_an_earlier_report_only_when_the_reader_may_open_it(browser, make_complaint, session, clock):
    from app.domain.actor import Actor
    from app.models import User
    from app.services import lifecycle

    make_complaint(minutes_ago=40)  # BWI-2026-000001, the form's placeholder
    earlier = make_complaint(category="school_dropout", minutes_ago=30)  # Dinas Pendidikan's
    later = make_complaint(minutes_ago=10)  # Dinas Sosial's
    supervisor = session.scalar(select(User).where(User.username == "supervisor"))
    lifecycle.link_repeat(session, clock.now(), later.ticket, Actor(kind="user", id=supervisor.id, role="supervisor",
                                                                     jurisdiction_id=later.jurisdiction_id),
                          of_ticket=earlier.ticket)
    browser.sign_in("officer.dinsos")
    page = browser.get(f"/complaints/{later.ticket}").get_data(as_text=True)
    assert earlier.ticket not in page and "laporan instansi lain" in page
    browser.sign_out()
    browser.sign_in("supervisor")
    page = browser.get(f"/complaints/{later.ticket}").get_data(as_text=True)
    assert f'href="/complaints/{earlier.ticket}"' in page
