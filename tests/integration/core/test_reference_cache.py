"""The per-process reference cache never lets intake use a routing rule, village, policy or staff
address that has changed: not in the transaction that changed it, not after another session,
another process or someone in psql commits a change (however it is written), and nothing of a
rolled-back change stays. What changes nothing the cache holds (signing in and out) costs it
nothing, and a warm API intake reads the versions in its token check and no reference row."""
import re
import sqlite3
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import delete, event, select, text, update
from sqlalchemy.engine import make_url

from app.models import Agency, Category, District, OutboxMessage, RoutingRule, User, Village
from app.models.reference import SHARED_SCOPE, ReferenceVersion
from app.services import intake
from app.services.access import accounts, web_auth
from app.services.reference import cache as reference_cache
from tests.conftest import BACKEND, PG_URL

COMPLAINT = dict(jurisdiction="banyuwangi", category="hunger", village="Kemiren",
                 description="Nenek tinggal sendiri, tidak makan sejak kemarin")
READS_REFERENCE = re.compile(r"\b(?:FROM|JOIN)\s+\"?(?:" + "|".join(sorted(reference_cache.REFERENCE_TABLES))
                             + r")\b", re.IGNORECASE)


def _glagah_rule(session, agency_code="bwi-dinkes") -> RoutingRule:
    kemiren = session.scalar(select(Village).where(Village.name == "Kemiren"))
    district = session.get(District, kemiren.district_id)
    rule = RoutingRule(jurisdiction_id=district.jurisdiction_id, district_id=district.id,
                       category_id=session.scalar(select(Category.id).where(Category.code == "hunger")),
                       agency_id=session.scalar(select(Agency.id).where(Agency.code == agency_code)))
    session.add(rule)
    return rule


@contextmanager
def another_process(committed_sessionmaker, database_url):
    """A DB-API connection of its own, as psql or another Sigap process has: none of this
    process's engines, pools or event hooks see what it does."""
    if BACKEND == "postgresql":
        with committed_sessionmaker() as session:
            schema = session.scalar(text("SELECT current_schema()"))
        with psycopg.connect(PG_URL) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            yield conn
    else:
        conn = sqlite3.connect(make_url(database_url).database)
        try:
            yield conn
        finally:
            conn.close()


@contextmanager
def statements(engine):
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


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


def test_a_change_committed_by_another_process_applies_to_its_next_complaint_without_any_message(
        committed_sessionmaker, clock, database_url):
    with committed_sessionmaker() as reader:
        assert intake.submit(reader, clock.now(), **COMPLAINT).agency.code == "bwi-dinsos"
    with another_process(committed_sessionmaker, database_url) as other:  # no NOTIFY, nothing but the commit
        rule_id = other.execute(
            "INSERT INTO routing_rules (jurisdiction_id, category_id, district_id, agency_id) "
            "SELECT d.jurisdiction_id, c.id, d.id, a.id FROM villages v JOIN districts d ON d.id = v.district_id, "
            "categories c, agencies a WHERE v.name = 'Kemiren' AND c.code = 'hunger' AND a.code = 'bwi-dinkes' "
            "RETURNING id").fetchone()[0]
        other.commit()
    try:
        with committed_sessionmaker() as reader:
            assert intake.submit(reader, clock.now(), **COMPLAINT).agency.code == "bwi-dinkes"
    finally:
        with committed_sessionmaker() as admin:
            admin.execute(delete(RoutingRule).where(RoutingRule.id == rule_id))
            admin.commit()


def test_a_village_renamed_by_hand_in_psql_is_found_by_its_new_name_on_the_next_request(
        committed_sessionmaker, clock, database_url):
    with committed_sessionmaker() as reader:
        intake.submit(reader, clock.now(), **COMPLAINT)
    with another_process(committed_sessionmaker, database_url) as psql:
        psql.execute("UPDATE villages SET name = 'Kemiren Baru' WHERE name = 'Kemiren'")
        psql.commit()
    try:
        with committed_sessionmaker() as reader:
            complaint = intake.submit(reader, clock.now(), **{**COMPLAINT, "village": "kemiren baru"})
            assert complaint.village.name == "Kemiren Baru"
    finally:
        with committed_sessionmaker() as admin:
            admin.execute(update(Village).where(Village.name == "Kemiren Baru").values(name="Kemiren"))
            admin.commit()


def test_a_rule_changed_by_a_with_update_statement_routes_the_next_complaint(committed_sessionmaker, clock):
    with committed_sessionmaker() as reader:
        assert intake.submit(reader, clock.now(), **COMPLAINT).agency.code == "bwi-dinsos"
    with committed_sessionmaker() as admin:
        rule = admin.scalar(select(RoutingRule).join(Agency, Agency.id == RoutingRule.agency_id)
                            .where(Agency.code == "bwi-dinsos", RoutingRule.district_id.is_(None),
                                   RoutingRule.category_id == select(Category.id).where(Category.code == "hunger")
                                   .scalar_subquery()))
        rule_id, dinsos_id = rule.id, rule.agency_id
        admin.execute(text("WITH dinkes AS (SELECT id FROM agencies WHERE code = 'bwi-dinkes') "
                           "UPDATE routing_rules SET agency_id = (SELECT id FROM dinkes) WHERE id = :id"),
                      {"id": rule_id})
        admin.commit()
    try:
        with committed_sessionmaker() as reader:
            assert intake.submit(reader, clock.now(), **COMPLAINT).agency.code == "bwi-dinkes"
    finally:
        with committed_sessionmaker() as admin:
            admin.execute(update(RoutingRule).where(RoutingRule.id == rule_id).values(agency_id=dinsos_id))
            admin.commit()


def test_an_officers_telegram_chat_set_in_psql_gets_the_next_complaints_alert(committed_sessionmaker, clock,
                                                                                database_url):
    with committed_sessionmaker() as reader:
        intake.submit(reader, clock.now(), **COMPLAINT)  # the dinsos audience is cached: nobody reachable
    with another_process(committed_sessionmaker, database_url) as psql:
        psql.execute("UPDATE users SET telegram_chat_id = 700100999 WHERE username = 'officer.dinsos'")
        psql.commit()
    try:
        with committed_sessionmaker() as reader:
            complaint = intake.submit(reader, clock.now(), **COMPLAINT)
            alerts = reader.scalars(select(OutboxMessage.recipient).where(
                OutboxMessage.complaint_id == complaint.id, OutboxMessage.template == "core.staff.new")).all()
        assert alerts == ["700100999"]
    finally:
        with committed_sessionmaker() as admin:
            admin.execute(update(User).where(User.username == "officer.dinsos").values(telegram_chat_id=None))
            admin.commit()


def test_a_village_renamed_in_the_transaction_is_found_by_its_new_name(session, clock):
    intake.submit(session, clock.now(), **COMPLAINT)
    kemiren = session.scalar(select(Village).where(Village.name == "Kemiren"))
    kemiren.name = "Kemiren Baru"
    complaint = intake.submit(session, clock.now(), **{**COMPLAINT, "village": "kemiren baru"})
    assert complaint.village.code == kemiren.code


def test_a_failed_sign_in_and_a_sign_out_leave_every_cached_row_in_place(committed_sessionmaker, engine, clock):
    with committed_sessionmaker() as reader:
        intake.submit(reader, clock.now(), **COMPLAINT)
    with committed_sessionmaker() as web:
        assert web_auth.sign_in(web, clock.now(), "supervisor", "not the password", "203.0.113.9").outcome == "invalid"
        web_auth.sign_out(web, clock.now(), web.scalar(select(User.id).where(User.username == "supervisor")))
    with committed_sessionmaker() as reader, statements(engine) as seen:
        assert intake.submit(reader, clock.now(), **COMPLAINT).agency.code == "bwi-dinsos"
    assert [s for s in seen if READS_REFERENCE.search(s)] == []


def test_a_warm_api_intake_reads_the_versions_in_its_token_check_and_no_reference_row(committed_app, engine,
                                                                                       clock):
    with committed_app.extensions["sigap"].sessionmaker() as session:
        _token, secret = accounts.create_token(session, clock.now(), role="supervisor",
                                               jurisdiction_code="banyuwangi", name="cache test")
        session.commit()
    client = committed_app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    body = {**COMPLAINT, "reporter": {"name": "Siti", "phone": "081234567890"}}
    assert client.post("/api/v1/complaints", json=body, headers=headers).status_code == 201
    with statements(engine) as seen:
        assert client.post("/api/v1/complaints", json=body, headers=headers).status_code == 201
    [token_check] = [s for s in seen if "reference_versions" in s]
    assert "api_tokens" in token_check
    assert [s for s in seen if s is not token_check and READS_REFERENCE.search(s)] == []


# table -> (an UPDATE that changes a row of it, the scope that row belongs to)
CHANGES = {
    "jurisdictions": ("UPDATE jurisdictions SET name = name || '.' WHERE code = 'banyuwangi'", SHARED_SCOPE),
    "categories": ("UPDATE categories SET name_en = name_en || '.' WHERE code = 'hunger'", SHARED_SCOPE),
    "users": ("UPDATE users SET phone = '+6281200000001' WHERE username = 'officer.dinsos'", SHARED_SCOPE),
    "districts": ("UPDATE districts SET name = name || '.' WHERE id = {district}", "bwi"),
    "villages": ("UPDATE villages SET name = name || '.' WHERE name = 'Kemiren'", "bwi"),
    "sla_policies": ("UPDATE sla_policies SET note = 'x' WHERE jurisdiction_id = {bwi}", "bwi"),
    "routing_rules": ("UPDATE routing_rules SET agency_id = agency_id WHERE jurisdiction_id = {bwi}", "bwi"),
    "agencies": ("UPDATE agencies SET duty_phone = '+6281200000002' WHERE code = 'bwi-dinsos'", "bwi"),
    "escalation_contacts": ("INSERT INTO escalation_contacts (jurisdiction_id, level, name, language, active, "
                            "created_at) VALUES ({bwi}, 'camat', 'Camat', 'id', true, '2026-11-23 02:00:00')",
                            "bwi"),
    "duty_shifts": ("INSERT INTO duty_shifts (jurisdiction_id, contact_id, days, start_local, minutes, holidays, "
                    "valid_from, created_at) SELECT jurisdiction_id, id, '0123456', '20:00', 720, 'include', "
                    "'2026-11-23 02:00:00', '2026-11-23 02:00:00' FROM escalation_contacts "
                    "WHERE jurisdiction_id = {bwi} ORDER BY id LIMIT 1", "bwi"),
}


@pytest.mark.parametrize("table", sorted(CHANGES))
def test_every_reference_table_moves_its_scopes_version_when_a_row_changes(session, table):
    """Whatever writes it: a migration that recreates a table without its triggers fails here."""
    kemiren = session.scalar(select(Village).where(Village.name == "Kemiren"))
    bwi = session.get(District, kemiren.district_id).jurisdiction_id
    sql, scope = CHANGES[table]
    scope = bwi if scope == "bwi" else scope

    def version():
        return session.scalar(select(ReferenceVersion.version).where(ReferenceVersion.scope == scope))

    if table == "duty_shifts":  # a roster line needs its contact
        session.connection().exec_driver_sql(CHANGES["escalation_contacts"][0].format(bwi=bwi))
    before = version()
    session.connection().exec_driver_sql(sql.format(bwi=bwi, district=kemiren.district_id))
    assert version() != before


def test_signing_out_or_a_new_password_hash_moves_no_version(session):
    before = session.execute(select(ReferenceVersion.scope, ReferenceVersion.version)).all()
    session.connection().exec_driver_sql(
        "UPDATE users SET session_version = session_version + 1, password_hash = 'argon2-other' "
        "WHERE username = 'supervisor'")
    assert session.execute(select(ReferenceVersion.scope, ReferenceVersion.version)).all() == before
