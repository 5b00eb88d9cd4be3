"""The demo seed: what it creates, and that running it again changes nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from app.models import Agency, Category, District, Jurisdiction, RoutingRule, SlaPolicy, User, Village
from app.services.access import accounts
from app.services.demo import seed

MODELS = (Jurisdiction, District, Village, Agency, Category, RoutingRule, SlaPolicy, User)


def _counts(session) -> dict[str, int]:
    return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in MODELS}


def _by_code(session, model, code):
    return session.scalar(select(model).where(model.code == code))


def test_seeding_twice_changes_nothing(session, settings, clock):
    before = _counts(session)
    result = seed.seed_demo(session, clock.now(), settings.gazetteer_dir)
    assert not result.changed
    assert result.summary() == "demo data already present: nothing to do"
    assert _counts(session) == before


def test_the_seed_creates_both_jurisdictions_with_their_time_zones(session):
    banyuwangi, sabu = _by_code(session, Jurisdiction, "banyuwangi"), _by_code(session, Jurisdiction, "sabu_raijua")
    assert (banyuwangi.ticket_prefix, banyuwangi.timezone, banyuwangi.regency_code) == ("BWI", "Asia/Jakarta", "35.10")
    assert (sabu.ticket_prefix, sabu.timezone, sabu.regency_code) == ("SRJ", "Asia/Makassar", "53.20")
    assert len(banyuwangi.districts) == 25 and len(sabu.districts) == 6


def test_categories_have_both_languages_and_their_sms_keywords(session):
    keywords = {c.code: c.keywords for c in session.scalars(select(Category))}
    assert keywords == {
        "hunger": ["MAKAN", "LAPAR", "HUNGER"], "school_dropout": ["SEKOLAH", "SCHOOL"],
        "uninhabitable_house": ["RUMAH", "HOUSE"], "lone_elderly": ["LANSIA", "ELDERLY"],
        "medical_care": ["BEROBAT", "SAKIT", "MEDICAL"],
    }
    hunger = _by_code(session, Category, "hunger")
    assert (hunger.name("id"), hunger.name("en")) == ("Tidak bisa makan", "Cannot eat")
    assert all(c.private for c in session.scalars(select(Category)))


def test_each_agency_with_a_head_account_points_to_it(session):
    for suffix in ("dinsos", "dispendik", "disperkim", "dinkes"):
        agency = _by_code(session, Agency, f"bwi-{suffix}")
        head = session.scalar(select(User).where(User.username == f"head.{suffix}"))
        assert agency.head_user_id == head.id and head.agency_id == agency.id and head.role == "agency_head"
        assert agency.head_name == head.name and agency.head_title.startswith("Kepala Dinas")
    srj = _by_code(session, Agency, "srj-dinsos")
    assert srj.head_user.username == "head.srj-dinsos"
    assert _by_code(session, Agency, "bwi-dinsos").name == "Dinas Sosial"
    regent = _by_code(session, Agency, "bwi-bupati")
    assert regent.is_supervisor and regent.head_title == "Bupati Banyuwangi"
    assert _by_code(session, Agency, "srj-bupati").is_supervisor


def test_routing_sends_each_category_to_its_agency_except_medical_care_in_sabu_raijua(session):
    rules = {(r.category.code, r.agency.code) for r in session.scalars(select(RoutingRule))}
    assert rules == {
        ("hunger", "bwi-dinsos"), ("lone_elderly", "bwi-dinsos"), ("school_dropout", "bwi-dispendik"),
        ("uninhabitable_house", "bwi-disperkim"), ("medical_care", "bwi-dinkes"),
        ("hunger", "srj-dinsos"), ("lone_elderly", "srj-dinsos"), ("school_dropout", "srj-dispendik"),
        ("uninhabitable_house", "srj-disperkim"),
    }


def test_the_four_hour_policy_starts_at_local_midnight_on_new_year_2026(session):
    for code, offset in (("banyuwangi", 7), ("sabu_raijua", 8)):
        jurisdiction = _by_code(session, Jurisdiction, code)
        (policy,) = session.scalars(select(SlaPolicy).where(SlaPolicy.jurisdiction_id == jurisdiction.id))
        assert policy.category_id is None
        assert policy.effective_from == datetime(2026, 1, 1, tzinfo=timezone.utc) - timedelta(hours=offset)
        assert (policy.acknowledge_minutes, policy.handle_minutes, policy.triage_minutes) == (30, 240, 30)
        assert policy.reminder_fractions == [0.5, 0.75] and policy.repeat_minutes == 60
        assert [step["level"] for step in policy.escalation_ladder] == [
            "village_head", "camat", "agency_head", "regional_secretary", "regent_office"]
        assert policy.calendar == "24x7" and not policy.evidence_photo and not policy.evidence_location


def test_every_demo_user_signs_in_with_the_demo_password(session):
    users = {u.username: u for u in session.scalars(select(User))}
    assert {name for name, *_ in seed.USERS} <= set(users)
    assert {u.role for u in users.values()} >= {"officer", "agency_head", "supervisor", "official", "admin", "partner"}
    assert users["supervisor"].jurisdiction_id == _by_code(session, Jurisdiction, "banyuwangi").id
    assert users["officer.srj-dinsos"].agency.code == "srj-dinsos"
    assert users["officer.dinkes"].jurisdiction_id == users["officer.dinkes"].agency.jurisdiction_id
    assert accounts.verify_password(users["officer.dinsos"].password_hash, "sigap-demo-2026")
    assert not accounts.verify_password(users["officer.dinsos"].password_hash, "wrong-password")
    assert users["admin"].password_hash.startswith("$argon2")


def test_a_deleted_demo_user_is_recreated_and_nothing_else(session, settings, clock):
    session.delete(session.scalar(select(User).where(User.username == "official")))
    session.flush()
    result = seed.seed_demo(session, clock.now(), settings.gazetteer_dir)
    assert result.created == {"users": 1}
    assert session.scalar(select(User).where(User.username == "official")).role == "official"
