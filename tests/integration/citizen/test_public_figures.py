"""The public figures: per agency and kecamatan by month, small counts withheld, nothing personal."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.domain.actor import Actor
from app.models import Complaint, User
from app.models.satisfaction import SatisfactionSurvey
from app.services import intake, lifecycle
from app.services.reporting import public_figures
from app.services.sla import policies


@pytest.fixture(autouse=True)
def _fresh_cache():
    public_figures.forget_cache()
    yield
    public_figures.forget_cache()


def officer(session, username="officer.dinsos") -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.agency.jurisdiction_id, name=user.name)


def report(session, clock, n, *, district="Glagah", village="Kemiren", handle_after=None, phone=None):
    complaint = intake.submit(
        session, clock.now(), jurisdiction="banyuwangi", category="hunger",
        description=f"Nenek Warsini ke-{n} di belakang masjid tidak makan", village=village, district=district,
        address=f"Jl. Melati Gg. {n} RT 02", reporter={"name": f"Siti Rahayu {n}", "phone": phone or f"+62812777{n:05d}"},
        channel="counter")
    if handle_after is not None:
        clock.advance(handle_after)
        lifecycle.handle(session, clock.now(), complaint.ticket, officer(session), note=f"Beras diantar ke Bu Warsini {n}")
        clock.set(clock.now() - handle_after)
    return complaint


def test_figures_count_per_agency_and_kecamatan_and_withhold_small_counts(client, session, clock):
    for n in range(6):  # Glagah: 5 on time, 1 late
        report(session, clock, n, handle_after=timedelta(hours=1 if n < 5 else 5))
    for n in range(6, 9):  # Giri: only 3, withheld
        report(session, clock, n, district="Giri", village=None, handle_after=timedelta(hours=2))
    clock.advance(timedelta(hours=6))
    data = client.get("/publik/banyuwangi/data.json").get_json()
    november = next(c for c in data["total"] if c["month"] == "2026-11")
    assert november["reports"] == 9
    assert november["handled_within_rule"] == {"share": round(8 / 9, 4), "of": 9, "too_few_to_judge": True}
    assert november["median_minutes_to_handling"] == 60.0  # 5 x 60, 3 x 120, 1 x 300
    dinsos = next(a for a in data["agencies"] if a["code"] == "bwi-dinsos")
    assert dinsos["months"][0]["reports"] == 9
    glagah = next(d for d in data["districts"] if d["name"] == "Glagah")["months"][0]
    giri = next(d for d in data["districts"] if d["name"] == "Giri")["months"][0]
    assert glagah["reports"] == 6 and glagah["handled_within_rule"]["share"] == round(5 / 6, 4)
    assert giri["reports"] is None and giri["handled_within_rule"]["share"] is None
    assert giri["median_minutes_to_handling"] is None
    assert [r["handle_minutes"] for r in data["rules"] if r["category"] is None] == [240]
    assert data["suppressed_below"] == 5


def test_the_rule_history_shows_the_switch_to_two_hours(client, session, clock):
    policies.set_target(session, clock.now(), jurisdiction_code="banyuwangi", handle_minutes=120,
                        effective_from=datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc))
    data = client.get("/publik/banyuwangi/data.json").get_json()
    defaults = [r for r in data["rules"] if r["category"] is None]
    assert [r["handle_minutes"] for r in defaults] == [240, 120]
    assert data["handle_target_minutes_by_month"]["2026-11"] == [240, 120]
    assert data["handle_target_minutes_by_month"]["2026-12"] == [120]
    page = client.get("/publik/banyuwangi").get_data(as_text=True)
    assert "ditangani dalam 4 jam" in page and "ditangani dalam 2 jam" in page
    assert "26 Nov 2026 00:00 WIB" in page


def test_satisfaction_stands_beside_the_on_time_share_with_its_response_rate(client, session, clock):
    complaints = [report(session, clock, n, handle_after=timedelta(hours=1)) for n in range(7)]
    for n, complaint in enumerate(complaints):
        session.add(SatisfactionSurvey(complaint_id=complaint.id, reporter_id=complaint.reporter_id, channel="sms",
                                       asked_because="confirmed", asked_at=clock.now(), state="done",
                                       score=(4, 3, 3, 2, 4, None, None)[n],
                                       answered_at=clock.now() if n < 5 else None))
    session.commit()
    cell = client.get("/publik/banyuwangi/data.json").get_json()["total"][10]
    assert cell["month"] == "2026-11"
    sat = cell["satisfaction"]
    assert sat["asked"] == 7 and sat["answered"] == 5 and sat["mean_score"] == 3.2
    assert sat["response_rate"]["share"] == round(5 / 7, 4) and sat["response_rate"]["too_few_to_judge"]
    assert sat["satisfied_share"]["share"] == 0.8


def test_no_field_of_a_complaint_leaks_into_the_public_figures(client, session, clock):
    made = [report(session, clock, n, handle_after=timedelta(hours=1), phone=f"+6281355500{n:03d}")
            for n in range(6)]
    clock.advance(timedelta(hours=2))
    answers = [client.get(path) for path in ("/publik/banyuwangi/data.json", "/publik/banyuwangi/data.csv",
                                             "/publik/banyuwangi", "/publik/banyuwangi?lang=en")]
    assert all(a.status_code == 200 for a in answers)
    published = "\n".join(a.get_data(as_text=True) for a in answers)
    for complaint in made:
        row = session.execute(select(Complaint.__table__).where(Complaint.id == complaint.id)).one()._mapping
        # every stored column that holds text or a time of its own (ids and flags are plain small numbers)
        for column, value in row.items():
            if value is None or isinstance(value, (bool, int, float)):
                continue
            text = value.isoformat()[:16] if isinstance(value, datetime) else str(value)
            if column in ("channel", "status", "handle_evidence", "sla_fired", "sla_last_step", "next_step"):
                continue  # words of the product's vocabulary, not facts of this complaint
            assert text not in published, f"{column} ({text}) is published"
        for name, value in {"village": complaint.village.name, "reporter name": complaint.reporter.name,
                            "phone": complaint.reporter.phone[3:], "handling note": "Beras diantar"}.items():
            assert value not in published, f"{name} ({value}) is published"
    # the CSV is the same figures in rows
    rows = list(csv.DictReader(io.StringIO(answers[1].get_data(as_text=True))))
    assert {r["level"] for r in rows} == {"regency", "agency", "kecamatan"}
    assert next(r for r in rows if r["level"] == "kecamatan")["name"] == "Glagah"


def test_public_figures_are_open_cacheable_and_rate_limited(app, session, clock):
    report(session, clock, 1)
    client = app.test_client()
    answer = client.get("/publik/banyuwangi/data.json")
    assert answer.headers["Cache-Control"] == "public, max-age=300"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in answer.headers
    assert client.get("/publik/nowhere/data.json").status_code == 404
    assert client.get("/publik/banyuwangi/data.json?year=1999").status_code == 422
    assert client.get("/publik/banyuwangi?year=abc").status_code == 422
    statuses = [client.get("/publik/banyuwangi/data.csv").status_code for _ in range(121)]
    assert statuses[-1] == 429


def test_visitors_read_the_stored_snapshot_that_the_scheduler_refreshes(client, session, clock):
    report(session, clock, 1)
    first = client.get("/publik/banyuwangi/data.json").get_json()  # none stored yet: computed once, stored
    for n in range(2, 7):
        report(session, clock, n)
    clock.advance(timedelta(seconds=public_figures.CACHE_SECONDS + 1))
    assert client.get("/publik/banyuwangi/data.json").get_json() == first  # the stored snapshot, not a recount
    assert public_figures.refresh_due(session, clock.now()) == 1  # Sabu Raijua: never stored yet
    assert public_figures.refresh_due(session, clock.now()) == 0  # neither is due now
    clock.advance(timedelta(seconds=public_figures.REFRESH_SECONDS))
    assert public_figures.refresh_due(session, clock.now()) == 2  # both regencies' current year
    clock.advance(timedelta(seconds=public_figures.CACHE_SECONDS + 1))
    later = client.get("/publik/banyuwangi/data.json").get_json()
    assert later["generated_at"] != first["generated_at"]
    assert next(c for c in later["total"] if c["month"] == "2026-11")["reports"] == 6


def test_the_page_is_indonesian_first(client, session, clock):
    page = client.get("/publik/banyuwangi").get_data(as_text=True)
    assert '<html lang="id">' in page and "Angka layanan laporan warga" in page
    english = client.get("/publik/banyuwangi?lang=en").get_data(as_text=True)
    assert "Citizen report figures" in english
