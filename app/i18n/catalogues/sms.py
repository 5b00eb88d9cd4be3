"""Replies of the SMS/WhatsApp text protocol. GSM-7 characters only, each fits one or two SMS segments."""

MESSAGES = {
    "sms.help": {
        "id": "Sigap: lapor warga yang butuh bantuan segera. Kirim: LAPOR MAKAN <desa>: <kejadian>. "
              "Kata kunci: MAKAN, SEKOLAH, RUMAH, LANSIA, BEROBAT. Atau kirim LAPOR saja untuk menu. "
              "Cek: STATUS <tiket>. Berhenti: STOP",
        "en": "Sigap: report someone in urgent need. Send: REPORT HUNGER <village>: <what happened>. "
              "Keywords: HUNGER, SCHOOL, HOUSE, ELDERLY, MEDICAL. Or send REPORT alone for a menu. "
              "Check: STATUS <ticket>. Stop: STOP",
    },
    "sms.unknown": {
        "id": "Maaf, pesan tidak dikenali. Kirim LAPOR untuk melapor, STATUS <tiket> untuk cek, BANTUAN untuk petunjuk.",
        "en": "Sorry, we did not understand. Send REPORT to report, STATUS <ticket> to check, HELP for instructions.",
    },
    "sms.unreadable": {
        "id": "Maaf, tulis dengan huruf biasa (Latin). Kirim BANTUAN untuk petunjuk. / Please write in Latin letters. Send HELP.",
        "en": "Sorry, please write in Latin letters. Send HELP for instructions.",
    },
    "sms.media_only": {
        "id": "Foto diterima, tetapi belum ada laporan Anda. Kirim laporan dalam bentuk teks (boleh dengan foto): LAPOR",
        "en": "Photo received, but you have no report yet. Send your report as text (a photo may come with it): REPORT",
    },
    "sms.staff_ok": {
        "id": "Sigap {ticket}: terima kasih, tanggapan Anda atas peringatan ini dicatat.",
        "en": "Sigap {ticket}: thank you, your answer to this alert is recorded.",
    },
    "sms.photo_added": {
        "id": "Foto ditambahkan ke laporan {ticket}.",
        "en": "Photo added to report {ticket}.",
    },
    "sms.photo_kept": {
        "id": "Foto disimpan untuk laporan ini. Lanjutkan menjawab pertanyaan sebelumnya.",
        "en": "Photo kept for this report. Go on answering the last question.",
    },
    "sms.photo_refused": {
        "id": "Foto untuk {ticket} tidak bisa disimpan (hanya foto JPEG, PNG atau WebP sampai 8 MB). Laporan tetap tercatat.",
        "en": "The photo for {ticket} could not be kept (JPEG, PNG or WebP photos up to 8 MB only). The report stands.",
    },
    "sms.location_matched": {
        "id": "Lokasi: desa {village}, kec. {district}.",
        "en": "Location: {village} village, {district} district.",
    },
    "sms.location_outside": {
        "id": "Lokasi yang dibagikan tidak berada di {jurisdiction}. Balas dengan nama desa.",
        "en": "The shared location is not in {jurisdiction}. Reply with the village name.",
    },
    "sms.menu": {
        "id": "Pilih jenis laporan, balas angka:\n1 Tidak bisa makan\n2 Anak tidak bisa sekolah\n"
              "3 Rumah tidak layak huni\n4 Lansia sebatang kara\n5 Tidak bisa berobat\nBATAL untuk batal",
        "en": "Choose the kind of report, reply with a number:\n1 Cannot eat\n2 Child cannot go to school\n"
              "3 House unfit to live in\n4 Elderly living alone\n5 Cannot get medical care\nCANCEL to stop",
    },
    "sms.ask_village": {
        "id": "Di desa/kelurahan mana? Balas dengan nama desa.",
        "en": "In which village? Reply with the village name.",
    },
    "sms.village_not_found": {
        "id": "Desa \"{text}\" tidak ditemukan di {jurisdiction}. Balas nama desa yang benar.",
        "en": "Village \"{text}\" was not found in {jurisdiction}. Reply with the right village name.",
    },
    "sms.did_you_mean": {
        "id": "Desa \"{text}\" tidak ditemukan. Maksud Anda: {options}? Balas angka atau nama desa.",
        "en": "Village \"{text}\" not found. Did you mean: {options}? Reply with a number or the village name.",
    },
    "sms.ask_description": {
        "id": "Ceritakan singkat apa yang terjadi (siapa, kondisinya).",
        "en": "Tell us briefly what happened (who, their situation).",
    },
    "sms.received": {
        "id": "Laporan diterima. Tiket {ticket}. {routing} Batas penanganan {due}. Cek: STATUS {ticket}. Kode lacak web: {code}",
        "en": "Report received. Ticket {ticket}. {routing} To be handled by {due}. Check: STATUS {ticket}. Web tracking code: {code}",
    },
    "sms.routed": {
        "id": "Diteruskan ke {agency}.",
        "en": "Sent to {agency}.",
    },
    "sms.triaged": {
        "id": "Sedang diperiksa petugas.",
        "en": "Being reviewed by staff.",
    },
    "sms.submit_failed": {
        "id": "Maaf, pesan Anda belum bisa diproses. Kirim ulang sebentar lagi, atau BATAL.",
        "en": "Sorry, we could not process your message. Send it again in a moment, or CANCEL.",
    },
    "sms.cancelled": {
        "id": "Laporan dibatalkan. Kirim LAPOR untuk mulai lagi.",
        "en": "Report cancelled. Send REPORT to start again.",
    },
    "sms.nothing_to_cancel": {
        "id": "Tidak ada laporan yang sedang diisi. Kirim LAPOR untuk melapor.",
        "en": "No report in progress. Send REPORT to report.",
    },
    "sms.status": {
        "id": "{ticket} ({category}, {place}): {status}. Diterima {received}.",
        "en": "{ticket} ({category}, {place}): {status}. Received {received}.",
    },
    "sms.status_not_found": {
        "id": "Tiket {ticket} tidak ditemukan untuk nomor ini.",
        "en": "Ticket {ticket} was not found for this number.",
    },
    "sms.status_none": {
        "id": "Belum ada laporan dari nomor ini. Kirim LAPOR untuk melapor.",
        "en": "No reports from this number yet. Send REPORT to report.",
    },
    "sms.status_name.received": {"id": "diterima", "en": "received"},
    "sms.status_name.triage": {"id": "sedang diperiksa petugas", "en": "being reviewed"},
    "sms.status_name.assigned": {"id": "diteruskan ke {agency}", "en": "sent to {agency}"},
    "sms.status_name.acknowledged": {"id": "sedang ditindaklanjuti {agency}", "en": "being acted on by {agency}"},
    "sms.status_name.handled": {"id": "sudah ditangani {when}", "en": "handled {when}"},
    "sms.status_name.resolved": {"id": "selesai", "en": "resolved"},
    "sms.status_name.closed": {"id": "ditutup", "en": "closed"},
    "sms.status_name.rejected": {"id": "ditolak", "en": "rejected"},
    "sms.confirm_thanks": {
        "id": "Terima kasih, konfirmasi untuk {ticket} dicatat.",
        "en": "Thank you, your confirmation for {ticket} is recorded.",
    },
    "sms.reopened": {
        "id": "Maaf. Laporan {ticket} dibuka kembali dan petugas diminta datang lagi.",
        "en": "Sorry. Report {ticket} is reopened and staff are asked to come again.",
    },
    "sms.nothing_to_confirm": {
        "id": "Tidak ada laporan yang menunggu jawaban YA/TIDAK dari nomor ini.",
        "en": "No report from this number is waiting for a YES/NO answer.",
    },
    "sms.opted_out": {
        "id": "Anda tidak akan menerima pesan Sigap lagi. Kirim START untuk mulai lagi.",
        "en": "You will get no more messages from Sigap. Send START to start again.",
    },
    "sms.opted_in": {
        "id": "Selamat datang kembali di Sigap. Kirim LAPOR untuk melapor, BANTUAN untuk petunjuk.",
        "en": "Welcome back to Sigap. Send REPORT to report, HELP for instructions.",
    },
    "sms.rate_limited": {
        "id": "Terlalu banyak pesan dari nomor ini. Tunggu beberapa menit lalu kirim lagi.",
        "en": "Too many messages from this number. Wait a few minutes, then send again.",
    },
    "sms.complaint_limit": {
        "id": "Batas laporan dari nomor ini tercapai untuk saat ini. Coba lagi dalam 1 jam.",
        "en": "This number has reached its report limit for now. Try again in an hour.",
    },
    # The /demo/citizen page (supervisors and admins, console mode outside production).
    "sms.demo.title": {"id": "Coba sebagai warga (SMS/WhatsApp)", "en": "Try it as a citizen (SMS/WhatsApp)"},
    "sms.demo.intro": {
        "id": "Ketik pesan seperti warga lewat SMS atau WhatsApp. Balasan Sigap muncul di bawah; laporan yang "
              "dibuat nyata dan tampil di dasbor.",
        "en": "Type messages as a citizen would by SMS or WhatsApp. Sigap's replies appear below; reports "
              "created are real and show on the dashboard.",
    },
    "sms.demo.player": {
        "id": "Anda bermain sebagai warga fiktif bernomor {phone} (nomor bebas pulsa 0800: bukan HP siapa pun). "
              "Nomor ini milik akun Anda saja.",
        "en": "You play a fictional citizen numbered {phone} (a toll-free 0800 number: nobody's phone). "
              "This number belongs to your account only.",
    },
    "sms.demo.style": {"id": "Kirim lewat", "en": "Send by"},
    "sms.demo.message": {"id": "Pesan", "en": "Message"},
    "sms.demo.send": {"id": "Kirim", "en": "Send"},
    "sms.demo.conversation": {"id": "Percakapan", "en": "Conversation"},
    "sms.demo.empty": {"id": "Belum ada pesan dari nomor ini.", "en": "No messages from this number yet."},
    "sms.demo.outbox": {"id": "Pesan keluar ke nomor ini (mode konsol)", "en": "Outgoing messages to this number (console mode)"},
    "sms.demo.outbox_empty": {"id": "Belum ada pesan keluar.", "en": "No outgoing messages yet."},
    "sms.staff_verified": {"id": "Nomor ini terverifikasi. Peringatan Sigap akan dikirim ke sini. Balas STOP untuk berhenti.",
                           "en": "This number is verified. Sigap's alerts will come here. Reply STOP to stop them."},
    "sms.staff_wrong_code": {"id": "Kode salah atau sudah kedaluwarsa. Minta kode baru kepada operator Sigap.",
                             "en": "Wrong or expired code. Ask the Sigap operator for a new one."},
    # Staff answering an alert by reply (app/services/conversations/alert_replies.py)
    "sms.alert.acknowledged": {
        "id": "Sigap {ticket}: diterima atas nama {name} ({agency}). Tercatat di jejak laporan. Tangani sebelum {due}.",
        "en": "Sigap {ticket}: acknowledged as {name} ({agency}). Recorded in the report's trail. Handle by {due}.",
    },
    "sms.alert.already": {
        "id": "Sigap {ticket}: sudah diterima sebelumnya; tanggapan Anda ({name}) dicatat. Status: {status}.",
        "en": "Sigap {ticket}: already acknowledged; your answer ({name}) is recorded. Status: {status}.",
    },
    "sms.alert.seen": {
        "id": "Sigap {ticket}: tercatat {name} sudah melihat peringatan ini. Penerimaan laporan tetap tugas {agency}.",
        "en": "Sigap {ticket}: recorded that {name} has seen this alert. Acknowledging it remains the job of {agency}.",
    },
    "sms.alert.bad_code": {
        "id": "Sigap: kode \"{code}\" tidak dikenal. Balas 1 untuk menerima peringatan terakhir, atau OK diikuti nomor tiket, mis. OK BWI-2026-000123. Tidak ada yang berubah.",
        "en": "Sigap: code \"{code}\" not recognised. Reply 1 to acknowledge the last alert, or OK and the ticket, e.g. OK BWI-2026-000123. Nothing changed.",
    },
    "sms.alert.unknown_ticket": {
        "id": "Sigap: tiket {ticket} tidak ditemukan. Periksa nomor tiket pada peringatan, mis. OK BWI-2026-000123. Tidak ada yang berubah.",
        "en": "Sigap: ticket {ticket} was not found. Check the ticket in the alert, e.g. OK BWI-2026-000123. Nothing changed.",
    },
    "sms.alert.not_yours": {
        "id": "Sigap: laporan {ticket} bukan tanggung jawab Anda ({name}), jadi tidak bisa Anda terima. Tidak ada yang berubah.",
        "en": "Sigap: report {ticket} is not yours ({name}) to acknowledge. Nothing changed.",
    },
    "sms.alert.no_alert": {
        "id": "Sigap: belum ada peringatan untuk nomor ini. Untuk menerima laporan, balas OK diikuti nomor tiket, mis. OK BWI-2026-000123.",
        "en": "Sigap: no alert was sent to this number yet. To acknowledge a report, reply OK and its ticket, e.g. OK BWI-2026-000123.",
    },
    "sms.alert.stranger": {
        "id": "Sigap: nomor ini tidak terdaftar sebagai petugas, jadi balasan untuk {ticket} tidak dicatat. Tidak ada yang berubah. Untuk melapor, kirim LAPOR.",
        "en": "Sigap: this number is not registered as staff, so the answer about {ticket} is not recorded. Nothing changed. To report, send REPORT.",
    },
    "sms.alert.closed": {
        "id": "Sigap {ticket}: laporan ini sudah {status}; tanggapan Anda ({name}) dicatat, tidak ada yang perlu diterima.",
        "en": "Sigap {ticket}: this report is already {status}; your answer ({name}) is recorded, nothing is left to acknowledge.",
    },
}
