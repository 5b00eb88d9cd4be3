"""The guided report: category buttons, village (typed, fuzzy, or shared location), description,
photo, confirmation, ticket with the local deadline; /status, /batal."""
from __future__ import annotations

from sqlalchemy import select

from app.models import Complaint, OutboxMessage, Village
from app.models.telegram import TelegramAttachment, TelegramConversation

CHAT_ID = 700100200  # the chat of the `updates` fixture


def _bodies(session):
    return [m.body for m in session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == str(CHAT_ID))
                                            .order_by(OutboxMessage.id))]


def _last(session):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == str(CHAT_ID))
                           .order_by(OutboxMessage.id.desc()).limit(1)).one()


def _report_until_confirmation(post_update, updates, village_text="Kemiren"):
    post_update(updates.message("/lapor"))
    post_update(updates.callback("cat:hunger"))
    post_update(updates.message(village_text))


def test_lapor_offers_the_five_categories_as_buttons(post_update, updates, session):
    post_update(updates.message("/lapor"))
    message = _last(session)
    assert message.body == "Laporan tentang apa? Pilih salah satu:"
    data = [row[0]["callback_data"] for row in message.extra["buttons"]]
    assert data == ["cat:hunger", "cat:school_dropout", "cat:uninhabitable_house", "cat:lone_elderly",
                    "cat:medical_care", "rep:cancel"]
    assert message.extra["buttons"][0][0]["text"].lower().startswith("tidak bisa makan")


def test_a_whole_report_ends_with_the_ticket_and_the_local_deadline(post_update, updates, session):
    _report_until_confirmation(post_update, updates)
    assert "Kemiren" in _last(session).body and "Glagah" in _last(session).body
    post_update(updates.message("Mbah Sumi (80) tinggal sendiri, sudah dua hari tidak makan. Rumah dekat masjid."))
    summary = _last(session)
    assert "Periksa laporan Anda" in summary.body and "Kemiren" in summary.body
    assert [b["callback_data"] for b in summary.extra["buttons"][0]] == ["rep:send", "rep:cancel"]
    post_update(updates.callback("rep:send"))

    complaint = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()
    assert complaint.channel == "telegram"
    assert complaint.category.code == "hunger"
    assert complaint.village.name == "Kemiren"
    assert complaint.reporter.telegram_chat_id == CHAT_ID
    assert complaint.reporter.name == "Siti"
    reply = _last(session)
    assert complaint.ticket in reply.body
    # Received Monday 09:00 WIB, 4-hour rule: due 13:00 WIB the same day.
    assert "Senin 23 Nov 2026 13:00 WIB" in reply.body
    assert reply.complaint_id == complaint.id and reply.reporter_id == complaint.reporter_id
    assert session.get(TelegramConversation, CHAT_ID).step is None


def test_a_misspelt_village_gets_a_did_you_mean_choice(post_update, updates, session):
    _report_until_confirmation(post_update, updates, village_text="Kemirn")
    question = _last(session)
    assert question.body.startswith('Desa "Kemirn" tidak ditemukan persis')
    first = question.extra["buttons"][0][0]
    assert first["text"].startswith("Kemiren")
    post_update(updates.callback(first["callback_data"]))
    assert session.get(TelegramConversation, CHAT_ID).draft["village_name"] == "Kemiren"
    assert "Ceritakan apa yang terjadi" in _last(session).body


def test_an_unknown_village_asks_again(post_update, updates, session):
    _report_until_confirmation(post_update, updates, village_text="Xqzwv Plork")
    assert "tidak ditemukan di Kabupaten Banyuwangi" in _last(session).body
    assert session.get(TelegramConversation, CHAT_ID).step == "location"


def test_a_shared_location_is_matched_to_the_nearest_village_with_coordinates(post_update, updates, session):
    kemiren = session.scalar(select(Village).where(Village.code == "35.10.15.2004"))
    kemiren.lat, kemiren.lon = -8.2135, 114.3270
    session.flush()
    post_update(updates.message("/lapor"))
    post_update(updates.callback("cat:lone_elderly"))
    post_update(updates.location(-8.2150, 114.3301))
    draft = session.get(TelegramConversation, CHAT_ID).draft
    assert draft["village_name"] == "Kemiren" and draft["lat"] == -8.215


def test_a_shared_location_without_a_known_village_keeps_the_point_and_may_skip_the_name(
        post_update, updates, session):
    post_update(updates.message("/lapor"))
    post_update(updates.callback("cat:lone_elderly"))
    post_update(updates.location(-8.95, 114.30))  # at sea, 38 km from the nearest village centre
    asked = _last(session)
    assert "Lokasi tersimpan" in asked.body
    post_update(updates.callback("loc:skip"))
    post_update(updates.message("Kakek Darmo hidup sendirian di gubuk di tepi sawah."))
    post_update(updates.callback("rep:send"))
    complaint = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()
    assert (complaint.lat, complaint.lon) == (-8.95, 114.30)
    assert complaint.village_id is None


def test_a_photo_with_a_caption_is_kept_with_the_complaint(post_update, updates, session):
    _report_until_confirmation(post_update, updates)
    post_update(updates.photo(file_id="AgACPhoto1", caption="Atap rumah Pak Slamet roboh, keluarga tidur di luar."))
    assert "Foto: 1" in _last(session).body
    post_update(updates.callback("rep:send"))
    complaint = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()
    assert complaint.description.startswith("Atap rumah")
    attachment = session.scalars(select(TelegramAttachment).where(TelegramAttachment.complaint_id == complaint.id)).one()
    assert attachment.file_id == "AgACPhoto1" and attachment.width == 1280
    assert attachment.stored_path is None


def test_a_photo_without_a_caption_asks_for_words(post_update, updates, session):
    _report_until_confirmation(post_update, updates)
    post_update(updates.photo(file_id="AgACPhoto2"))
    assert "Foto tersimpan" in _last(session).body
    post_update(updates.message("Anak Bu Yati tidak sekolah sejak bulan lalu."))
    assert "Foto: 1" in _last(session).body


def test_an_oversize_photo_is_refused_with_a_helpful_reply(post_update, updates, session):
    _report_until_confirmation(post_update, updates)
    update = updates.photo(file_id="AgACHuge")
    for size in update["message"]["photo"]:
        size["file_size"] = 30_000_000
    post_update(update)
    assert "terlalu besar" in _last(session).body
    assert "photos" not in session.get(TelegramConversation, CHAT_ID).draft


def test_a_too_short_description_asks_for_more(post_update, updates, session):
    _report_until_confirmation(post_update, updates)
    post_update(updates.message("lapar"))
    assert "lebih lengkap" in _last(session).body


def test_batal_abandons_the_draft(post_update, updates, session):
    _report_until_confirmation(post_update, updates)
    post_update(updates.message("/batal"))
    assert _last(session).body.startswith("Laporan dibatalkan")
    conversation = session.get(TelegramConversation, CHAT_ID)
    assert conversation.step is None and conversation.draft == {}
    post_update(updates.message("/batal"))
    assert "Tidak ada laporan" in _last(session).body


def test_pressing_send_twice_files_one_complaint(post_update, updates, session):
    _report_until_confirmation(post_update, updates)
    post_update(updates.message("Mbah Sumi sudah dua hari tidak makan, tolong."))
    before = len(list(session.scalars(select(Complaint))))
    post_update(updates.callback("rep:send"))
    response = post_update(updates.callback("rep:send"))
    assert response.status_code == 200
    assert len(list(session.scalars(select(Complaint)))) == before + 1
    assert "sudah dikirim" in response.get_json()["text"]


def test_status_lists_only_the_reporters_own_open_complaints(post_update, updates, session):
    post_update(updates.message("/status"))
    assert _last(session).body == "Anda tidak punya laporan yang masih terbuka."
    _report_until_confirmation(post_update, updates)
    post_update(updates.message("Mbah Sumi sudah dua hari tidak makan, tolong."))
    post_update(updates.callback("rep:send"))
    ticket = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one().ticket
    post_update(updates.message("/status"))
    listing = _last(session).body
    assert listing.startswith("Laporan Anda yang masih terbuka:") and ticket in listing
    post_update(updates.message(f"/status {ticket.lower()}"))
    detail = _last(session).body
    assert f"Laporan {ticket}" in detail and "Dinas Sosial" in detail and "13:00 WIB" in detail


def test_status_of_someone_elses_ticket_reveals_nothing(post_update, updates, session):
    _report_until_confirmation(post_update, updates)
    post_update(updates.message("Mbah Sumi sudah dua hari tidak makan, tolong."))
    post_update(updates.callback("rep:send"))
    ticket = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one().ticket
    updates.chat_id, updates.first_name = 700100999, "Budi"
    post_update(updates.message(f"/status {ticket}"))
    other = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "700100999")).one()
    assert other.body == f"Laporan {ticket} tidak ditemukan di antara laporan Anda."


def test_the_conversation_continues_in_english_after_bahasa(post_update, updates, session):
    post_update(updates.message("/bahasa"))
    post_update(updates.message("/lapor"))
    assert _last(session).body == "What is the report about? Choose one:"
    post_update(updates.callback("cat:school_dropout"))
    post_update(updates.message("Kemiren"))
    post_update(updates.message("A 12-year-old boy has not been to school for a month."))
    post_update(updates.callback("rep:send"))
    assert "Mon 23 Nov 2026 13:00 WIB" in _last(session).body
    complaint = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()
    assert complaint.reporter.language == "en"
    # the receipt's status link opens the page in English
    assert _last(session).body.endswith(
        f"\nTrack it online: https://sigap.example.go.id/lacak?tiket={complaint.ticket}&lang=en")


def test_a_deep_link_picks_another_jurisdiction_and_its_time_zone(post_update, updates, session):
    # t.me/<bot>?start=sabu_raijua arrives as "/start sabu_raijua".
    post_update(updates.message("/start sabu_raijua"))
    assert "Sabu Raijua" in _last(session).body
    post_update(updates.message("/lapor"))
    post_update(updates.callback("cat:hunger"))
    post_update(updates.message("Menia"))
    post_update(updates.message("Seorang janda dan tiga anaknya tidak punya makanan sejak kemarin."))
    post_update(updates.callback("rep:send"))
    complaint = session.scalars(select(Complaint).order_by(Complaint.id.desc()).limit(1)).one()
    assert complaint.ticket.startswith("SRJ-2026-")
    assert complaint.village.name == "Menia"
    # 02:00Z is 10:00 WITA; due four hours later.
    assert "Senin 23 Nov 2026 14:00 WITA" in _last(session).body


def test_a_village_of_another_jurisdiction_is_not_offered(post_update, updates, session):
    _report_until_confirmation(post_update, updates, village_text="Menia")
    assert session.get(TelegramConversation, CHAT_ID).step == "location"


def test_a_draft_left_for_a_day_expires(post_update, updates, session, clock):
    _report_until_confirmation(post_update, updates)
    clock.advance(hours=25)
    response = post_update(updates.callback("loc:skip"))
    assert "tidak berlaku" in response.get_json()["text"]
    conversation = session.get(TelegramConversation, CHAT_ID)
    assert conversation.step is None and conversation.draft == {}


def test_typing_status_and_a_ticket_works_like_the_command(post_update, updates, session, telegram_complaint):
    complaint = telegram_complaint()
    post_update(updates.message(f"STATUS {complaint.ticket}"))
    assert _last(session).body.startswith(f"Laporan {complaint.ticket}")
