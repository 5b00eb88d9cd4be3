"""Rejecting closes a citizen's report: it takes a chosen reason, a note and a confirmation, on the
complaint page and in triage alike, and nothing typed is lost on the way."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.models import Event


def test_the_reject_form_preselects_no_reason_and_asks_for_a_note(browser, make_complaint):
    complaint = make_complaint(minutes_ago=5)
    browser.sign_in("supervisor")
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    form = page[page.index('data-action="reject"'):]
    form = form[:form.index("</form>")]
    assert re.search(r'<select id="reject-reason" name="reason" required[^>]*>\s*<option value="">Pilih alasan</option>',
                     form)
    assert "selected" not in form
    assert re.search(r'<textarea id="reject-note" name="note"[^>]* required', form)


def test_reject_without_reason_or_note_changes_nothing_and_says_what_is_missing(browser, make_complaint, session):
    complaint = make_complaint(minutes_ago=5)
    browser.sign_in("supervisor")
    response = browser.post(f"/complaints/{complaint.ticket}/actions",
                            {"action": "reject", "reason": "", "note": "", "duplicate_of": "", "confirmed": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Pilih alasan penolakan." in page and "Tulis alasan penolakan" in page  # all at once
    session.expire_all()
    assert complaint.status == "assigned"


def test_reject_asks_for_confirmation_then_records_the_reason_and_note(browser, make_complaint, session):
    complaint = make_complaint(minutes_ago=5, description="Lansia tinggal sendiri di Kemiren")
    browser.sign_in("supervisor")
    fields = {"action": "reject", "reason": "out_of_scope", "note": "Sudah ditangani Dinas Kesehatan"}
    confirm = browser.post(f"/complaints/{complaint.ticket}/actions", fields)
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "data-reject-warning" in page
    assert "Lansia tinggal sendiri di Kemiren" in page and "Sudah ditangani Dinas Kesehatan" in page
    assert 'name="confirmed" value="1"' in page and '<option value="out_of_scope" selected>' in page
    session.expire_all()
    assert complaint.status == "assigned"  # nothing happened yet
    done = browser.post(f"/complaints/{complaint.ticket}/actions", {**fields, "confirmed": "1"})
    assert done.status_code == 303
    session.expire_all()
    assert (complaint.status, complaint.reject_reason) == ("rejected", "out_of_scope")
    event = session.scalar(select(Event).where(Event.complaint_id == complaint.id, Event.kind == "rejected"))
    assert event.note == "Sudah ditangani Dinas Kesehatan"


def test_triage_rejects_only_through_the_same_confirmation(browser, make_complaint, session):
    waiting = make_complaint(minutes_ago=10, jurisdiction="sabu_raijua", category="medical_care", district="Sabu Barat")
    browser.sign_in("supervisor.srj")
    page = browser.get("/triage").get_data(as_text=True)
    assert '<option value="">Pilih alasan</option>' in page and f'id="note-{waiting.ticket}"' in page
    confirm = browser.post(f"/complaints/{waiting.ticket}/actions",
                           {"action": "reject", "reason": "spam", "note": "Pesan iklan", "back": "triage"})
    assert confirm.status_code == 200 and 'name="back" value="triage"' in confirm.get_data(as_text=True)
    done = browser.post(f"/complaints/{waiting.ticket}/actions", {"action": "reject", "reason": "spam",
                        "note": "Pesan iklan", "back": "triage", "confirmed": "1"})
    assert done.headers["Location"].endswith("/triage")
    session.expire_all()
    assert waiting.status == "rejected"
