"""Staff opt in to WhatsApp by proving the number is theirs (issue 16, item 4): a code sent to them,
sent back on WhatsApp or read out to an operator, recorded with its time and channel. Until then, and
after their STOP until START, a WhatsApp contact's alerts go by SMS. Through the real twilio Client
against the local fake, which enforces WhatsApp's rules."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from app.domain import whatsapp_templates as rules
from app.models.sla_engine import EscalationContact
from app.models.whatsapp import OptRecord
from app.services.messaging import notifications, staff_consent
from tests.integration.sms.test_whatsapp_rules import approve, complaint_by_sms, deliver

CAMAT = "+6281299990011"


def camat(session, clock, complaint) -> EscalationContact:
    contact = EscalationContact(jurisdiction_id=complaint.jurisdiction_id, level="camat", name="Camat Glagah",
                                phone=CAMAT, channel="whatsapp", created_at=clock.now())
    session.add(contact)
    session.commit()
    return contact


def reached(session, complaint):
    [recipient] = notifications.level_contacts(session, complaint, "camat")
    return recipient.channel, recipient.address, recipient.fallbacks


def code_sent(settings, twilio_api, session, clock) -> str:
    """The code in the one message the fake took for the camat (as the approved template on WhatsApp)."""
    deliver(session, clock, settings)
    sent = twilio_api.sent_to(CAMAT)[-1]
    if "ContentSid" in sent:
        template = twilio_api.templates[sent["ContentSid"]]
        assert template.key == staff_consent.TEMPLATE and template.category == "AUTHENTICATION"
        return json.loads(sent["ContentVariables"])[str(template.variables.index("code") + 1)]
    return sent["Body"].split(": ", 1)[1][:6]


def opt_records(session):
    return [(r.channel, r.address, r.kind, r.reason, r.at) for r in
            session.scalars(select(OptRecord).where(OptRecord.address == CAMAT).order_by(OptRecord.id))]


def test_a_camat_is_alerted_by_sms_until_they_send_back_the_code_sent_to_their_whatsapp(
        settings, twilio_api, twilio, session, clock):
    approve(session, clock, twilio_api)
    complaint = complaint_by_sms(session, clock)
    contact = camat(session, clock, complaint)
    assert reached(session, complaint) == ("sms", CAMAT, ())  # WhatsApp is not even a fallback yet

    staff_consent.send_code(session, clock.now(), contact.id)
    code = code_sent(settings, twilio_api, session, clock)  # the camat never wrote: the approved template
    assert twilio_api.sent_to(CAMAT)[-1]["To"] == f"whatsapp:{CAMAT}"
    clock.advance(minutes=3)
    [reply] = twilio.replies(code, sender=CAMAT, whatsapp=True)
    assert "terverifikasi" in reply
    assert opt_records(session) == [("whatsapp", CAMAT, "opt_in", "verified", clock.now())]
    assert reached(session, complaint) == ("whatsapp", f"whatsapp:{CAMAT}", (("sms", CAMAT),))

    # The next alert goes to the verified number on WhatsApp.
    clock.advance(days=2)  # long after their reply: outside the window, as the approved template
    notifications.tell_staff(session, complaint, notifications.level_contacts(session, complaint, "camat"),
                             "core.staff.escalate", clock.now(), level=lambda lang: "Camat",
                             what=lambda lang: "ditangani", late=75)
    session.commit()
    deliver(session, clock, settings)
    alert = twilio_api.sent_to(CAMAT)[-1]
    assert alert["To"] == f"whatsapp:{CAMAT}" and twilio_api.templates[alert["ContentSid"]].key == "core.staff.escalate"


def test_a_wrong_or_expired_code_verifies_nothing(settings, twilio_api, twilio, session, clock):
    approve(session, clock, twilio_api)
    complaint = complaint_by_sms(session, clock)
    contact = camat(session, clock, complaint)
    staff_consent.send_code(session, clock.now(), contact.id)
    code = code_sent(settings, twilio_api, session, clock)
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    [reply] = twilio.replies(wrong, sender=CAMAT, whatsapp=True)
    assert "salah" in reply
    # Guessing is bounded: after five wrong codes the right one no longer counts.
    for _ in range(staff_consent.MAX_ATTEMPTS - 1):
        twilio.replies(wrong, sender=CAMAT, whatsapp=True)
    assert not staff_consent.is_waiting(session, clock.now(), "whatsapp", CAMAT)
    twilio.replies(code, sender=CAMAT, whatsapp=True)
    assert opt_records(session) == [] and reached(session, complaint)[0] == "sms"
    # A new code, answered too late.
    staff_consent.send_code(session, clock.now(), contact.id)
    code = code_sent(settings, twilio_api, session, clock)
    clock.advance(minutes=31)
    assert not staff_consent.confirm(session, clock.now(), contact.id, code)
    assert opt_records(session) == [] and reached(session, complaint)[0] == "sms"


def test_stop_from_a_verified_camat_sends_their_alerts_by_sms_until_start(settings, twilio_api, twilio, session,
                                                                          clock):
    approve(session, clock, twilio_api)
    complaint = complaint_by_sms(session, clock)
    contact = camat(session, clock, complaint)
    staff_consent.send_code(session, clock.now(), contact.id)
    twilio.replies(code_sent(settings, twilio_api, session, clock), sender=CAMAT, whatsapp=True)
    clock.advance(hours=1)
    twilio.send("STOP", sender=CAMAT, whatsapp=True)
    stopped = clock.now()
    assert opt_records(session)[-1] == ("whatsapp", CAMAT, "opt_out", "stop", stopped)
    assert reached(session, complaint)[0] == "sms"
    clock.advance(hours=1)
    twilio.send("START", sender=CAMAT, whatsapp=True)
    assert [r[2:4] for r in opt_records(session)] == [("opt_in", "verified"), ("opt_out", "stop"), ("opt_in", "start")]
    assert reached(session, complaint)[0] == "whatsapp"
    # START alone never verifies a number that was not verified before.
    other = EscalationContact(jurisdiction_id=complaint.jurisdiction_id, level="camat", name="Camat Licin",
                              phone="+6281299990012", channel="whatsapp", created_at=clock.now())
    session.add(other)
    session.commit()
    twilio.send("START", sender="+6281299990012", whatsapp=True)
    assert staff_consent.whatsapp_verified(session, [CAMAT, "+6281299990012"]) == {CAMAT}


def test_an_operator_enters_the_code_a_contact_read_out_from_their_sms(app, settings, twilio_api, session, clock):
    complaint = complaint_by_sms(session, clock)
    contact = camat(session, clock, complaint)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["whatsapp", "verify-contact", str(contact.id), "--channel", "sms"])
    assert result.exit_code == 0 and f"code sent to {CAMAT} by sms" in result.output, result.output
    code = code_sent(settings, twilio_api, session, clock)
    assert twilio_api.sent_to(CAMAT)[-1]["To"] == CAMAT  # a plain SMS
    result = runner.invoke(args=["whatsapp", "confirm-contact", str(contact.id), "000000" if code != "000000" else "1"])
    assert result.exit_code != 0 and "wrong or expired code" in result.output
    result = runner.invoke(args=["whatsapp", "confirm-contact", str(contact.id), code])
    assert result.exit_code == 0, result.output
    assert opt_records(session) == [("sms", CAMAT, "opt_in", "verified", clock.now())]
    assert reached(session, complaint)[0] == "sms"  # SMS verified; WhatsApp still needs its own code
    result = runner.invoke(args=["whatsapp", "verify-contact", "987654"])
    assert result.exit_code != 0 and "no escalation contact" in result.output


def test_the_verification_template_is_listed_for_review_in_both_languages():
    names = {(t.name, t.language, t.category) for t in rules.all_templates()}
    assert {("sigap_core_staff_verify_code", "id", "AUTHENTICATION"),
            ("sigap_core_staff_verify_code", "en", "AUTHENTICATION")} <= names
    assert rules.build(staff_consent.TEMPLATE, "id").variables == ("code", "minutes")


def test_a_staff_number_twilio_refuses_with_21610_is_recorded_as_their_opt_out(settings, twilio_api, session, clock):
    complaint = complaint_by_sms(session, clock)
    contact = camat(session, clock, complaint)
    twilio_api.fail_to(CAMAT, 21610, "Attempt to send to unsubscribed recipient")
    notifications.tell_staff(session, complaint, notifications.level_contacts(session, complaint, "camat"),
                             "core.staff.escalate", clock.now(), level=lambda lang: "Camat",
                             what=lambda lang: "ditangani", late=75)
    session.commit()
    deliver(session, clock, settings)
    assert contact.phone == CAMAT
    assert opt_records(session) == [("sms", CAMAT, "opt_out", "carrier_stop", clock.now())]
