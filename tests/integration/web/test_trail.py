"""A complaint's audit trail and SLA timeline read as sentences in the reader's language, with the
stored record one click away, and a handled complaint's reminders still ahead read as cancelled."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.models import User
from app.services.sla import escalation


def _visible(html: str) -> str:
    """The page's text as read, without the stored records folded away in <details>."""
    html = re.sub(r"<details.*?</details>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _trail(html: str) -> str:
    return html[html.index('id="h-trail"'):]


def test_the_trail_is_sentences_with_names_local_times_and_durations(browser, session, make_complaint, clock):
    for username, phone in (("officer.dinsos", "+6281230000001"), ("head.dinsos", "+6281230000002")):
        session.scalar(select(User).where(User.username == username)).phone = phone
    complaint = make_complaint(minutes_ago=0, village="Kemiren")
    start = clock.now()
    for minutes in (16, 121, 182, 241):  # the acknowledge reminder, the handle reminder, a warning 2 min late, the breach
        clock.set(start + timedelta(minutes=minutes))
        escalation.run_due_steps(session, clock.now())
    session.commit()
    browser.sign_in("supervisor")
    html = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    text = " ".join(_visible(_trail(html)).split())
    assert "Laporan diterima lewat Loket pengaduan dari" in text or "Laporan diterima lewat" in text
    assert "Disalurkan ke Dinas Sosial" in text
    assert re.search(r"Peringatan sebelum batas penanganan dikirim ke [^.]+ \(Kepala Dinas\) lewat SMS", text)
    assert "(dikirim terlambat 2 mnt: penjadwal sedang menyusul)" in text
    assert re.search(r"Batas penanganan \(\d+ \w+ 2026 13:00 WIB\) terlewat\.", text)
    for code in ("late_seconds", "nobody_reachable", "bwi-dinsos", "reporter:", "h.warn", "regional_secretary",
                 "user:", "step:"):
        assert code not in text, code
    # The stored record, as the hash chain covers it, one click away.
    raw = _trail(html)
    assert "<summary>Catatan asli</summary>" in raw and "late_seconds" in raw and "&#34;hash&#34;" in raw
    timeline = " ".join(_visible(html[html.index('id="h-timeline"'):html.index('id="h-trail"')]).split())
    assert "Batas penanganan terlewat" in timeline and "Kepala Dinas" in timeline


def test_the_trail_reads_in_english_for_an_english_reader(browser, session, make_complaint):
    complaint = make_complaint(minutes_ago=0)
    browser.sign_in("supervisor")
    browser.post("/language", {"lang": "en", "next": "/dashboard"})
    text = " ".join(_visible(_trail(browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True))).split())
    assert "Routed to Dinas Sosial" in text and "by the routing rules." in text


def test_a_handled_complaints_reminders_still_ahead_read_as_cancelled(browser, make_complaint, clock):
    complaint = make_complaint(minutes_ago=100)  # reminders at 120 and 180 min are still ahead
    browser.sign_in("officer.dinsos")
    browser.post(f"/complaints/{complaint.ticket}/actions", {"action": "handle", "note": "Beras diantar ke rumah"})
    html = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    timeline = html[html.index('id="h-timeline"'):html.index('id="h-trail"')]
    items = re.findall(r'<li class="tl-(\w+)[^"]*"( data-cancelled="1")?', timeline)
    assert {key for key, cancelled in items if cancelled} == {"reminder_0", "reminder_1"}
    assert "dibatalkan: waktu sudah berhenti" in timeline and "menunggu" not in timeline
    text = " ".join(_visible(_trail(html)).split())
    assert re.search(r"mencatat penanganan, 2 j 20 mnt sebelum batas waktu\.", text)
