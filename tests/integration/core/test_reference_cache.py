"""The per-process reference cache never lets intake use a routing rule, village or policy that has
changed: not in the transaction that changed it, not after another session commits a change,
not after another process does (PostgreSQL: NOTIFY), and nothing of a rolled-back change stays."""
import psycopg
from sqlalchemy import delete, select, text

from app.models import Agency, Category, District, RoutingRule, Village
from app.services import intake
from app.services.reference import cache as reference_cache
from tests.conftest import PG_URL, requires_postgresql

COMPLAINT = dict(jurisdiction="banyuwangi", category="hunger", village="Kemiren",
                 description="Nenek tinggal sendiri, tidak makan sejak kemarin")


def _glagah_rule(session, agency_code="bwi-dinkes") -> RoutingRule:
    kemiren = session.scalar(select(Village).where(Village.name == "Kemiren"))
    district = session.get(District, kemiren.district_id)
    rule = RoutingRule(jurisdiction_id=district.jurisdiction_id, district_id=district.id,
                       category_id=session.scalar(select(Category.id).where(Category.code == "hunger")),
                       agency_id=session.scalar(select(Agency.id).where(Agency.code == agency_code)))
    session.add(rule)
    return rule


def test_a_rule_added_in_the_same_transaction_routes_the_next_complaint_and_goes_with_its_rollback(
        session, clock):
    assert intake.submit(session, clock.now(), **COMPLAINT).agency.code == "bwi-dinsos"  # fills the cache
    rule = _glagah_rule(session)
    session.flush()
    known = reference_cache.places(session, rule.jurisdiction_id)
    assert known.agencies[known.route(rule.category_id, rule.district_id).id].code == "bwi-dinkes"
    session.rollback()  # the rule's savepoint
    assert intake.submit(session, clock.now(), **COMPLAINT).agency.code == "bwi-dinsos"
    _glagah_rule(session)
    session.flush()
    assert intake.submit(session, clock.now(), **COMPLAINT).agency.code == "bwi-dinkes"


def test_a_change_committed_by_another_session_applies_to_the_next_complaint(committed_sessionmaker, clock):
    with committed_sessionmaker() as reader:
        assert intake.submit(reader, clock.now(), **COMPLAINT).agency.code == "bwi-dinsos"
    with committed_sessionmaker() as admin:
        rule = _glagah_rule(admin)
        admin.commit()
        rule_id = rule.id
    try:
        with committed_sessionmaker() as reader:
            assert intake.submit(reader, clock.now(), **COMPLAINT).agency.code == "bwi-dinkes"
    finally:
        with committed_sessionmaker() as admin:
            admin.execute(delete(RoutingRule).where(RoutingRule.id == rule_id))
            admin.commit()
    with committed_sessionmaker() as reader:
        assert intake.submit(reader, clock.now(), **COMPLAINT).agency.code == "bwi-dinsos"


@requires_postgresql()
def test_a_change_committed_by_another_process_applies_to_the_next_complaint(committed_sessionmaker, clock,
                                                                              database_url):
    with committed_sessionmaker() as reader:
        assert intake.submit(reader, clock.now(), **COMPLAINT).agency.code == "bwi-dinsos"
        schema = reader.scalar(text("SELECT current_schema()"))
    before = reference_cache.generation()
    # Another Sigap process: its own connection (not this process's engine), the same commit and NOTIFY.
    with psycopg.connect(PG_URL) as other:
        other.execute(f'SET search_path TO "{schema}"')
        rule_id = other.execute(
            "INSERT INTO routing_rules (jurisdiction_id, category_id, district_id, agency_id) "
            "SELECT d.jurisdiction_id, c.id, d.id, a.id FROM villages v JOIN districts d ON d.id = v.district_id, "
            "categories c, agencies a WHERE v.name = 'Kemiren' AND c.code = 'hunger' AND a.code = 'bwi-dinkes' "
            "RETURNING id").fetchone()[0]
        other.execute(f"NOTIFY {reference_cache.CHANNEL}")
        other.commit()
    try:
        with committed_sessionmaker() as reader:
            assert intake.submit(reader, clock.now(), **COMPLAINT).agency.code == "bwi-dinkes"
        assert reference_cache.generation() > before
    finally:
        with committed_sessionmaker() as admin:
            admin.execute(delete(RoutingRule).where(RoutingRule.id == rule_id))
            admin.commit()


def test_a_village_renamed_in_the_transaction_is_found_by_its_new_name(session, clock):
    intake.submit(session, clock.now(), **COMPLAINT)
    kemiren = session.scalar(select(Village).where(Village.name == "Kemiren"))
    kemiren.name = "Kemiren Baru"
    complaint = intake.submit(session, clock.now(), **{**COMPLAINT, "village": "kemiren baru"})
    assert complaint.village.code == kemiren.code
