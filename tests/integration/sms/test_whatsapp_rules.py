"""WhatsApp as Twilio enforces it, through the real twilio Client against the fake: free text inside the
24-hour window, the approved template (ContentSid + ContentVariables) outside it, the next channel when
no template is approved or WhatsApp refuses later (63016), and the registry of content SIDs (CLI,
settings page, /healthz)."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import select

from app.channels.senders import build_senders
from app.domain import whatsapp_templates as rules
from app.domain.actor import Actor
from app.models import Complaint, Event, OutboxMessage, User
from app.models.sla_engine import EscalationContact
from app.models.whatsapp import WhatsAppWindow
from app.services import intake, lifecycle
from app.services.messaging import notifications, outbox, whatsapp
from tests.integration.sms.conftest import CITIZEN
from tests.integration.web.conftest import Browser

CAMAT = "+6281299990001"


def approve(session, clock, twilio_api, *keys):
    """Submit and approve templates (all when no key is given): the fake knows their SIDs, Sigap has them."""
    for template in rules.all_templates():
        if keys and template.key not in keys:
            continue
        sid = "HX" + hashlib.md5(f"{template.name}/{template.language}".encode()).hexdigest()
        whatsapp.set_content_sid(session, clock.now(), name=template.name, language=template.language, sid=sid)
        twilio_api.approve(sid, template)


def deliver(session, clock, settings):
    return outbox.deliver_due(session, clock.now(), build_senders(settings))


def complaint_by_sms(session, clock) -> Complaint:
    return intake.submit(session, clock.now(), jurisdiction="banyuwangi", category="hunger", village="Kemiren",
                         description="Nenek Sumi tidak makan sejak kemarin", reporter={"phone": "+6281234500099"},
                         channel="sms")


def camat(session, clock, **fields) -> EscalationContact:
    complaint_jurisdiction = session.scalar(select(Complaint.jurisdiction_id).limit(1))
    contact = EscalationContact(jurisdiction_id=complaint_jurisdiction, level="camat", name="Camat Glagah",
                                phone=CAMAT, channel="whatsapp", created_at=clock.now(), **fields)
    session.add(contact)
    session.commit()
    return contact


def alert_camat(session, clock, complaint, contact, **kwargs):
    [message] = notifications.tell_staff(
        session, complaint, [notifications.contact_recipient(contact, whatsapp_verified=True)], "core.staff.escalate", clock.now(),
        level=lambda lang: "Camat", what=lambda lang: "ditangani", late=75, **kwargs)
    session.commit()
    return message


def messages_to(session, number):
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.recipient.in_((number, f"whatsapp:{number}")))
                                .order_by(OutboxMessage.id)))


def test_an_alert_to_a_camat_who_never_wrote_goes_as_the_approved_template(settings, twilio_api, twilio, session,
                                                                           clock):
    approve(session, clock, twilio_api)
    complaint = complaint_by_sms(session, clock)
    message = alert_camat(session, clock, complaint, camat(session, clock))
    deliver(session, clock, settings)
    [sent] = twilio_api.sent_to(CAMAT)
    template = rules.build("core.staff.escalate", "id")
    assert "Body" not in sent and sent["ContentSid"] == whatsapp.content_sid(session, template.name, "id")
    variables = json.loads(sent["ContentVariables"])
    assert variables[str(template.variables.index("ticket") + 1)] == complaint.ticket
    assert variables[str(template.variables.index("level") + 1)] == "Camat"
    # Accepted is not delivered: only the delivered callback says it arrived.
    session.refresh(message)
    assert message.status == "sent" and message.delivered_at is None
    twilio_api.deliver_reports(twilio)
    session.refresh(message)
    assert message.delivery_status == "delivered" and message.delivered_at == clock.now()


def test_without_an_approved_template_the_alert_falls_back_to_sms_at_once(settings, twilio_api, session, clock):
    approve(session, clock, twilio_api, "core.receipt")  # but not the escalation
    complaint = complaint_by_sms(session, clock)
    alert_camat(session, clock, complaint, camat(session, clock))
    deliver(session, clock, settings)
    assert twilio_api.sent_to(CAMAT) == []  # nothing WhatsApp would refuse was tried
    whatsapp_message, sms_message = messages_to(session, CAMAT)
    assert whatsapp_message.status == "dead" and "no approved content SID" in whatsapp_message.last_error
    assert whatsapp_message.fallback_id == sms_message.id
    assert (sms_message.channel, sms_message.recipient, sms_message.body) == ("sms", CAMAT, whatsapp_message.body)
    deliver(session, clock, settings)
    [sent] = twilio_api.sent_to(CAMAT)
    assert sent["To"] == CAMAT and sent["Body"] == whatsapp_message.body
    # A message that found its way by the next channel is not recorded as a failure on the complaint.
    assert not session.scalars(select(Event).where(Event.complaint_id == complaint.id,
                                                   Event.kind == "message_failed")).all()


def test_inside_the_window_free_text_goes(settings, twilio_api, twilio, session, clock):
    twilio.replies("LAPOR MAKAN Kemiren: nenek Sumi tidak makan sejak kemarin", whatsapp=True)
    complaint = session.scalar(select(Complaint))
    assert session.get(WhatsAppWindow, CITIZEN).last_inbound_at == clock.now()
    clock.advance(hours=23)
    lifecycle.acknowledge(session, clock.now(), complaint.ticket, officer(session))
    deliver(session, clock, settings)
    [sent] = twilio_api.sent_to(CITIZEN)
    assert sent["To"] == f"whatsapp:{CITIZEN}" and complaint.ticket in sent["Body"] and "ContentSid" not in sent


def test_a_citizen_asked_30_hours_after_reporting_gets_the_template_with_yes_no_buttons(settings, twilio_api, twilio,
                                                                                      session, clock):
    approve(session, clock, twilio_api)
    twilio.replies("LAPOR MAKAN Kemiren: nenek Sumi tidak makan sejak kemarin", whatsapp=True)
    complaint = session.scalar(select(Complaint))
    clock.advance(hours=30)
    lifecycle.handle(session, clock.now(), complaint.ticket, officer(session), note="Beras diantar")
    deliver(session, clock, settings)
    [sent] = twilio_api.sent_to(CITIZEN)
    template = twilio_api.templates[sent["ContentSid"]]
    assert template.key == "core.handled" and template.buttons == (("YA", "YA"), ("TIDAK", "TIDAK"))
    assert json.loads(sent["ContentVariables"])[str(template.variables.index("note") + 1)] == "Beras diantar"
    # The citizen taps TIDAK: WhatsApp sends the button's text and payload; the report is reopened.
    [reply] = twilio.replies("TIDAK", whatsapp=True, ButtonText="TIDAK", ButtonPayload="TIDAK")
    assert complaint.ticket in reply
    assert session.scalar(select(Event).where(Event.complaint_id == complaint.id, Event.kind == "reopened"))


def test_free_text_whatsapp_refuses_later_goes_by_sms(settings, twilio_api, twilio, session, clock):
    """Sigap believed the window open (a message through another number, say); Twilio accepts the free
    text, then fails it with 63016: the same text goes by SMS."""
    complaint = complaint_by_sms(session, clock)
    session.add(WhatsAppWindow(phone=CAMAT, last_inbound_at=clock.now() - timedelta(hours=1)))
    message = alert_camat(session, clock, complaint, camat(session, clock))
    deliver(session, clock, settings)
    [accepted] = twilio_api.sent_to(CAMAT)
    assert accepted["To"] == f"whatsapp:{CAMAT}" and "Body" in accepted
    [report] = twilio_api.deliver_reports(twilio, statuses=("failed",))
    assert (report["MessageStatus"], report["ErrorCode"]) == ("failed", "63016")
    session.refresh(message)
    assert message.status == "dead" and "63016" in message.last_error and message.fallback_id
    deliver(session, clock, settings)
    assert twilio_api.sent_to(CAMAT)[-1] == {"To": CAMAT, "From": settings.twilio_from_number, "Body": message.body,
                                             "StatusCallback": "https://sigap.example.go.id/webhooks/twilio/status"}


def test_an_unknown_content_sid_is_refused_and_the_text_goes_by_sms(settings, twilio_api, session, clock):
    template = rules.build("core.staff.escalate", "id")
    whatsapp.set_content_sid(session, clock.now(), name=template.name, language="id", sid="HX" + "0" * 32)
    complaint = complaint_by_sms(session, clock)
    message = alert_camat(session, clock, complaint, camat(session, clock))
    deliver(session, clock, settings)
    session.refresh(message)
    assert message.status == "dead" and "21655" in message.last_error
    deliver(session, clock, settings)
    assert twilio_api.sent_to(CAMAT)[-1]["To"] == CAMAT


def officer(session) -> Actor:
    user = session.scalar(select(User).where(User.username == "officer.dinsos"))
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.jurisdiction_id)


# -- the registry ----------------------------------------------------------------------------------------
def test_the_templates_command_prints_what_meta_reviews(app):
    output = app.test_cli_runner().invoke(args=["whatsapp", "templates"]).output
    handled = output.split("name:     sigap_core_handled\n")[1].split("\n\n")[0]
    assert "category: UTILITY" in handled and "language: id" in handled
    assert "body:     Sigap {{1}}: {{2}} menyatakan sudah menangani: {{3}}." in handled
    assert "buttons:  YA (quick reply, id YA), TIDAK (quick reply, id TIDAK)" in handled
    assert "sid:      (none yet)" in handled
    lines = app.test_cli_runner().invoke(args=["whatsapp", "templates", "--json"]).output.splitlines()
    payloads = [json.loads(line) for line in lines]
    assert len(payloads) == 2 * len(rules.TEMPLATE_KEYS)
    staff_en = next(p for p in payloads if p["friendly_name"] == "sigap_core_staff_breach_en")
    assert staff_en["types"]["twilio/quick-reply"]["actions"] == [{"title": "OK", "id": "OK"}]


def test_content_sids_entered_by_cli_leave_the_missing_list_and_healthz(app, client, session):
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["whatsapp", "missing"])
    assert missing.exit_code == 1 and "sigap_core_staff_breach/id" in missing.output
    assert "sigap_core_staff_breach/id" in client.get("/healthz").get_json()["whatsapp"]["templates_missing"]
    done = runner.invoke(args=["whatsapp", "set-sid", "sigap_core_staff_breach", "id", "HX" + "a" * 32])
    assert done.exit_code == 0, done.output
    body = client.get("/healthz").get_json()["whatsapp"]
    assert "sigap_core_staff_breach/id" not in body["templates_missing"] and "detail" in body
    wrong = runner.invoke(args=["whatsapp", "set-sid", "sigap_core_staff_breach", "id", "SM123"])
    assert wrong.exit_code == 1 and "not a content SID" in wrong.output and "Traceback" not in wrong.output


def test_an_admin_enters_a_content_sid_on_the_settings_page(client, session):
    browser = Browser(client)
    browser.sign_in("admin")
    page = browser.get("/settings/whatsapp").get_data(as_text=True)
    assert "sigap_core_handled" in page and "{{1}}" in page
    bad = browser.post("/settings/whatsapp", {"name": "sigap_core_handled", "language": "id", "content_sid": "hx1"})
    assert bad.status_code == 422 and "content SID" in bad.get_data(as_text=True)
    good = browser.post("/settings/whatsapp", {"name": "sigap_core_handled", "language": "id",
                                                "content_sid": "HX" + "b" * 32})
    assert good.status_code == 303
    assert whatsapp.content_sid(session, "sigap_core_handled", "id") == "HX" + "b" * 32
