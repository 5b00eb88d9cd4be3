"""Messages of the complaint core and the SLA engine: citizen receipts and updates, staff alerts.

Plain GSM-7 text (no curly quotes or dashes) so that most fit one or two SMS segments."""

MESSAGES = {
    # To the citizen
    "core.receipt": {
        "id": "Sigap: laporan Anda diterima, nomor {ticket}. {agency} wajib menangani paling lambat {due}. Cek: STATUS {ticket}. Kode lacak web: {code}",
        "en": "Sigap: report received, ticket {ticket}. {agency} must act by {due}. Check: STATUS {ticket}. Web tracking code: {code}",
    },
    "core.receipt_triage": {
        "id": "Sigap: laporan Anda diterima, nomor {ticket}. Sedang diteruskan ke instansi yang tepat; batas penanganan {due}. Cek: STATUS {ticket}. Kode lacak web: {code}",
        "en": "Sigap: report received, ticket {ticket}. It is being passed to the right office; deadline {due}. Check: STATUS {ticket}. Web tracking code: {code}",
    },
    # After a receipt (and what a confidentiality choice means): the public status page, ticket filled in.
    "core.receipt_link": {
        "id": "Lacak di web: {link}",
        "en": "Track it online: {link}",
    },
    "core.acknowledged": {
        "id": "Sigap {ticket}: laporan Anda sudah diterima petugas {agency} dan sedang ditindaklanjuti.",
        "en": "Sigap {ticket}: {agency} has taken up your report and is acting on it.",
    },
    "core.transferred": {
        "id": "Sigap {ticket}: laporan Anda dialihkan ke {agency}. Batas waktu tetap {due}.",
        "en": "Sigap {ticket}: your report was passed to {agency}. The deadline stays {due}.",
    },
    "core.handled": {
        "id": "Sigap {ticket}: {agency} menyatakan sudah menangani: {note}. Benar sudah ditangani? Balas YA atau TIDAK",
        "en": "Sigap {ticket}: {agency} says it acted: {note}. Was it really handled? Reply YES or NO",
    },
    "core.resolved": {
        "id": "Sigap {ticket}: laporan Anda dinyatakan selesai. Terima kasih. Belum selesai? Balas TIDAK",
        "en": "Sigap {ticket}: your report is marked resolved. Thank you. Not resolved? Reply NO",
    },
    "core.reopened": {
        "id": "Sigap {ticket}: laporan Anda dibuka kembali dan dikembalikan ke {agency}. Kami terus memantau.",
        "en": "Sigap {ticket}: your report is reopened and back with {agency}. We keep watching it.",
    },
    "core.rejected": {
        "id": "Sigap {ticket}: laporan tidak dapat diproses: {reason}.",
        "en": "Sigap {ticket}: the report cannot be taken up: {reason}.",
    },
    "core.reason.spam": {"id": "bukan laporan yang sah", "en": "not a genuine report"},
    "core.reason.duplicate": {"id": "sama dengan laporan {other}", "en": "same as report {other}"},
    "core.reason.out_of_scope": {"id": "di luar layanan Sigap", "en": "outside what Sigap handles"},
    "core.late": {
        "id": "Sigap {ticket}: maaf, laporan Anda belum ditangani dalam batas waktu ({due}). Keterlambatan ini dicatat atas nama {agency}; kami terus memantau.",
        "en": "Sigap {ticket}: sorry, your report was not handled by the deadline ({due}). The delay is recorded against {agency}; we keep watching it.",
    },
    # To staff
    "core.staff.new": {
        "id": "Sigap: laporan baru {ticket} ({category}, {place}). Terima sebelum {ack_due}, tangani sebelum {due}.",
        "en": "Sigap: new report {ticket} ({category}, {place}). Acknowledge by {ack_due}, handle by {due}.",
    },
    "core.staff.assigned": {
        "id": "Sigap: {ticket} ({category}, {place}) ditugaskan kepada Anda. Batas penanganan {due}.",
        "en": "Sigap: {ticket} ({category}, {place}) is assigned to you. Handle by {due}.",
    },
    "core.staff.triage": {
        "id": "Sigap TRIASE: {ticket} ({category}, {place}) belum punya instansi. Tetapkan sebelum {triage_due}.",
        "en": "Sigap TRIAGE: {ticket} ({category}, {place}) has no agency yet. Assign it by {triage_due}.",
    },
    "core.staff.reopened": {
        "id": "Sigap: pelapor menyatakan {ticket} ({category}, {place}) BELUM ditangani. Laporan dibuka kembali.",
        "en": "Sigap: the citizen says {ticket} ({category}, {place}) was NOT handled. It is reopened.",
    },
    "core.staff.nudged": {
        "id": "Sigap: {who} menanyakan {ticket} ({category}, {place}) di {agency}. Batas penanganan {due}. Catatan: {note}",
        "en": "Sigap: {who} is asking about {ticket} ({category}, {place}) at {agency}. Handle by {due}. Note: {note}",
    },
    "core.staff.remind": {
        "id": "Sigap PENGINGAT: {ticket} ({category}, {place}) belum {what}. Batas {due}, sisa {left} menit.",
        "en": "Sigap REMINDER: {ticket} ({category}, {place}) not yet {what}. Due {due}, {left} min left.",
    },
    "core.staff.warn": {
        "id": "Sigap PERINGATAN: {ticket} ({category}, {place}) di {agency} belum {what}. Batas {due}, sisa {left} menit.",
        "en": "Sigap WARNING: {ticket} ({category}, {place}) at {agency} not yet {what}. Due {due}, {left} min left.",
    },
    "core.staff.breach": {
        "id": "Sigap PELANGGARAN: {ticket} ({category}, {place}) di {agency} belum {what} sampai batas {due}. Tercatat atas {official}.",
        "en": "Sigap BREACH: {ticket} ({category}, {place}) at {agency} not {what} by the deadline {due}. Recorded against {official}.",
    },
    "core.staff.escalate": {
        "id": "Sigap ESKALASI ke {level}: {ticket} ({category}, {place}) di {agency} belum {what}, terlambat {late} menit dari batas {due}.",
        "en": "Sigap ESCALATION to {level}: {ticket} ({category}, {place}) at {agency} not yet {what}, {late} min past the deadline {due}.",
    },
    "core.staff.triage_remind": {
        "id": "Sigap TRIASE: {ticket} ({category}, {place}) belum punya instansi. Batas {due}, sisa {left} menit.",
        "en": "Sigap TRIAGE: {ticket} ({category}, {place}) still has no agency. Due {due}, {left} min left.",
    },
    "core.staff.triage_breach": {
        "id": "Sigap TRIASE TERLAMBAT: {ticket} ({category}, {place}) melewati batas triase {due} tanpa instansi.",
        "en": "Sigap TRIAGE LATE: {ticket} ({category}, {place}) passed its triage deadline {due} with no agency.",
    },
    "core.what.acknowledge": {"id": "diterima petugas", "en": "acknowledged"},
    "core.what.handle": {"id": "ditangani", "en": "handled"},
    "core.what.triage": {"id": "ditetapkan instansinya", "en": "given an agency"},
    "core.level.village_head": {"id": "Kepala Desa", "en": "village head"},
    "core.level.camat": {"id": "Camat", "en": "camat"},
    "core.level.agency_head": {"id": "Kepala Dinas", "en": "agency head"},
    "core.level.regional_secretary": {"id": "Sekda", "en": "regional secretary"},
    "core.level.regent_office": {"id": "Kantor Bupati", "en": "regent's office"},
    "core.level.supervisors": {"id": "pengawas", "en": "supervisors"},
    "core.no_agency": {"id": "instansi belum ditetapkan", "en": "no agency yet"},
    "core.no_official": {"id": "pejabat belum ditetapkan", "en": "no named official"},
    "core.unknown_place": {"id": "lokasi tidak disebut", "en": "place not given"},
    "core.staff.verify_code": {
        "id": "Kode verifikasi Sigap Anda: {code}. Balas pesan ini dengan kode tersebut dalam {minutes} menit agar peringatan Sigap dikirim ke nomor ini.",
        "en": "Your Sigap verification code: {code}. Reply to this message with the code within {minutes} minutes so that Sigap's alerts come to this number.",
    },
    # Appended to staff alerts on SMS/WhatsApp: how to acknowledge by reply (Telegram has its button).
    "core.staff.reply_hint": {
        "id": "Balas 1 untuk menerima, atau OK {ticket}.",
        "en": "Reply 1 to acknowledge, or OK {ticket}.",
    },
    "core.staff.daily_summary": {
        "id": "Sigap {jurisdiction} {day}: {count} laporan masih terbuka melewati batas waktu. {tickets}",
        "en": "Sigap {jurisdiction} {day}: {count} reports still open past their deadline. {tickets}",
    },
    "core.staff.daily_summary_more": {"id": "dan {more} lainnya", "en": "and {more} more"},
}
