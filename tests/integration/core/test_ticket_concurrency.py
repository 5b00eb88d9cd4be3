"""Concurrent submissions on PostgreSQL get distinct, consecutive ticket numbers."""
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.models import ApiToken
from app.services import accounts
from tests.conftest import requires_postgresql

BODY = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon",
        "description": "Anak yatim tidak makan", "reporter": {"phone": "081234567890"}}


@requires_postgresql()
def test_fifty_concurrent_api_submissions_get_fifty_consecutive_tickets(committed_app, engine, clock):
    with Session(engine) as session:
        token, secret = accounts.create_token(session, clock.now(), role="partner", name="load test")
        session.commit()
        token_id = token.id
    try:
        def post(_):
            with committed_app.test_client() as client:
                r = client.post("/api/v1/complaints", json=BODY, headers={"Authorization": f"Bearer {secret}"})
                return r.status_code, r.json

        with ThreadPoolExecutor(max_workers=25) as pool:
            results = list(pool.map(post, range(50)))
        assert [status for status, _ in results] == [201] * 50, [b for s, b in results if s != 201][:3]
        numbers = sorted(int(body["ticket"].rsplit("-", 1)[1]) for _, body in results)
        assert numbers == list(range(numbers[0], numbers[0] + 50))
        # One reporter, found again by phone each time, not 50 copies.
        assert len({body["reporter"]["phone"] for _, body in results}) == 1
    finally:
        with Session(engine) as session:
            session.execute(delete(ApiToken).where(ApiToken.id == token_id))
            session.commit()
