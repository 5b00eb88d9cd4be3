"""The counter form's coordinates arrive as text, as a form sends them: kept inside the regency,
refused outside it (issue 13)."""
from sqlalchemy import select

from app.models import Complaint

FORM = {"jurisdiction": "banyuwangi", "channel": "counter", "received_date": "2026-11-23", "received_time": "08:30",
        "category": "hunger", "district": "35.10.17"}


def test_counter_coordinates_are_text_inside_the_regency_and_refused_outside(browser, session):
    browser.sign_in("officer.dinsos")
    response = browser.post("/intake", {**FORM, "description": "Di luar wilayah", "lat": "-6.2", "lon": "106.8"})
    assert response.status_code == 422
    assert "di luar Kabupaten Banyuwangi" in response.get_data(as_text=True)
    assert session.scalar(select(Complaint.id).where(Complaint.description == "Di luar wilayah")) is None

    response = browser.post("/intake", {**FORM, "description": "Di dalam wilayah", "lat": "-8.2", "lon": "114.3"})
    assert response.status_code == 303
    complaint = session.scalar(select(Complaint).where(Complaint.description == "Di dalam wilayah"))
    assert (complaint.lat, complaint.lon) == (-8.2, 114.3)
