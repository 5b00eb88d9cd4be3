"""Citizen and staff message texts: both languages, same placeholders, short enough for SMS."""
from __future__ import annotations

import string

from app.domain.sms_parser import sms_segments
from app.i18n.catalogues.core import MESSAGES

# Long but realistic values: the longest agency name, a long village, a full ticket.
LONG = {
    "ticket": "BWI-2026-000123", "agency": "Dinas Perumahan dan Kawasan Permukiman",
    "category": "Rumah tidak layak huni", "place": "Kampunganyar", "due": "23/11 13:00 WITA",
    "ack_due": "23/11 09:30 WITA", "triage_due": "23/11 09:30 WITA", "left": 120, "late": 180,
    "what": "ditetapkan instansinya", "level": "Kantor Bupati", "official": "Ipuk Fiestiandani",
    "reason": "di luar layanan Sigap", "other": "BWI-2026-000122", "note": "x" * 80,
    "code": "ABCD-2345", "minutes": 30, "link": "https://sigap.banyuwangikab.go.id/lacak?tiket=BWI-2026-000123&lang=en",
    "who": "Camat Hadi Susilo Wicaksono",
    "jurisdiction": "Kabupaten Kepulauan Anambas", "day": "23/11/2026", "count": 120, "more": 115,
    "tickets": "BWI-2026-000123, BWI-2026-000124, BWI-2026-000125, BWI-2026-000126, BWI-2026-000127 dan 115 lainnya",
}


def placeholders(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_exists_in_indonesian_and_english_with_the_same_placeholders():
    for key, texts in MESSAGES.items():
        assert set(texts) == {"id", "en"}, key
        assert placeholders(texts["id"]) == placeholders(texts["en"]), key


def test_every_message_fits_two_sms_segments_even_with_long_names():
    for key, texts in MESSAGES.items():
        for lang, text in texts.items():
            rendered = text.format(**LONG)
            assert sms_segments(rendered) <= 2, f"{key}/{lang} is {len(rendered)} characters"


def test_an_alert_with_the_reply_hint_still_fits_two_sms_segments():
    from app.services.messaging.notifications import HINTED_TEMPLATES

    for key in HINTED_TEMPLATES:
        for lang in ("id", "en"):
            text = MESSAGES[key][lang].format(**LONG) + " " + MESSAGES["core.staff.reply_hint"][lang].format(**LONG)
            assert sms_segments(text) <= 2, f"{key}/{lang} with the hint is {len(text)} characters"
