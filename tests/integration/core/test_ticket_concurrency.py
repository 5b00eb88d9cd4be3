"""Concurrent submissions on PostgreSQL get distinct, consecutive ticket numbers."""
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import ApiToken
from app.services.access import accounts
from tests.conftest import requires_postgresql

BODY = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon",
        "description": "Anak yatim tidak makan", "reporter": {"phone": "081234567890"}}


def post_concurrently(committed_app, engine, clock, body: dict, times: int, workers: int) -> list:
    """(status, JSON) of `times` API reports of `body`, `workers` at a time, under a partner token made
    for the purpose and removed after."""
    with Session(engine) as session:
        token, secret = accounts.create_token(session, clock.now(), role="partner", name="concurrency test")
        session.commit()
        token_id = token.id
    try:
        def post(_):
            with committed_app.test_client() as client:
                r = client.post("/api/v1/complaints", json=body, headers={"Authorization": f"Bearer {secret}"})
                return r.status_code, r.json

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(post, range(times)))
    finally:
        with Session(engine) as session:
            session.execute(delete(ApiToken).where(ApiToken.id == token_id))
            session.commit()


@requires_postgresql()
def test_fifty_concurrent_api_submissions_get_fifty_consecutive_tickets(committed_app, engine, clock):
    results = post_concurrently(committed_app, engine, clock, BODY, 50, 25)
    assert [status for status, _ in results] == [201] * 50, [b for s, b in results if s != 201][:3]
    numbers = sorted(int(body["ticket"].rsplit("-", 1)[1]) for _, body in results)
    assert numbers == list(range(numbers[0], numbers[0] + 50))
    # One reporter, found again by phone each time, not 50 copies.
    assert len({body["reporter"]["phone"] for _, body in results}) == 1


@requires_postgresql()
def test_concurrent_reports_for_one_new_phone_all_file_under_one_reporter(committed_app, engine, clock):
    """A new phone's reporter goes in with the ticket numbers (INSERT ... ON CONFLICT DO NOTHING in that
    statement): intakes racing to create it wait for each other, and the losers find the winner's row."""
    import secrets

    from app.models import Complaint, Reporter

    phone = "0813" + "".join(secrets.choice("0123456789") for _ in range(8))
    results = post_concurrently(committed_app, engine, clock, dict(BODY, reporter={"phone": phone, "name": "Ibu Sari"}),
                                16, 8)
    assert [status for status, _ in results] == [201] * 16, [b for s, b in results if s != 201][:3]
    with Session(engine) as session:
        reporters = session.scalars(select(Reporter).where(Reporter.phone == "+62" + phone[1:])).all()
        assert len(reporters) == 1 and reporters[0].name == "Ibu Sari"
        tickets = [b["ticket"] for _, b in results]
        filed_under = set(session.scalars(select(Complaint.reporter_id).where(Complaint.ticket.in_(tickets))))
        assert filed_under == {reporters[0].id}


@requires_postgresql()
def test_the_ticket_sequence_continues_after_numbers_issued_before_it(committed_sessionmaker, engine, clock):
    """An upgraded database: numbers up to 41 were issued from ticket_counters; the sequence that
    takes over starts at 42, and a transaction that first found no sequence still gets its number."""
    from sqlalchemy import text

    from app.models import Jurisdiction
    from app.services import intake

    with Session(engine) as session:
        sabu = session.scalar(select(Jurisdiction).where(Jurisdiction.code == "sabu_raijua"))
        name = f"ticket_seq_{sabu.id}_2026"
    with engine.begin() as conn:
        conn.execute(text(f"DROP SEQUENCE IF EXISTS {name}"))
        conn.execute(text("INSERT INTO ticket_counters (jurisdiction_id, year, last_seq) VALUES (:j, 2026, 41)"),
                     {"j": sabu.id})
    try:
        tickets = []
        for _ in range(2):
            with committed_sessionmaker() as session:
                complaint = intake.submit(session, clock.now(), jurisdiction="sabu_raijua", category="hunger",
                                          district="Sabu Barat", description="Lansia tinggal sendiri, tidak makan")
                tickets.append(complaint.ticket)
        assert tickets == ["SRJ-2026-000042", "SRJ-2026-000043"]
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SEQUENCE IF EXISTS {name}"))
