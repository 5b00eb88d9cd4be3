"""Revision 0020 on a database with complaints: down and up again, nothing lost but the codes."""
from __future__ import annotations

from sqlalchemy import inspect, select

from app import migrate
from app.models import Complaint
from app.services import intake
from app.services.reporting import public_status


def test_0020_downgrades_and_upgrades_with_complaints_stored(connection, session, clock):
    complaint = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger",
                              description="Kakek tidak makan dua hari", district="Glagah", channel="counter")
    complaint_id, ticket = complaint.id, complaint.ticket
    migrate.downgrade(revision="0013", connection=connection)
    assert "satisfaction_surveys" not in inspect(connection).get_table_names()
    assert "status_code_hash" not in {c["name"] for c in inspect(connection).get_columns("complaints")}
    migrate.upgrade(connection=connection)
    table = Complaint.__table__
    row = connection.execute(select(table.c.ticket, table.c.status_code_hash).where(table.c.id == complaint_id)).one()
    assert row.ticket == ticket and row.status_code_hash is None
    session.expire_all()
    # a complaint from before the codes has no public page: no code opens it
    assert public_status.find(session, ticket, "ABCD-2345", clock.now()) is None
    assert "satisfaction_surveys" in inspect(connection).get_table_names()
