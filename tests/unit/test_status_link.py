"""The public status page's link on a receipt: the ticket only, the reader's language, nothing without a base URL."""
from __future__ import annotations

from app.domain.sms_parser import sms_segments
from app.domain.status_code import status_link
from app.i18n import t


def test_the_link_carries_the_ticket_and_english_only_when_asked():
    base = "https://sigap.banyuwangikab.go.id"
    assert status_link(base, "BWI-2026-000123") == f"{base}/lacak?tiket=BWI-2026-000123"
    assert status_link(base, "BWI-2026-000123", "id") == f"{base}/lacak?tiket=BWI-2026-000123"
    assert status_link(base, "BWI-2026-000123", "en") == f"{base}/lacak?tiket=BWI-2026-000123&lang=en"


def test_a_base_url_under_a_path_or_with_a_slash_keeps_its_path():
    assert status_link("https://example.go.id/sigap/", "BWI-2026-000123") == \
        "https://example.go.id/sigap/lacak?tiket=BWI-2026-000123"


def test_no_base_url_no_link():
    assert status_link(None, "BWI-2026-000123") is None
    assert status_link("", "BWI-2026-000123") is None


def test_the_longest_receipt_with_a_confidentiality_note_and_the_link_fits_three_sms_segments():
    values = {"ticket": "BWI-2026-000123", "agency": "Dinas Perumahan dan Kawasan Permukiman",
              "due": "23/11 13:00 WITA", "code": "ABCD-2345"}
    link = status_link("https://sigap.banyuwangikab.go.id", values["ticket"], "en")
    for lang in ("id", "en"):
        for key in ("core.receipt", "core.receipt_triage"):
            plain = f"{t(key, lang, **values)} {t('core.receipt_link', lang, link=link)}"
            assert sms_segments(plain) <= 2, (key, lang, len(plain))
            for told in ("rahasia", "anonim", "anonim_no_contact"):
                text = (f"{t(key, lang, **values)} {t(f'confidential.told.{told}', lang, days=7)} "
                        f"{t('core.receipt_link', lang, link=link)}")
                assert sms_segments(text) <= 3, (key, lang, told, len(text))
