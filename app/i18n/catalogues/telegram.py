"""Texts of the Telegram bot (Indonesian first, English on /bahasa)."""

MESSAGES = {
    "telegram.start": {
        "id": ("Halo! Ini Sigap, layanan laporan warga {jurisdiction}.\n"
               "Laporkan warga yang tidak bisa makan, anak putus sekolah, rumah tidak layak huni, "
               "lansia sebatang kara, atau warga yang tidak bisa berobat. Dinas terkait wajib menanganinya "
               "dalam batas waktu yang ditetapkan.\n\n"
               "/lapor - buat laporan baru\n/status - cek laporan Anda\n/batal - batalkan laporan yang sedang dibuat\n"
               "/bahasa - English"),
        "en": ("Hello! This is Sigap, the citizen report service of {jurisdiction}.\n"
               "Report someone who cannot eat, a child out of school, a house unfit to live in, "
               "an elderly person living alone, or someone who cannot get medical care. The responsible agency "
               "must act within a set deadline.\n\n"
               "/lapor - make a new report\n/status - check your reports\n/batal - cancel the report in progress\n"
               "/bahasa - Bahasa Indonesia"),
    },
    "telegram.draft_in_progress": {
        "id": "Anda punya laporan yang belum selesai. Lanjutkan, atau ketik /batal untuk membatalkannya.",
        "en": "You have an unfinished report. Carry on, or send /batal to cancel it.",
    },
    "telegram.language_set": {
        "id": "Bahasa diganti ke Bahasa Indonesia. Ketik /bahasa untuk English.",
        "en": "Language switched to English. Send /bahasa for Bahasa Indonesia.",
    },
    "telegram.ask_category": {
        "id": "Laporan tentang apa? Pilih salah satu:",
        "en": "What is the report about? Choose one:",
    },
    "telegram.ask_location": {
        "id": ("Di mana lokasinya? Kirim lokasi Telegram (tombol di bawah atau 📎 > Lokasi), "
               "atau ketik nama desa/kelurahan."),
        "en": ("Where is it? Share a Telegram location (the button below or 📎 > Location), "
               "or type the name of the village."),
    },
    "telegram.share_location_button": {"id": "📍 Kirim lokasi saya", "en": "📍 Share my location"},
    "telegram.location_saved_ask_village": {
        "id": "Lokasi tersimpan. Ketik juga nama desa/kelurahannya agar laporan sampai ke petugas yang tepat, atau lewati.",
        "en": "Location saved. Please also type the village name so the report reaches the right officers, or skip.",
    },
    "telegram.skip": {"id": "Lewati", "en": "Skip"},
    "telegram.location_matched": {
        "id": "Lokasi: Desa/Kel. {village}, Kec. {district}.",
        "en": "Location: {village} village, {district} district.",
    },
    "telegram.not_this_village_hint": {
        "id": "Bukan desa itu? Tekan tombol ini lalu ketik nama desanya.",
        "en": "Not that village? Press this button, then type the village name.",
    },
    "telegram.not_this_village": {"id": "Bukan desa ini", "en": "Not this village"},
    "telegram.type_village_name": {
        "id": "Lokasi tetap tersimpan. Ketik nama desa/kelurahannya.",
        "en": "The location stays saved. Type the name of the village.",
    },
    "telegram.did_you_mean": {
        "id": "Desa \"{text}\" tidak ditemukan persis. Maksud Anda:",
        "en": "No village is called exactly \"{text}\". Did you mean:",
    },
    "telegram.none_of_these": {"id": "Bukan semuanya, ketik ulang", "en": "None of these, type again"},
    "telegram.type_village_again": {
        "id": "Silakan ketik ulang nama desa/kelurahan, atau kirim lokasi Telegram.",
        "en": "Please type the village name again, or share a Telegram location.",
    },
    "telegram.village_not_found": {
        "id": "Desa \"{text}\" tidak ditemukan di {jurisdiction}. Periksa ejaannya, atau kirim lokasi Telegram.",
        "en": "No village \"{text}\" found in {jurisdiction}. Check the spelling, or share a Telegram location.",
    },
    "telegram.ask_description": {
        "id": "Ceritakan apa yang terjadi: siapa, kondisinya, dan alamat/patokan. Boleh sertakan foto.",
        "en": "Describe what is happening: who, their situation, and the address or a landmark. You may add a photo.",
    },
    "telegram.description_too_short": {
        "id": "Mohon ceritakan sedikit lebih lengkap (minimal 10 huruf).",
        "en": "Please give a little more detail (at least 10 characters).",
    },
    "telegram.description_too_long": {
        "id": "Ceritanya terlalu panjang (maksimal {limit} huruf). Mohon persingkat.",
        "en": "That is too long (at most {limit} characters). Please shorten it.",
    },
    "telegram.photo_saved_ask_text": {
        "id": "Foto tersimpan. Sekarang ceritakan dengan kata-kata apa yang terjadi.",
        "en": "Photo saved. Now describe in words what is happening.",
    },
    "telegram.photo_too_large": {
        "id": "Fotonya terlalu besar (maksimal {limit_mb} MB). Kirim sebagai foto biasa (bukan file), atau lanjutkan tanpa foto.",
        "en": "That photo is too large (at most {limit_mb} MB). Send it as a normal photo (not a file), or go on without one.",
    },
    "telegram.photo_limit": {
        "id": "Sudah ada {count} foto; foto lainnya tidak disimpan.",
        "en": "There are already {count} photos; further photos are not kept.",
    },
    "telegram.photo_not_now": {
        "id": "Foto bisa dikirim saat mengisi cerita laporan. Ketik /lapor untuk mulai.",
        "en": "Photos can be added while describing a report. Send /lapor to start.",
    },
    "telegram.summary": {
        "id": ("Periksa laporan Anda:\n"
               "Jenis: {category}\nLokasi: {location}\nCerita: {description}\nFoto: {photos}\n\n"
               "Kirim laporan ini?"),
        "en": ("Check your report:\n"
               "Type: {category}\nLocation: {location}\nDescription: {description}\nPhotos: {photos}\n\n"
               "Send this report?"),
    },
    "telegram.location_coordinates": {"id": "titik lokasi {lat:.5f}, {lon:.5f}", "en": "point {lat:.5f}, {lon:.5f}"},
    "telegram.location_unknown": {"id": "(tidak disebutkan)", "en": "(not given)"},
    "telegram.send_button": {"id": "✅ Kirim", "en": "✅ Send"},
    "telegram.cancel_button": {"id": "❌ Batal", "en": "❌ Cancel"},
    "telegram.use_buttons": {
        "id": "Tekan tombol Kirim atau Batal di atas, atau ketik /batal.",
        "en": "Press Send or Cancel above, or send /batal.",
    },
    "telegram.choose_category_first": {
        "id": "Pilih jenis laporan dengan tombol di atas, atau ketik /batal.",
        "en": "Choose the type of report with the buttons above, or send /batal.",
    },
    "telegram.submitted": {
        "id": ("Terima kasih. Laporan Anda tercatat dengan nomor {ticket}.\n"
               "Petugas wajib menanganinya paling lambat {deadline}.\n"
               "Cek perkembangannya dengan /status {ticket}.\n"
               "Kode lacak untuk halaman status di web: {code}"),
        "en": ("Thank you. Your report is recorded as {ticket}.\n"
               "Officers must act on it by {deadline}.\n"
               "Follow it with /status {ticket}.\n"
               "Tracking code for the web status page: {code}"),
    },
    "telegram.submit_failed": {
        "id": "Maaf, laporan belum bisa disimpan: {reason}. Ketik /lapor untuk mencoba lagi.",
        "en": "Sorry, the report could not be saved: {reason}. Send /lapor to try again.",
    },
    "telegram.already_sent": {
        "id": "Laporan ini sudah dikirim atau dibatalkan. Ketik /status untuk melihat laporan Anda.",
        "en": "This report has already been sent or cancelled. Send /status to see your reports.",
    },
    "telegram.failed": {
        "id": "Maaf, pesan Anda belum bisa diproses karena gangguan di sistem kami. Silakan coba lagi nanti.",
        "en": "Sorry, your message could not be processed because of a fault on our side. Please try again later.",
    },
    "telegram.cancelled": {
        "id": "Laporan dibatalkan. Ketik /lapor untuk membuat laporan baru.",
        "en": "Report cancelled. Send /lapor to make a new one.",
    },
    "telegram.nothing_to_cancel": {
        "id": "Tidak ada laporan yang sedang dibuat.",
        "en": "There is no report in progress.",
    },
    "telegram.expired_button": {
        "id": "Tombol ini sudah tidak berlaku.",
        "en": "This button is no longer valid.",
    },
    "telegram.unknown_command": {
        "id": "Perintah tidak dikenal. Gunakan /lapor, /status, /batal atau /bahasa.",
        "en": "Unknown command. Use /lapor, /status, /batal or /bahasa.",
    },
    "telegram.unsupported_message": {
        "id": "Maaf, pesan seperti ini tidak bisa dibaca. Kirim teks, foto atau lokasi. Ketik /lapor untuk melapor.",
        "en": "Sorry, this kind of message cannot be read. Send text, a photo or a location. Send /lapor to report.",
    },
    "telegram.idle_hint": {
        "id": "Untuk melapor, ketik /lapor. Untuk cek laporan, ketik /status.",
        "en": "To make a report, send /lapor. To check a report, send /status.",
    },
    "telegram.private_only": {
        "id": "Silakan kirim laporan lewat chat pribadi dengan bot ini.",
        "en": "Please report through a private chat with this bot.",
    },
    "telegram.status_none": {
        "id": "Anda tidak punya laporan yang masih terbuka.",
        "en": "You have no open reports.",
    },
    "telegram.status_list_head": {"id": "Laporan Anda yang masih terbuka:", "en": "Your open reports:"},
    "telegram.status_list_item": {
        "id": "{ticket} - {category} - {status}, batas {deadline}",
        "en": "{ticket} - {category} - {status}, due {deadline}",
    },
    "telegram.status_not_found": {
        "id": "Laporan {ticket} tidak ditemukan di antara laporan Anda.",
        "en": "Report {ticket} is not among your reports.",
    },
    "telegram.status_detail": {
        "id": ("Laporan {ticket}\nJenis: {category}\nStatus: {status}\nDinas: {agency}\n"
               "Diterima: {received}\nBatas penanganan: {deadline}{handled}"),
        "en": ("Report {ticket}\nType: {category}\nStatus: {status}\nAgency: {agency}\n"
               "Received: {received}\nHandling deadline: {deadline}{handled}"),
    },
    "telegram.status_handled_line": {"id": "\nDitangani: {at}", "en": "\nHandled: {at}"},
    "telegram.status_late": {"id": " (terlambat)", "en": " (late)"},
    "telegram.agency_pending": {"id": "sedang ditentukan", "en": "being decided"},
    "telegram.status.received": {"id": "diterima", "en": "received"},
    "telegram.status.triage": {"id": "sedang dipilah", "en": "being sorted"},
    "telegram.status.assigned": {"id": "diteruskan ke dinas", "en": "passed to the agency"},
    "telegram.status.acknowledged": {"id": "sedang ditindaklanjuti", "en": "being acted on"},
    "telegram.status.handled": {"id": "sudah ditangani", "en": "handled"},
    "telegram.status.resolved": {"id": "selesai", "en": "resolved"},
    "telegram.status.closed": {"id": "ditutup", "en": "closed"},
    "telegram.status.rejected": {"id": "ditolak", "en": "rejected"},
    "telegram.handled_confirmed": {
        "id": "Terima kasih atas konfirmasinya. Laporan {ticket} dicatat sudah ditangani.",
        "en": "Thank you for confirming. Report {ticket} is recorded as handled.",
    },
    "telegram.handled_disputed": {
        "id": "Terima kasih. Laporan {ticket} dibuka kembali dan diteruskan ke pengawas.",
        "en": "Thank you. Report {ticket} is reopened and flagged to the supervisors.",
    },
    "telegram.answer_not_possible": {
        "id": "Laporan {ticket} tidak bisa diubah lagi ({reason}).",
        "en": "Report {ticket} cannot be changed any more ({reason}).",
    },
    "telegram.link_done": {
        "id": "Akun Telegram ini terhubung ke {name} ({username}). Peringatan tugas akan dikirim ke sini.",
        "en": "This Telegram account is linked to {name} ({username}). Work alerts will be sent here.",
    },
    "telegram.link_invalid": {
        "id": "Kode tidak berlaku atau sudah kedaluwarsa. Minta kode baru kepada admin.",
        "en": "That code is invalid or has expired. Ask an administrator for a new one.",
    },
    "telegram.link_usage": {"id": "Cara pakai: /link KODE", "en": "Usage: /link CODE"},
    "telegram.ack_done": {
        "id": "Laporan {ticket} diterima oleh {name}.",
        "en": "Report {ticket} acknowledged by {name}.",
    },
    "telegram.ack_not_staff": {
        "id": "Akun Telegram ini belum terhubung ke akun petugas.",
        "en": "This Telegram account is not linked to a staff account.",
    },
    "telegram.ack_refused": {
        "id": "Laporan {ticket} tidak bisa diterima: {reason}",
        "en": "Report {ticket} could not be acknowledged: {reason}",
    },
    "telegram.button_yes": {"id": "✅ Ya, sudah", "en": "✅ Yes, it was"},
    "telegram.button_no": {"id": "❌ Belum", "en": "❌ No, it was not"},
    "telegram.button_acknowledge": {"id": "👍 Terima laporan", "en": "👍 Acknowledge"},
}
