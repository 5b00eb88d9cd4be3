"""`flask --app wsgi audit verify` catches a row edited behind the application's back."""
from sqlalchemy import text

from app.services import audit
from tests.conftest import requires_postgresql


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


def test_a_database_made_by_seed_demo_verifies(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "complaints verify" in result.output


def test_the_trail_is_keyed_with_the_configured_key_and_fails_under_another(engine, connection, clock, settings):
    from sqlalchemy.orm import Session

    from app import create_app
    from app.services import intake

    settings.audit_key = "the-regencys-own-audit-key-0123456789"
    application = create_app(settings=settings, clock=clock, engine=engine)
    sigap = application.extensions["sigap"]
    sigap.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    with sigap.sessionmaker() as session:
        complaint = intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger",
                                  village="Genteng Kulon", description="Tidak makan sejak kemarin")
        assert audit.verify(session, complaint) == []
    with Session(bind=connection, join_transaction_mode="create_savepoint") as other:  # the development key
        messages = [p.message for p in audit.verify(other, complaint)]
    assert any("does not match its hash" in m for m in messages), messages


@requires_postgresql()
def test_verify_in_parallel_processes_names_the_same_differences(committed_app, clock, tmp_path):
    from app.models import Complaint
    from app.services import intake

    sigap = committed_app.extensions["sigap"]
    with sigap.sessionmaker() as session:
        tickets = [intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger",
                                 village="Genteng Kulon", description=f"Tidak makan {i}").ticket for i in range(5)]
    runner = committed_app.test_cli_runner()
    path = tmp_path / "checkpoint.json"
    assert runner.invoke(args=["audit", "checkpoint", "--out", str(path)]).exit_code == 0
    clean = runner.invoke(args=["audit", "verify", "--jobs", "2", "--quiet", "--against", str(path)])
    assert clean.exit_code == 0, clean.output
    with sigap.sessionmaker() as session:
        session.execute(text("UPDATE complaints SET handle_due_at = handle_due_at + interval '2 hours' "
                             "WHERE ticket = :t"), {"t": tickets[3]})
        session.execute(text("DELETE FROM complaints WHERE ticket = :t"), {"t": tickets[0]})
        session.commit()
        assert session.query(Complaint).count() == 4
    result = runner.invoke(args=["audit", "verify", "--jobs", "2", "--quiet", "--against", str(path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{tickets[0]} in the checkpoint but no longer in the database (deleted)" in lines
    assert any(line.startswith(f"{tickets[3]} handle_due_at: row ") for line in lines), lines
