"""Texts Open311 clients show to the people who report: service notices and rejection notes."""

MESSAGES = {
    "open311.notice": {
        "id": "{agency} wajib menanganinya paling lambat {deadline} (aturan {hours} jam).",
        "en": "{agency} must handle this by {deadline} ({hours}-hour rule).",
    },
    "open311.notice_triage": {
        "id": "Menunggu penetapan dinas; wajib ditangani paling lambat {deadline} (aturan {hours} jam).",
        "en": "Waiting for the regency to assign an agency; to be handled by {deadline} ({hours}-hour rule).",
    },
    "open311.rejected.spam": {"id": "Ditolak: spam.", "en": "Rejected: spam."},
    "open311.rejected.duplicate": {"id": "Ditolak: laporan ganda.", "en": "Rejected: duplicate report."},
    "open311.rejected.out_of_scope": {"id": "Ditolak: di luar cakupan layanan.", "en": "Rejected: out of scope."},
    "open311.group_triage": {"id": "Triase", "en": "Triage"},
}
