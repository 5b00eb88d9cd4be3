"""Operating the SMS channel: number mapping command, duplicate deliveries racing, Twilio's own START."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, func, select

from app.i18n import t
from app.models import Complaint, Reporter
from app.models.sms import SmsDialogue, SmsInboundMessage, SmsNumber
from app.services.conversations import sms_dialogue
from tests.integration.sms.conftest import CITIZEN, FROM_NUMBER


def test_map_number_command_sends_a_numbers_reports_to_its_jurisdiction(app, twilio, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sms", "map-number", "0811-0000-1111", "sabu_raijua", "--note", "demo"])
    assert result.exit_code == 0, result.output
    assert "+6281100001111 -> sabu_raijua" in result.output
    assert "sabu_raijua" in runner.invoke(args=["sms", "numbers"]).output
    assert runner.invoke(args=["sms", "map-number", "12", "banyuwangi"]).exit_code != 0
    unknown = runner.invoke(args=["sms", "map-number", FROM_NUMBER, "atlantis"])
    assert unknown.exit_code == 1 and unknown.output == "Error: no jurisdiction 'atlantis'\n"


def test_twilio_start_opts_back_in_without_a_second_confirmation(twilio, session):
    twilio.replies("STOP", OptOutType="STOP")
    assert twilio.replies("START", OptOutType="START") == []
    assert session.scalar(select(Reporter.opted_out).where(Reporter.phone == CITIZEN)) is False


def test_english_menu_dialogue_answers_in_english(twilio, session):
    [menu] = twilio.replies("report")
    assert "1 Cannot eat" in menu
    [ask] = twilio.replies("5")
    assert "village" in ask
    [ask] = twilio.replies("Kemiren")
    assert "what happened" in ask
    [receipt] = twilio.replies("fever, cannot reach the clinic")
    assert receipt.startswith("Report received")
    assert session.scalar(select(Complaint.description)) == "fever, cannot reach the clinic"


HALFWAY_SID = "SM" + "e1" * 16


def test_a_failure_after_intake_files_nothing_and_asks_the_citizen_to_send_again(twilio, session, monkeypatch):
    def broken(*_args):
        raise RuntimeError("the process failed after intake")

    monkeypatch.setattr(sms_dialogue, "receipt_text", broken)
    [reply] = twilio.replies("LAPOR MAKAN Kemiren: nenek tidak makan", sid=HALFWAY_SID)
    assert reply == t("sms.submit_failed", "id")
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0  # no complaint without its answer
    inbound = session.scalar(select(SmsInboundMessage).where(SmsInboundMessage.message_sid == HALFWAY_SID))
    assert inbound.outcome == "failed" and inbound.complaint_id is None
    # Twilio's redelivery of the same message gets the same answer and changes nothing.
    assert twilio.replies("LAPOR MAKAN Kemiren: nenek tidak makan", sid=HALFWAY_SID) == [reply]
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0


@pytest.fixture
def committed(committed_sessionmaker):
    yield committed_sessionmaker
    with committed_sessionmaker() as s:
        s.execute(delete(SmsInboundMessage))
        s.execute(delete(SmsDialogue))
        s.execute(delete(SmsNumber))
        s.commit()


def test_two_workers_receiving_the_same_message_create_one_complaint(committed, clock):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def deliver():
        with committed() as session:
            barrier.wait()
            try:
                results.append(sms_dialogue.handle_message(
                    session, clock.now(), message_sid="SMrace000001", from_address=CITIZEN, to_address=FROM_NUMBER,
                    body="LAPOR LANSIA Kemiren: kakek sendirian"))
            except Exception as exc:  # noqa: BLE001 - the test reports it
                errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with committed() as session:
        assert session.scalar(select(func.count()).select_from(Complaint)) == 1
    assert sorted(r.duplicate for r in results) == [False, True]
    ticket = next(r.ticket for r in results if not r.duplicate)
    assert all(ticket in r.replies[0] for r in results)


def test_writing_in_again_makes_an_unreachable_reporter_reachable(twilio, session, clock):
    from app.services.intake import reporters

    reporter = reporters.find_or_create(session, clock.now(), phone=CITIZEN)
    reporter.unreachable = True
    session.commit()
    twilio.replies("STATUS")
    session.refresh(reporter)
    assert reporter.unreachable is False


def test_an_overlong_message_sid_is_still_idempotent(session, clock):
    sid = "SM" + "9" * 80  # not through the webhook (which takes Twilio's shape only): another gateway's id
    first = sms_dialogue.handle_message(session, clock.now(), message_sid=sid, from_address=CITIZEN,
                                        to_address=FROM_NUMBER, body="LAPOR MAKAN Kemiren: nenek tidak makan")
    again = sms_dialogue.handle_message(session, clock.now(), message_sid=sid, from_address=CITIZEN,
                                        to_address=FROM_NUMBER, body="LAPOR MAKAN Kemiren: nenek tidak makan")
    assert first.replies == again.replies and again.duplicate
    assert session.scalar(select(func.count()).select_from(Complaint)) == 1
