"""The satisfaction question (SKM) and its answers, on every citizen channel. GSM-7 only for SMS."""

MESSAGES = {
    "survey.ask_digits": {
        "id": "Sigap {ticket}: seberapa puas Anda dengan penanganan laporan ini? Balas 1 Tidak puas, 2 Kurang puas, "
              "3 Puas, 4 Sangat puas. Boleh tambah komentar setelah angka. Abaikan bila tidak ingin menjawab.",
        "en": "Sigap {ticket}: how satisfied are you with how this report was handled? Reply 1 Not satisfied, "
              "2 Somewhat dissatisfied, 3 Satisfied, 4 Very satisfied. You may add a comment after the number. "
              "Ignore this if you prefer.",
    },
    "survey.ask_buttons": {
        "id": "Seberapa puas Anda dengan penanganan laporan {ticket}? Pilih salah satu. Boleh diabaikan.",
        "en": "How satisfied are you with how report {ticket} was handled? Choose one. You may ignore this.",
    },
    "survey.score.1": {"id": "1 Tidak puas", "en": "1 Not satisfied"},
    "survey.score.2": {"id": "2 Kurang puas", "en": "2 Somewhat dissatisfied"},
    "survey.score.3": {"id": "3 Puas", "en": "3 Satisfied"},
    "survey.score.4": {"id": "4 Sangat puas", "en": "4 Very satisfied"},
    "survey.thanks": {
        "id": "Terima kasih, penilaian Anda untuk {ticket} tercatat.",
        "en": "Thank you, your rating for {ticket} is recorded.",
    },
    "survey.thanks_comment_welcome": {
        "id": "Terima kasih, penilaian Anda untuk {ticket} tercatat. Jika ingin, tulis komentar singkat sekarang.",
        "en": "Thank you, your rating for {ticket} is recorded. If you like, write a short comment now.",
    },
    "survey.comment_thanks": {
        "id": "Terima kasih, komentar Anda tercatat.",
        "en": "Thank you, your comment is recorded.",
    },
    "survey.already": {
        "id": "Penilaian untuk {ticket} sudah tercatat sebelumnya.",
        "en": "A rating for {ticket} was already recorded.",
    },
}
