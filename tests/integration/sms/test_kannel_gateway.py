"""Citizens' SMS through a real Kannel (bearerbox + smsbox, Kannel's fake SMSC as the operator) into
Sigap and the answers back out through sendsms with delivery reports. Skips, saying why, without Kannel."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from app.channels.senders import build_senders
from app.models import Complaint, OutboxMessage, Reporter
from app.models.sms import SmsNumber
from app.services.conversations import sms_dialogue
from app.services.messaging import outbox
from tests import kannel as kannel_harness

SHORT_CODE = "1708"
WHY_NOT = kannel_harness.binaries()
pytestmark = pytest.mark.skipif(isinstance(WHY_NOT, str), reason=f"kannel: {WHY_NOT}")


class CurrentApp:
    """The WSGI app smsbox calls: whichever test's app is current (Kannel lives for the whole module).
    `lose_answers` makes the next answers fail after the app has done its work, as a dropped connection would."""

    def __init__(self):
        self.app = None
        self.lose_answers = 0
        self.sms_calls = 0  # citizens' SMS brought by smsbox (delivery reports not counted)
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Length", "0")])
            return [b""]
        answer = {}

        def remember(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)
        iterable = self.app(environ, remember)
        body = b"".join(iterable)
        getattr(iterable, "close", lambda: None)()
        inbound = environ["PATH_INFO"].endswith("/sms")
        with self.lock:
            self.sms_calls += inbound
            lose = self.lose_answers > 0 and inbound
            if lose:
                self.lose_answers -= 1
        if lose:
            start_response("500 Internal Server Error", [("Content-Length", "0")])
            return [b""]
        start_response(answer["status"], answer["headers"])
        return [body]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    from werkzeug.serving import make_server

    current = CurrentApp()
    server = make_server("127.0.0.1", 0, current, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sigap-kannel-tests", daemon=True)
    thread.start()
    kannel = kannel_harness.Kannel(tmp_path_factory.mktemp("kannel"), f"http://127.0.0.1:{server.server_port}")
    try:
        kannel.start()
        kannel.current, kannel.sigap_port = current, server.server_port
        yield kannel
    finally:
        kannel.stop()
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def settings(settings, gateway):
    settings.kannel_sendsms_url = gateway.sendsms_url
    settings.kannel_username, settings.kannel_password = kannel_harness.USERNAME, kannel_harness.PASSWORD
    settings.kannel_secret = kannel_harness.SECRET
    settings.kannel_callback_base_url = f"http://127.0.0.1:{gateway.sigap_port}"
    return settings


@pytest.fixture
def sigap(gateway, committed_app, settings):
    maker = committed_app.extensions["sigap"].sessionmaker
    with maker() as session:
        sms_dialogue.map_number(session, SHORT_CODE, "banyuwangi", "SMPP short code", gateway="kannel")
    gateway.current.app = committed_app
    yield maker
    gateway.current.app, gateway.current.lose_answers = None, 0
    with maker() as session:  # sms_numbers is reference data the other tests share
        session.execute(delete(SmsNumber).where(SmsNumber.number == SHORT_CODE))
        session.commit()


def complaints_of(maker, phone):
    """(ticket, channel, category code) of each complaint from this phone."""
    with maker() as session:
        return [(c.ticket, c.channel, c.category.code) for c in session.scalars(
            select(Complaint).join(Reporter, Reporter.id == Complaint.reporter_id).where(Reporter.phone == phone))]


def deliver(maker, settings, now):
    with maker() as session:
        return outbox.deliver_due(session, now, build_senders(settings))


def replies_to(maker, phone):
    with maker() as session:
        return session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == phone)
                               .order_by(OutboxMessage.id)).all()


def test_a_report_through_kannel_becomes_a_complaint_and_its_receipt_is_delivered(gateway, sigap, settings, clock):
    gateway.citizen_sends("6281234500101", SHORT_CODE, "LAPOR MAKAN Kemiren: nenek tidak makan 2 hari")
    [(ticket, channel, category)] = kannel_harness.wait_for(lambda: complaints_of(sigap, "+6281234500101"),
                                                             what="the complaint")
    assert (channel, category) == ("sms", "hunger")

    assert deliver(sigap, settings, clock.now()) == 1
    [receipt] = replies_to(sigap, "+6281234500101")
    # With the status page's link the receipt takes two SMS: it arrives in parts, whole once joined.
    [text] = kannel_harness.wait_for(lambda: gateway.messages_to("6281234500101"), what="the receipt at the phone")
    assert len(gateway.delivered_to("6281234500101")) == 2
    assert text == receipt.body and ticket in text
    assert f"https://sigap.example.go.id/lacak?tiket={ticket}" in receipt.body
    assert receipt.status == "sent" and receipt.extra["from"] == SHORT_CODE
    # The fake SMSC accepts (report 8, "sent") and then delivers (report 1): forward-only, delivered.
    kannel_harness.wait_for(lambda: replies_to(sigap, "+6281234500101")[0].delivery_status == "delivered",
                            what="the delivery report")


def test_a_reply_in_indonesian_with_non_gsm_letters_goes_as_ucs2_and_arrives_whole(gateway, sigap, settings, clock):
    with sigap() as session:
        outbox.enqueue(session, clock.now(), channel="sms", recipient="+6281234500102", recipient_kind="reporter",
                       template="sms.reply", language="id", body="Laporan diterima ✓ — terima kasih",
                       extra={"gateway": "kannel", "from": SHORT_CODE})
        session.commit()
    deliver(sigap, settings, clock.now())
    assert kannel_harness.wait_for(lambda: gateway.delivered_to("6281234500102"), what="the message") == [
        "Laporan diterima ✓ — terima kasih"]


def test_kannel_delivering_the_same_sms_again_makes_one_complaint_and_one_receipt(gateway, sigap, settings, clock):
    # Sigap did the work but Kannel never saw the answer: smsbox asks again with the same message id.
    gateway.current.lose_answers = 1
    calls_before = gateway.current.sms_calls
    gateway.citizen_sends("6281234500103", SHORT_CODE, "LAPOR MAKAN Kemiren: tiga anak belum makan")
    kannel_harness.wait_for(lambda: gateway.current.sms_calls >= calls_before + 2, what="Kannel's retry")
    assert len(complaints_of(sigap, "+6281234500103")) == 1
    deliver(sigap, settings, clock.now())
    kannel_harness.wait_for(lambda: gateway.messages_to("6281234500103"), what="the receipt")
    assert len(replies_to(sigap, "+6281234500103")) == 1
    assert len(gateway.messages_to("6281234500103")) == 1


def test_with_smsbox_down_for_a_while_every_message_arrives_once_after(gateway, sigap, settings, clock):
    gateway.citizen_sends("6281234500104", SHORT_CODE, "LAPOR MAKAN Kemiren: lansia sendirian kelaparan")
    [(ticket, _channel, _category)] = kannel_harness.wait_for(lambda: complaints_of(sigap, "+6281234500104"),
                                                              what="the complaint")

    gateway.stop_smsbox()
    try:
        deliver(sigap, settings, clock.now())
        [receipt] = replies_to(sigap, "+6281234500104")
        assert receipt.status == "failed" and "unreachable" in receipt.last_error
        # Meanwhile the citizen asks again; the operator's side (bearerbox) keeps it until smsbox is back.
        gateway.citizen_sends("6281234500104", SHORT_CODE, f"STATUS {ticket}")
    finally:
        gateway.start_smsbox()
    kannel_harness.wait_for(lambda: len(replies_to(sigap, "+6281234500104")) == 2, what="the STATUS answer")

    clock.advance(timedelta(hours=2))  # past the receipt's backoff
    assert deliver(sigap, settings, clock.now()) == 2
    texts = kannel_harness.wait_for(
        lambda: (lambda got: got if len(got) == 2 else None)(gateway.messages_to("6281234500104")),
        what="both messages at the phone")
    assert sum(ticket in text for text in texts) == 2
    assert deliver(sigap, settings, clock.now()) == 0
    assert len(gateway.messages_to("6281234500104")) == 2
