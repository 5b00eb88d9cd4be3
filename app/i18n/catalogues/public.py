"""Texts of the public pages (no sign-in): a citizen's status page and the regency's figures.
Indonesian first, English on request."""

MESSAGES = {
    "public.switch_language": {"id": "English", "en": "Bahasa Indonesia"},
    "public.footer": {
        "id": "Sigap: layanan laporan warga yang butuh bantuan segera.",
        "en": "Sigap: reports of citizens in urgent need.",
    },
    # The status page
    "public.track.title": {"id": "Lacak laporan Anda", "en": "Follow your report"},
    "public.track.intro": {
        "id": "Masukkan nomor tiket dan kode lacak yang tertera pada tanda terima laporan Anda (SMS, Telegram "
              "atau kertas dari loket).",
        "en": "Enter the ticket number and the tracking code printed on your report's receipt (SMS, Telegram "
              "or the paper from the counter).",
    },
    "public.track.ticket": {"id": "Nomor tiket", "en": "Ticket number"},
    "public.track.code": {"id": "Kode lacak", "en": "Tracking code"},
    "public.track.submit": {"id": "Lihat status", "en": "Show status"},
    "public.track.not_found": {
        "id": "Nomor tiket dan kode lacak tidak cocok. Periksa lagi tanda terima Anda.",
        "en": "The ticket number and tracking code do not match. Check your receipt again.",
    },
    "public.track.too_many": {
        "id": "Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi.",
        "en": "Too many attempts. Wait a while, then try again.",
    },
    "public.track.status": {"id": "Status", "en": "Status"},
    "public.track.category": {"id": "Jenis laporan", "en": "Type of report"},
    "public.track.district": {"id": "Kecamatan", "en": "District (kecamatan)"},
    "public.track.agency": {"id": "Instansi penanggung jawab", "en": "Responsible agency"},
    "public.track.agency_pending": {"id": "sedang ditentukan", "en": "being decided"},
    "public.track.received": {"id": "Diterima", "en": "Received"},
    "public.track.deadline": {"id": "Batas waktu penanganan", "en": "Handling deadline"},
    "public.track.handled": {"id": "Ditangani", "en": "Handled"},
    "public.track.late": {"id": "terlambat", "en": "late"},
    "public.track.on_time": {"id": "tepat waktu", "en": "on time"},
    "public.track.history": {"id": "Apa yang sudah dilakukan", "en": "What has been done"},
    "public.track.other": {"id": "Lacak laporan lain", "en": "Follow another report"},
    "public.track.privacy": {
        "id": "Halaman ini tidak menampilkan nama, nomor telepon, maupun cerita laporan Anda.",
        "en": "This page shows neither your name, your phone number nor what you wrote.",
    },
    "public.status.received": {"id": "Diterima", "en": "Received"},
    "public.status.triage": {"id": "Sedang dipilah petugas", "en": "Being sorted by staff"},
    "public.status.assigned": {"id": "Diteruskan ke instansi", "en": "Passed to the agency"},
    "public.status.acknowledged": {"id": "Sedang ditindaklanjuti", "en": "Being acted on"},
    "public.status.handled": {"id": "Sudah ditangani", "en": "Handled"},
    "public.status.resolved": {"id": "Selesai", "en": "Resolved"},
    "public.status.closed": {"id": "Ditutup", "en": "Closed"},
    "public.status.rejected": {"id": "Tidak dapat diproses", "en": "Not taken up"},
    "public.step.received": {"id": "Laporan diterima", "en": "Report received"},
    "public.step.routed": {"id": "Diteruskan ke {agency}", "en": "Passed to {agency}"},
    "public.step.assigned": {"id": "Diteruskan ke {agency}", "en": "Passed to {agency}"},
    "public.step.transferred": {"id": "Dialihkan ke {agency}", "en": "Transferred to {agency}"},
    "public.step.acknowledged": {"id": "Diterima petugas", "en": "Taken up by an officer"},
    "public.step.handled": {"id": "Ditangani: {note}", "en": "Handled: {note}"},
    "public.step.resolved": {"id": "Dinyatakan selesai", "en": "Marked resolved"},
    "public.step.reopened": {"id": "Dibuka kembali (pelapor: belum ditangani)", "en": "Reopened (reporter: not handled)"},
    "public.step.rejected": {"id": "Tidak dapat diproses: {reason}", "en": "Not taken up: {reason}"},
    "public.step.closed": {"id": "Ditutup", "en": "Closed"},
    # The counter form's confirmation: the code for the paper receipt
    "public.counter_code": {
        "id": "Kode lacak untuk tanda terima warga: {code} (bersama nomor tiket {ticket}, di halaman /lacak). "
              "Kode ini hanya ditampilkan sekali.",
        "en": "Tracking code for the citizen's receipt: {code} (with ticket {ticket}, on the /lacak page). "
              "It is shown this once only.",
    },
}

MESSAGES.update({
    # The public figures page
    "public.figures.title": {"id": "Angka layanan laporan warga {jurisdiction}", "en": "Citizen report figures, {jurisdiction}"},
    "public.figures.intro": {
        "id": "Laporan warga yang tidak bisa makan, anak putus sekolah, rumah tidak layak huni, lansia sebatang kara "
              "dan warga yang tidak bisa berobat wajib ditangani instansi dalam batas waktu. Berikut jumlah laporan, "
              "bagian yang ditangani tepat waktu menurut aturan yang berlaku saat laporan diterima, waktu penanganan "
              "(median) dan kepuasan warga, per bulan.",
        "en": "Reports of people who cannot eat, children out of school, houses unfit to live in, elderly people "
              "living alone and people who cannot get medical care must be handled by the responsible agency within a "
              "deadline. Here are the number of reports, the share handled on time under the rule in force when each "
              "was received, the median time to handling and citizens' satisfaction, by month.",
    },
    "public.figures.privacy": {
        "id": "Hanya angka gabungan: tanpa nama, nomor, cerita atau lokasi lebih rinci dari kecamatan. Angka dari "
              "kurang dari {n} laporan tidak ditampilkan (tanda -). Bulan dihitung dari batas waktu penanganan.",
        "en": "Aggregates only: no names, numbers, descriptions or places finer than the kecamatan. Figures over "
              "fewer than {n} reports are withheld (shown as -). A month is that of the handling deadline.",
    },
    "public.figures.year": {"id": "Tahun", "en": "Year"},
    "public.figures.month": {"id": "Bulan", "en": "Month"},
    "public.figures.show": {"id": "Tampilkan", "en": "Show"},
    "public.figures.by_month": {"id": "Seluruh kabupaten per bulan", "en": "The whole regency by month"},
    "public.figures.by_agency": {"id": "Per instansi, {month}", "en": "By agency, {month}"},
    "public.figures.by_district": {"id": "Per kecamatan, {month}", "en": "By kecamatan, {month}"},
    "public.figures.agency": {"id": "Instansi", "en": "Agency"},
    "public.figures.district": {"id": "Kecamatan", "en": "Kecamatan"},
    "public.figures.reports": {"id": "Laporan", "en": "Reports"},
    "public.figures.on_time": {"id": "Tepat waktu", "en": "On time"},
    "public.figures.median": {"id": "Median penanganan", "en": "Median to handling"},
    "public.figures.satisfaction": {"id": "Kepuasan (1-4)", "en": "Satisfaction (1-4)"},
    "public.figures.response": {"id": "Yang menjawab survei", "en": "Survey answered"},
    "public.figures.too_few": {"id": "terlalu sedikit", "en": "too few"},
    "public.figures.minutes": {"id": "{n} menit", "en": "{n} min"},
    "public.figures.no_agency": {"id": "belum ditetapkan", "en": "not yet assigned"},
    "public.figures.unknown_district": {"id": "tidak diketahui", "en": "unknown"},
    "public.figures.nothing": {"id": "Belum ada laporan pada bulan ini.", "en": "No reports this month."},
    "public.figures.rules": {"id": "Aturan batas waktu", "en": "The deadline rule"},
    "public.figures.rule_line": {
        "id": "Sejak {since}: ditangani dalam {hours} jam{category}",
        "en": "From {since}: handled within {hours} hours{category}",
    },
    "public.figures.rule_category": {"id": " (khusus {category})", "en": " ({category} only)"},
    "public.figures.open_data": {"id": "Data terbuka", "en": "Open data"},
    "public.figures.track": {"id": "Lacak laporan Anda", "en": "Follow your report"},
})
