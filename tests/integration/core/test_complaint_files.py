"""Evidence photos through the API, as an officer's system and an attacker would use them: a photo
is uploaded first and named by the id Sigap gave it; a path, another complaint's file or a made-up
id is refused, and the files routes serve a complaint's own photos only, never another file."""
from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import select

from app.models import Complaint
from app.models.telegram import TelegramAttachment
from tests.images import CAMERA_SERIAL, exif_with_gps, jpeg, png

SECRET = b"SQLite format 3\x00 password hashes of every officer"


@pytest.fixture
def storage(app, tmp_path):
    """The instance folder, holding what an attacker would want: the SQLite database."""
    app.instance_path = str(tmp_path)
    (tmp_path / "sigap.db").write_bytes(SECRET)
    return tmp_path


@pytest.fixture
def officer(auth):
    return auth("officer", agency="bwi-dinsos")


def stored_rows(session) -> list:
    from app.models import ComplaintFile

    return list(session.scalars(select(ComplaintFile)))


def upload(client, ticket, data, headers, content_type="image/jpeg"):
    return client.post(f"/api/v1/complaints/{ticket}/files", data=data,
                       headers={**headers, "Content-Type": content_type})


def handle(client, ticket, headers, photo):
    return client.post(f"/api/v1/complaints/{ticket}/actions", headers=headers,
                       json={"action": "handle", "note": "Sembako diantar", "evidence": {"photo": photo}})


def telegram_photo(session, clock, complaint, storage) -> TelegramAttachment:
    attachment = TelegramAttachment(complaint_id=complaint.id, file_id="AgAC1", created_at=clock.now())
    session.add(attachment)
    session.flush()
    attachment.stored_path = f"telegram/{complaint.id}/{attachment.id}.jpg"
    (storage / "telegram" / str(complaint.id)).mkdir(parents=True)
    (storage / attachment.stored_path).write_bytes(b"\xff\xd8\xff citizen's photo of another agency")
    session.commit()
    return attachment


@pytest.mark.parametrize("photo", ["sigap.db", "../x", "/etc/passwd", "evidence/../sigap.db", "telegram/OTHER/1.jpg",
                                   "made-up-id-0123456789abc", ""])
def test_handling_refuses_evidence_that_is_not_a_photo_uploaded_for_that_complaint(
        client, submit, session, clock, storage, officer, photo):
    complaint = submit()
    other = submit(category="school_dropout")
    attachment = telegram_photo(session, clock, other, storage)
    photo = photo.replace("telegram/OTHER/1.jpg", attachment.stored_path)
    response = handle(client, complaint.ticket, officer, photo)
    assert response.status_code == 422, response.json
    assert "upload the photo first" in response.json["error"]["message"]
    session.expire_all()
    assert session.get(Complaint, complaint.id).status == "assigned"
    for name in (photo, "sigap.db", attachment.stored_path, f"telegram-{attachment.id}"):
        served = client.get(f"/api/v1/complaints/{complaint.ticket}/files/{name}", headers=officer)
        assert served.status_code == 404 and SECRET not in served.data


def test_another_complaints_uploaded_photo_cannot_be_claimed_as_evidence(client, submit, session, storage, auth):
    mine, theirs = submit(), submit(category="school_dropout")
    ref = upload(client, theirs.ticket, jpeg(), auth("officer", agency="bwi-dispendik")).json["id"]
    officer = auth("officer", agency="bwi-dinsos")
    assert handle(client, mine.ticket, officer, ref).status_code == 422
    assert client.get(f"/api/v1/complaints/{mine.ticket}/files/{ref}", headers=officer).status_code == 404
    assert client.get(f"/api/v1/complaints/{theirs.ticket}/files/{ref}", headers=officer).status_code == 404


def test_an_uploaded_photo_is_named_by_its_id_used_to_handle_and_shown_to_who_may_see_the_complaint(
        client, submit, session, storage, officer, auth):
    complaint = submit()
    response = upload(client, complaint.ticket, jpeg(exif=exif_with_gps(orientation=1)), officer)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["content_type"] == "image/jpeg" and body["size"] == len(jpeg())
    assert body["sha256"] == hashlib.sha256(jpeg()).hexdigest() and body["created_at"] == "2026-11-23T02:00:00Z"
    assert len(body["id"]) >= 20 and "/" not in body["id"] and "." not in body["id"]
    assert response.headers["Location"].endswith(f"/api/v1/complaints/{complaint.ticket}/files/{body['id']}")

    handled = handle(client, complaint.ticket, officer, body["id"])
    assert handled.status_code == 200 and handled.json["status"] == "handled"
    session.expire_all()
    assert session.get(Complaint, complaint.id).handle_evidence == {"photo": body["id"]}

    served = client.get(f"/api/v1/complaints/{complaint.ticket}/files/{body['id']}",
                        headers=auth("supervisor", jurisdiction="banyuwangi"))
    assert served.status_code == 200 and served.mimetype == "image/jpeg" and served.data == jpeg()
    assert served.headers["Cache-Control"] == "private, no-store"
    assert CAMERA_SERIAL not in served.data
    stranger = auth("officer", agency="bwi-dispendik")
    assert client.get(f"/api/v1/complaints/{complaint.ticket}/files/{body['id']}", headers=stranger).status_code == 404


def test_a_photo_is_stored_without_its_gps_position_under_a_name_sigap_chose(client, submit, session, storage,
                                                                              officer):
    complaint = submit()
    ref = upload(client, complaint.ticket, jpeg(exif=exif_with_gps()), officer).json["id"]
    [row] = [r for r in stored_rows(session) if r.ref == ref]
    assert row.stored_path == f"files/{complaint.id}/{ref}.jpg" and row.purpose == "evidence"
    assert row.uploaded_by.startswith("token:")
    on_disk = (storage / row.stored_path).read_bytes()
    assert CAMERA_SERIAL not in on_disk and exif_with_gps()[20:60] not in on_disk


def test_a_multipart_upload_of_a_png_is_accepted_without_its_text_chunks(client, submit, storage, officer):
    complaint = submit()
    original = png({b"Comment": b"Alamat: Jl. Mawar 3"})
    response = client.post(f"/api/v1/complaints/{complaint.ticket}/files", headers=officer,
                           data={"file": (io.BytesIO(original), "bukti.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 201 and response.json["content_type"] == "image/png"
    served = client.get(f"/api/v1/complaints/{complaint.ticket}/files/{response.json['id']}", headers=officer)
    assert served.mimetype == "image/png" and served.data == png()


def test_a_phone_sized_photo_is_accepted_while_other_api_bodies_stay_small(client, submit, storage, officer):
    complaint = submit()
    assert upload(client, complaint.ticket, jpeg(padding=6 * 1024 * 1024), officer).status_code == 201


def test_a_photo_over_8_mb_is_refused_and_nothing_is_kept(client, submit, session, storage, officer):
    complaint = submit()
    assert upload(client, complaint.ticket, jpeg(padding=8 * 1024 * 1024), officer).status_code == 413
    assert upload(client, complaint.ticket, jpeg(padding=9 * 1024 * 1024), officer).status_code == 413
    assert stored_rows(session) == []
    assert not (storage / "files").exists() or not any((storage / "files").rglob("*.*"))


@pytest.mark.parametrize("data, content_type, status", [
    (b"<html><script>alert(1)</script></html>", "image/jpeg", 415),
    (SECRET, "image/png", 415),
    (b"\xff\xd8\xff\xe0" + b"0" * 64, "image/jpeg", 422),
    (b'{"photo": "x"}', "application/json", 415),
    (b"plain text", "text/plain", 415),
])
def test_what_is_not_a_photo_is_refused_with_a_clear_message(client, submit, session, storage, officer, data,
                                                            content_type, status):
    complaint = submit()
    response = upload(client, complaint.ticket, data, officer, content_type)
    assert response.status_code == status
    assert any(word in response.json["error"]["message"] for word in ("JPEG", "photo"))
    assert stored_rows(session) == []


def test_only_who_may_handle_the_complaint_may_upload_for_it(client, submit, storage, auth):
    complaint = submit()
    assert upload(client, complaint.ticket, jpeg(), auth("partner")).status_code == 403
    assert upload(client, complaint.ticket, jpeg(), auth("official", jurisdiction="banyuwangi")).status_code == 403
    assert upload(client, complaint.ticket, jpeg(), auth("officer", agency="bwi-dispendik")).status_code == 404
    assert upload(client, "BWI-2026-999999", jpeg(), auth("supervisor", jurisdiction="banyuwangi")).status_code == 404


def test_a_telegram_photo_is_served_by_its_reference_through_its_own_complaint_only(
        client, submit, session, clock, storage, auth):
    complaint, other = submit(), submit(category="school_dropout")
    attachment = telegram_photo(session, clock, complaint, storage)
    supervisor = auth("supervisor", jurisdiction="banyuwangi")
    served = client.get(f"/api/v1/complaints/{complaint.ticket}/files/telegram-{attachment.id}", headers=supervisor)
    assert served.status_code == 200 and served.data.startswith(b"\xff\xd8\xff")
    assert client.get(f"/api/v1/complaints/{other.ticket}/files/telegram-{attachment.id}",
                      headers=supervisor).status_code == 404


def test_a_photo_lives_only_as_long_as_the_transaction_that_stored_it(session, submit, clock, tmp_path):
    from app.domain.actor import Actor
    from app.services.lifecycle import complaint_files

    officer = Actor(kind="user", id=1, role="officer")
    complaint = submit()
    session.commit()
    kept = complaint_files.store(session, clock.now(), complaint, jpeg(), officer, tmp_path)
    session.commit()
    dropped = complaint_files.store(session, clock.now(), complaint, png(), officer, tmp_path)
    assert (tmp_path / dropped.stored_path).is_file()
    session.close()  # e.g. a request that failed before its commit
    assert (tmp_path / kept.stored_path).read_bytes() == jpeg()
    assert not (tmp_path / dropped.stored_path).exists()
