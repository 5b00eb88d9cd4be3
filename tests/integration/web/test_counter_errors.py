"""The counter form says everything that is wrong at once, in the staff member's language, and offers
the villages (or districts) it may have meant as buttons that fill the field (issue 17, item 7)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.models import Complaint

FORM = {"jurisdiction": "banyuwangi", "channel": "counter", "received_date": "2026-11-23", "received_time": "08:50",
        "category": "hunger", "description": "Nenek Sarmi tidak makan sejak kemarin", "district": "35.10.17"}


def _errors(html: str) -> dict[str, str]:
    return {name: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
            for name, text in re.findall(r'<div class="field-error" id="err-([\w.]+)"><p>(.*?)</p>', html, re.S)}


def test_every_problem_is_shown_at_once_in_indonesian(browser, session):
    browser.sign_in("officer.dinsos")
    before = session.scalar(select(func.count()).select_from(Complaint))
    response = browser.post("/intake", {**FORM, "category": "", "description": " ", "district": "",
                                        "village": "Kemirn", "reporter_phone": "+1 900 234 5678",
                                        "received_time": "10:30"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = _errors(html)
    assert set(errors) == {"category", "description", "village", "reporter_phone", "received_at"}
    assert errors["category"] == "Pilih kategori."
    assert "tidak ada desa" in errors["village"].lower()
    assert "bukan nomor ponsel Indonesia" in errors["reporter_phone"]
    assert "masa depan" in errors["received_at"]
    # The summary at the top lists all five, each linking to its field.
    summary = html.split('data-error-summary', 1)[1].split("</div>", 1)[0]
    assert summary.count("<li>") == 5 and 'href="#reporter_phone"' in summary
    shown = " ".join(errors.values()) + re.sub(r"<[^>]+>", " ", summary)
    for english in ("Choose", "village", "not a valid", "mobile number", "future", "did you mean"):
        assert english not in shown
    assert session.scalar(select(func.count()).select_from(Complaint)) == before


def test_a_misspelt_village_offers_the_near_names_as_buttons_that_fill_it(browser, session):
    browser.sign_in("officer.dinsos")
    response = browser.post("/intake", {**FORM, "district": "", "village": "Kemirn"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    chips = re.findall(r'<button type="submit" class="chip" name="fill" value="([^"]+)"[^>]*>([^<]+)</button>', html)
    assert chips, html
    value, label = chips[0]
    assert label.startswith("Kemiren (") and value.startswith("village=Kemiren|district=35.10.")
    assert "Mungkin maksud Anda:" in html
    # Without JavaScript the button sends the form back filled in, recording nothing.
    filled = browser.post("/intake", {**FORM, "district": "", "village": "Kemirn", "fill": value})
    page = filled.get_data(as_text=True)
    assert filled.status_code == 200 and 'value="Kemiren"' in page and "err-village" not in page
    district = value.split("district=")[1]
    assert re.search(rf'<option value="{re.escape(district)}" selected>', page)
    # Sent again as filled, it is recorded in that village.
    recorded = browser.post("/intake", {**FORM, "village": "Kemiren", "district": district})
    assert recorded.status_code == 303
    ticket = recorded.headers["Location"].rsplit("/", 1)[1]
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    assert complaint.village.name == "Kemiren"


def test_a_village_in_another_district_is_named_with_the_district_it_is_in(browser):
    browser.sign_in("officer.dinsos")
    response = browser.post("/intake", {**FORM, "district": "35.10.17", "village": "Kemiren"})
    html = response.get_data(as_text=True)
    errors = _errors(html)
    assert response.status_code == 422 and "tidak berada di" in errors["village"]
    assert re.search(r'data-fill-village="Kemiren" data-fill-district="35\.10\.\d+">Kemiren \(', html)


def test_an_english_reader_gets_the_same_problems_in_english(browser):
    browser.sign_in("officer.dinsos")
    browser.post("/language", {"lang": "en", "next": "/intake"})
    response = browser.post("/intake", {**FORM, "category": "", "village": "Kemirn", "district": ""})
    errors = _errors(response.get_data(as_text=True))
    assert errors["category"] == "Choose the category."
    assert errors["village"].startswith("There is no village")
    assert "Did you mean:" in response.get_data(as_text=True)
