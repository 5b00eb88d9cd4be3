"""`flask --app wsgi audit verify` catches a row edited behind the application's back."""
from sqlalchemy import text

from app.services import audit


def test_an_event_edited_in_the_database_is_reported_by_verify(app, submit, session, connection):
    complaint = submit()
    other = submit()
    assert audit.verify(session, complaint) == []
    connection.execute(text("UPDATE events SET note = 'sudah ditangani' WHERE complaint_id = :id AND seq = 1"),
                       {"id": complaint.id})
    session.expire_all()
    problems = audit.verify_all(session)
    assert {p.ticket for p in problems} == {complaint.ticket}
    assert other.ticket not in {p.ticket for p in problems}

    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert complaint.ticket in result.output


def test_verify_passes_on_an_untouched_trail(app, submit):
    submit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
