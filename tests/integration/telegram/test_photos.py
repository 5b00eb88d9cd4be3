"""Photos a reporter sends are downloaded through the Bot API into instance storage for staff to see."""
from __future__ import annotations

from sqlalchemy import event, func, select

from app.channels.telegram.files import attachments_for, download_pending
from app.models import Complaint, OutboxMessage
from app.models.telegram import TelegramAttachment

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9"


def _report_with_photo(post_update, updates, file_id):
    post_update(updates.message("/lapor"))
    post_update(updates.callback("cat:uninhabitable_house"))
    post_update(updates.message("Kemiren"))
    post_update(updates.photo(file_id=file_id, caption="Atap rumah Pak Slamet roboh, keluarga tidur di luar."))
    post_update(updates.callback("rep:send"))


def test_a_reporters_photo_is_stored_under_the_instance_folder(post_update, updates, session, clock, settings,
                                                               telegram_api, tmp_path):
    telegram_api.files["AgACRoof01"] = JPEG
    _report_with_photo(post_update, updates, "AgACRoof01")
    complaint = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()
    assert download_pending(session, clock.now(), settings, tmp_path) == 1
    [attachment] = attachments_for(session, complaint.id)
    assert attachment.stored_path == f"telegram/{complaint.id}/{attachment.id}.jpg"
    assert (tmp_path / attachment.stored_path).read_bytes() == JPEG
    assert telegram_api.calls("getFile")[0]["file_id"] == "AgACRoof01"
    # Nothing left to do the second time.
    assert download_pending(session, clock.now(), settings, tmp_path) == 0


def test_a_photo_telegram_cannot_serve_is_retried_then_left_as_a_file_id(post_update, updates, session, clock,
                                                                         settings, telegram_api, tmp_path):
    _report_with_photo(post_update, updates, "AgACGone01")
    complaint = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()
    for _ in range(6):
        assert download_pending(session, clock.now(), settings, tmp_path) == 0
    [attachment] = attachments_for(session, complaint.id)
    assert attachment.stored_path is None and attachment.download_attempts == 5
    assert attachment.download_error
    assert len(telegram_api.calls("getFile")) == 5


def test_a_report_whose_photo_cannot_be_saved_is_not_filed_without_it(post_update, updates, session):
    def refuse(*_args):
        raise RuntimeError("the photo's row cannot be written")

    event.listen(TelegramAttachment, "before_insert", refuse)
    try:
        _report_with_photo(post_update, updates, "AgACPhotoLost")
    finally:
        event.remove(TelegramAttachment, "before_insert", refuse)
    assert session.scalar(select(func.count(Complaint.id))) == 0
    apology = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)).one()
    assert apology.template == "telegram.failed"
    # The draft is still there: pressing send again files the report with its photo.
    post_update(updates.callback("rep:send"))
    complaint = session.scalar(select(Complaint))
    assert [a.file_id for a in attachments_for(session, complaint.id)] == ["AgACPhotoLost"]
