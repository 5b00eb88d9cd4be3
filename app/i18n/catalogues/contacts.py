"""Texts of the contacts and duty-roster import (CSV, CLI and settings page): the problems an
operator is told about, line by line, in their language."""

MESSAGES = {
    "contacts.line": {"id": "baris {line}: {problem}", "en": "line {line}: {problem}"},
    "contacts.file_problems": {
        "id": "{file}: {count} masalah, tidak ada yang disimpan",
        "en": "{file}: {count} problem(s), nothing stored",
    },
    "contacts.more_problems": {"id": "... dan {count} masalah lain", "en": "... and {count} more"},
    "contacts.error.no_file": {"id": "tidak ada berkas di {value}", "en": "no file at {value}"},
    "contacts.error.not_utf8": {
        "id": "bukan teks UTF-8 (byte {value}); simpan sebagai CSV UTF-8",
        "en": "not UTF-8 text (byte {value}); save it as CSV UTF-8",
    },
    "contacts.error.no_rows": {"id": "tidak ada baris kontak", "en": "no contact rows"},
    "contacts.error.header": {
        "id": "baris pertama harus berisi nama kolom, minimal level dan name "
              "(level,agency,district,village,name,title,phone,telegram,channels,language,days,hours,holidays); "
              "tertulis: {value}",
        "en": "the first line must name the columns, at least level and name "
              "(level,agency,district,village,name,title,phone,telegram,channels,language,days,hours,holidays); "
              "got: {value}",
    },
    "contacts.error.unknown_column": {
        "id": "kolom '{value}' tidak dikenal", "en": "unknown column '{value}'",
    },
    "contacts.error.shape": {
        "id": "{value} sel, padahal judul kolom ada {count}", "en": "{value} cells where the header has {count}",
    },
    "contacts.error.bad_level": {
        "id": "tingkat '{value}' tidak dikenal (pakai kepala_desa, camat, piket, kepala_dinas, sekda, "
              "kantor_bupati atau pengawas)",
        "en": "unknown level '{value}' (use village_head, camat, agency_duty, agency_head, regional_secretary, "
              "regent_office or supervisor)",
    },
    "contacts.error.no_name": {"id": "nama wajib diisi (paling banyak 200 huruf)",
                               "en": "a name is needed (at most 200 characters)"},
    "contacts.error.long_title": {"id": "jabatan paling banyak 200 huruf", "en": "the title is at most 200 characters"},
    "contacts.error.need_agency": {
        "id": "tingkat {value} perlu kode dinas di kolom agency (mis. bwi-dinsos)",
        "en": "level {value} needs an agency code in the agency column (e.g. bwi-dinsos)",
    },
    "contacts.error.unknown_agency": {
        "id": "dinas '{value}' tidak ada di kabupaten ini", "en": "no agency '{value}' in this regency",
    },
    "contacts.error.need_district": {
        "id": "tingkat {value} perlu kecamatan di kolom district (kode atau nama)",
        "en": "level {value} needs a district (kecamatan) code or name in the district column",
    },
    "contacts.error.unknown_district": {
        "id": "kecamatan '{value}' tidak ada di kabupaten ini", "en": "no district '{value}' in this regency",
    },
    "contacts.error.need_village": {
        "id": "tingkat {value} perlu desa di kolom village (kode, atau nama dengan kecamatannya)",
        "en": "level {value} needs a village code (or a name with its district) in the village column",
    },
    "contacts.error.unknown_village": {
        "id": "desa '{value}' tidak ada di kabupaten ini (atau namanya ada di beberapa kecamatan: isi district)",
        "en": "no village '{value}' in this regency (or the name repeats: give its district)",
    },
    "contacts.error.bad_phone": {
        "id": "nomor '{value}' tidak sah (mis. 0812 3456 7890 atau +62 812 3456 7890)",
        "en": "'{value}' is not a valid phone number (e.g. 0812 3456 7890 or +62 812 3456 7890)",
    },
    "contacts.error.bad_telegram": {
        "id": "chat Telegram '{value}' harus berupa angka", "en": "Telegram chat '{value}' must be a number",
    },
    "contacts.error.bad_channels": {
        "id": "saluran '{value}' tidak dikenal (pakai whatsapp, sms, telegram, urut dari yang diutamakan)",
        "en": "unknown channels '{value}' (use whatsapp, sms, telegram, in order of preference)",
    },
    "contacts.error.unreachable": {
        "id": "tidak bisa dihubungi: saluran {value} perlu nomor telepon (WhatsApp/SMS) atau chat Telegram",
        "en": "unreachable: channels {value} need a phone number (WhatsApp/SMS) or a Telegram chat",
    },
    "contacts.error.bad_language": {"id": "bahasa '{value}' harus id atau en", "en": "language '{value}' must be id or en"},
    "contacts.error.bad_days": {
        "id": "hari '{value}' tidak terbaca (mis. Sen-Jum, Sabtu Minggu, atau kosong untuk setiap hari)",
        "en": "days '{value}' cannot be read (e.g. mon-fri, sat sun, or empty for every day)",
    },
    "contacts.error.bad_hours": {
        "id": "jam '{value}' tidak terbaca (mis. 08:00-16:00, atau 20:00-08:00 untuk piket malam)",
        "en": "hours '{value}' cannot be read (e.g. 08:00-16:00, or 20:00-08:00 for a night shift)",
    },
    "contacts.error.bad_holidays": {
        "id": "hari libur '{value}' harus ya, tidak atau hanya", "en": "holidays '{value}' must be yes, no or only",
    },
    "contacts.error.need_hours": {
        "id": "hari atau hari libur diisi tanpa jam piket (kolom hours)",
        "en": "days or holidays given without duty hours (the hours column)",
    },
    "contacts.error.differs": {
        "id": "orang yang sama di {value} dengan data lain (jabatan, telegram, saluran atau bahasa harus sama)",
        "en": "the same person as {value} with other details (title, telegram, channels and language must agree)",
    },
    "contacts.error.unknown_contact": {"id": "kontak {value} tidak ada", "en": "no contact {value}"},
    "contacts.error.unknown_jurisdiction": {"id": "kabupaten '{value}' tidak ada", "en": "no jurisdiction '{value}'"},
    "contacts.error.bad_time": {
        "id": "'{value}' bukan tanggal (2026-12-05) atau waktu (2026-12-05 07:00)",
        "en": "'{value}' is not a date (2026-12-05) or a time (2026-12-05 07:00)",
    },
    "contacts.error.same_contact": {
        "id": "serah terima harus ke orang lain", "en": "a handover goes to someone else",
    },
    "contacts.error.no_open_shift": {
        "id": "{value} tidak punya jadwal piket yang masih berlaku saat itu",
        "en": "{value} has no roster line still in force at that moment",
    },
}
