"""Photos on the staff web: a handling's photo is kept only if the handling happened, without its
metadata; the files route serves a complaint's own photos by reference and nothing else."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.models import Complaint, SlaPolicy
from app.models.telegram import TelegramAttachment
from tests.images import CAMERA_SERIAL, exif_with_gps, jpeg

SECRET = b"SQLite format 3\x00 password hashes of every officer"


@pytest.fixture
def storage(app, tmp_path):
    app.instance_path = str(tmp_path)
    (tmp_path / "sigap.db").write_bytes(SECRET)
    return tmp_path


def files_on_disk(storage) -> list:
    return [p for p in storage.rglob("*") if p.is_file() and p.name != "sigap.db"]


def stored_rows(session) -> list:
    from app.models import ComplaintFile

    return list(session.scalars(select(ComplaintFile)))


def handle_with_photo(browser, ticket, note="Dikunjungi", photo=None, **form):
    return browser.post(f"/complaints/{ticket}/actions",
                        {"action": "handle", "note": note, "photo": (io.BytesIO(photo or jpeg()), "bukti.jpg"), **form},
                        content_type="multipart/form-data")


def test_a_refused_handling_keeps_neither_its_photo_nor_its_row(browser, make_complaint, session, storage):
    complaint = make_complaint(minutes_ago=20)
    browser.sign_in("officer.dinsos")
    handle_with_photo(browser, complaint.ticket, note="  ")  # no note
    handle_with_photo(browser, complaint.ticket, lat="utara", lon="pasar")  # a location that is not one
    assert "status-assigned" in browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert files_on_disk(storage) == []
    assert stored_rows(session) == []


def test_a_photo_for_a_complaint_already_handled_is_not_kept(browser, make_complaint, session, storage):
    complaint = make_complaint(minutes_ago=20)
    browser.sign_in("officer.dinsos")
    handle_with_photo(browser, complaint.ticket)
    kept = files_on_disk(storage)
    assert len(kept) == 1
    response = handle_with_photo(browser, complaint.ticket, note="Sekali lagi")
    assert response.status_code == 303
    assert "flash-error" in browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert files_on_disk(storage) == kept
    assert len(stored_rows(session)) == 1


def test_a_policy_asking_for_a_location_refuses_the_handling_and_drops_its_photo(browser, make_complaint, session,
                                                                                 storage):
    complaint = make_complaint(minutes_ago=20)
    session.get(SlaPolicy, complaint.sla_policy_id).evidence_location = True
    session.flush()
    browser.sign_in("officer.dinsos")
    handle_with_photo(browser, complaint.ticket)
    assert files_on_disk(storage) == []
    session.expire_all()
    assert session.get(Complaint, complaint.id).status == "assigned"


def test_a_handling_photo_is_stored_without_its_gps_position(browser, make_complaint, session, storage):
    complaint = make_complaint(minutes_ago=20)
    browser.sign_in("officer.dinsos")
    handle_with_photo(browser, complaint.ticket, photo=jpeg(exif=exif_with_gps()))
    [stored] = files_on_disk(storage)
    data = stored.read_bytes()
    assert CAMERA_SERIAL not in data and exif_with_gps()[20:60] not in data
    session.expire_all()
    ref = session.get(Complaint, complaint.id).handle_evidence["photo"]
    assert browser.get(f"/complaints/{complaint.ticket}/files/{ref}").data == data


def test_a_page_disguised_as_a_photo_is_refused_in_the_officers_language_and_not_kept(browser, make_complaint,
                                                                                       storage):
    complaint = make_complaint(minutes_ago=20)
    browser.sign_in("officer.dinsos")
    handle_with_photo(browser, complaint.ticket, photo=b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>")
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "status-assigned" in page and "JPEG" in page
    assert files_on_disk(storage) == []


@pytest.mark.parametrize("claimed", ["sigap.db", "evidence/../sigap.db", "telegram/1/../../sigap.db"])
def test_the_files_route_never_serves_what_the_complaint_does_not_own(browser, make_complaint, session, storage,
                                                                      claimed):
    complaint = make_complaint(minutes_ago=20)
    # Evidence claimed before this fix (an API handle accepted any path) stays in the trail, and is never served.
    complaint.handle_evidence = {"photo": claimed}
    session.commit()
    browser.sign_in("supervisor")
    for url in (f"/complaints/{complaint.ticket}/files/{claimed}",
                f"/complaints/{complaint.ticket}/files/{claimed.replace('/', '%2F')}",
                f"/complaints/{complaint.ticket}/files/..%2Fsigap.db",
                f"/complaints/{complaint.ticket}/files/%00sigap.db",
                f"/complaints/{complaint.ticket}/files/telegram-9999999999",
                f"/complaints/{complaint.ticket}/files/telegram-99999999999999999"):
        response = browser.get(url)
        assert response.status_code == 404 and SECRET not in response.data


def test_a_reporters_telegram_photo_shows_on_its_complaint_and_nowhere_else(browser, make_complaint, session, clock,
                                                                           storage):
    complaint = make_complaint(minutes_ago=20)
    other = make_complaint(minutes_ago=20, category="school_dropout")
    attachment = TelegramAttachment(complaint_id=complaint.id, file_id="AgAC1", created_at=clock.now())
    session.add(attachment)
    session.flush()
    attachment.stored_path = f"telegram/{complaint.id}/{attachment.id}.jpg"
    (storage / "telegram" / str(complaint.id)).mkdir(parents=True)
    (storage / attachment.stored_path).write_bytes(jpeg())
    session.commit()
    browser.sign_in("supervisor")
    url = f"/complaints/{complaint.ticket}/files/telegram-{attachment.id}"
    assert url in browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert browser.get(url).data == jpeg()
    assert browser.get(f"/complaints/{other.ticket}/files/telegram-{attachment.id}").status_code == 404
    assert browser.get(f"/complaints/{complaint.ticket}/files/{attachment.stored_path}").status_code == 404


def test_the_complaint_page_shows_how_far_the_check_in_was_and_warns_when_far(browser, make_complaint, session):
    near, far = make_complaint(minutes_ago=20, village="Kemiren"), make_complaint(minutes_ago=20, village="Kemiren")
    lat, lon = near.village.lat, near.village.lon
    browser.sign_in("officer.dinsos")
    for complaint, where in ((near, (lat + 0.005, lon)), (far, (lat + 0.2, lon))):
        response = browser.post(f"/complaints/{complaint.ticket}/actions", {
            "action": "handle", "note": "Sembako diantar", "lat": str(where[0]), "lon": str(where[1])})
        assert response.status_code == 303
    near_page = browser.get(f"/complaints/{near.ticket}").get_data(as_text=True)
    far_page = browser.get(f"/complaints/{far.ticket}").get_data(as_text=True)
    assert "0.6 km dari tempat yang dilaporkan" in near_page and "data-far" not in near_page
    assert "22.2 km dari tempat yang dilaporkan" in far_page and "jauh dari desa" in far_page
    session.expire_all()
    assert session.get(Complaint, far.id).handle_evidence["far"] is True


def test_a_check_in_typed_on_the_form_must_be_in_the_regency(browser, make_complaint, session):
    complaint = make_complaint(minutes_ago=20)
    browser.sign_in("officer.dinsos")
    browser.post(f"/complaints/{complaint.ticket}/actions", {"action": "handle", "note": "Sudah", "lat": "51.5",
                                                             "lon": "-0.12"})
    assert "flash-error" in browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    session.expire_all()
    assert session.get(Complaint, complaint.id).status == "assigned"
