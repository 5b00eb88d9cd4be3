"""What a citizen is told about a confidential (rahasia) or anonymous (anonim) report: the choice
offered while reporting, and what it means, on the receipt."""

MESSAGES = {
    "confidential.told.rahasia": {
        "id": ("Laporan RAHASIA: nama dan nomor Anda tidak ditampilkan kepada petugas dinas, hanya kepada "
               "supervisor. Kabar laporan tetap dikirim ke Anda."),
        "en": ("CONFIDENTIAL report: your name and number are not shown to the agency's officers, only to "
               "supervisors. You still receive updates on your report."),
    },
    "confidential.told.anonim": {
        "id": ("Laporan ANONIM: tidak ada petugas yang melihat nama atau nomor Anda. Nomor ini dipakai hanya "
               "untuk kabar laporan ini dan dilepas dari laporan {days} hari setelah laporan ditutup."),
        "en": ("ANONYMOUS report: no officer sees your name or number. This number is used only for updates "
               "on this report and is detached from it {days} days after the report is closed."),
    },
    "confidential.told.anonim_no_contact": {
        "id": ("Laporan ANONIM: Sigap tidak menyimpan nama atau nomor Anda. Ikuti laporan di halaman status "
               "dengan nomor tiket dan kode lacak."),
        "en": ("ANONYMOUS report: Sigap keeps neither your name nor your number. Follow the report on the "
               "status page with the ticket and the tracking code."),
    },
    "telegram.privacy_choices": {
        "id": ("Cara mengirim:\n"
               "✅ Kirim: laporan biasa.\n"
               "🔒 Rahasia: nama dan nomor Anda tidak ditampilkan ke dinas, hanya ke supervisor; kabar tetap "
               "dikirim ke Anda.\n"
               "👤 Anonim: tidak ada petugas yang tahu siapa Anda; chat ini dipakai hanya untuk kabar laporan ini "
               "dan dilepas dari laporan {days} hari setelah ditutup."),
        "en": ("How to send:\n"
               "✅ Send: an ordinary report.\n"
               "🔒 Confidential: your name and number are hidden from the agency, shown to supervisors only; "
               "you still get updates.\n"
               "👤 Anonymous: no officer knows who you are; this chat is used only for updates on this report "
               "and is detached from it {days} days after it is closed."),
    },
    "telegram.send_rahasia_button": {"id": "🔒 Kirim rahasia", "en": "🔒 Send confidentially"},
    "telegram.send_anonim_button": {"id": "👤 Kirim anonim", "en": "👤 Send anonymously"},
}
