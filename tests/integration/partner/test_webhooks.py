"""Partner webhooks: a partner registers a URL, and each status change of a complaint it submitted
reaches it as a signed POST through the outbox, retried until the partner answers."""
from __future__ import annotations

import json

from sqlalchemy import select

from app.channels.api.webhook_sender import WebhookSender
from app.domain.actor import Actor
from app.models import Complaint, Event, OutboxMessage
from app.services import audit, lifecycle
from app.services.access import accounts
from app.services.messaging import outbox, partner_webhooks

BODY = {"jurisdiction": "banyuwangi", "category": "hunger", "village": "Genteng Kulon",
        "description": "Seorang lansia tidak makan sejak kemarin"}


def _officer(session, ticket):
    agency_id = session.scalar(select(Complaint.agency_id).where(Complaint.ticket == ticket))
    return Actor(kind="user", id=None, role="officer", agency_id=agency_id, name="Petugas")


def _after(session, clock, ticket):
    """The webhook message queued for the complaint's last event, if any. Calls the hook itself, as
    intake and lifecycle do once it is wired in (on_event is safe to call twice for one event)."""
    complaint = session.scalar(select(Complaint).where(Complaint.ticket == ticket))
    event = audit.events_of(session, complaint.id)[-1]
    partner_webhooks.on_event(session, complaint, event, clock.now())
    session.commit()
    return session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "webhook",
                                                      OutboxMessage.recipient.endswith(f":{event.id}")))


def _webhook_messages(session):
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")
                                .order_by(OutboxMessage.id)))


def test_a_partner_sets_reads_rotates_and_removes_its_webhook(client, bearer, receiver):
    partner = bearer("partner")
    assert client.get("/api/v1/webhook", headers=partner).status_code == 404
    created = client.put("/api/v1/webhook", json={"url": receiver.url}, headers=partner)
    assert created.status_code == 200 and created.json["secret"].startswith("whsec_")
    shown = client.get("/api/v1/webhook", headers=partner).json
    assert shown["url"] == receiver.url and "secret" not in shown and shown["active"] is True
    moved = client.put("/api/v1/webhook", json={"url": receiver.url + "/v2"}, headers=partner).json
    assert "secret" not in moved and moved["url"].endswith("/v2")
    rotated = client.put("/api/v1/webhook", json={"url": receiver.url, "rotate_secret": True}, headers=partner).json
    assert rotated["secret"] != created.json["secret"]
    assert client.delete("/api/v1/webhook", headers=partner).status_code == 204
    assert client.get("/api/v1/webhook", headers=partner).status_code == 404


def test_only_partner_tokens_have_webhooks_and_urls_are_checked(client, bearer):
    assert client.put("/api/v1/webhook", json={"url": "https://x.example"}, headers=bearer("admin")).status_code == 403
    partner = bearer("partner")
    for url in ("ftp://x.example/hook", "not a url", "", None, "https://" + "x" * 600 + ".example"):
        r = client.put("/api/v1/webhook", json={"url": url}, headers=partner)
        assert r.status_code == 422 and r.json["error"]["code"] == "validation_failed", url
    r = client.put("/api/v1/webhook", json={"url": "https://x.example", "active": "yes"}, headers=partner)
    assert r.status_code == 422


def test_a_status_change_reaches_the_partner_signed_and_only_once(client, bearer, receiver, session, clock):
    partner = bearer("partner")
    secret = client.put("/api/v1/webhook", json={"url": receiver.url}, headers=partner).json["secret"]
    ticket = client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"]
    assert _after(session, clock, ticket) is None  # "routed" is not a status change the partner needs
    clock.advance(minutes=10)
    lifecycle.acknowledge(session, clock.now(), ticket, _officer(session, ticket), note="Segera dikunjungi")
    message = _after(session, clock, ticket)
    assert message is not None
    assert _after(session, clock, ticket).id == message.id  # the same event twice: still one message
    assert len(_webhook_messages(session)) == 1
    assert outbox.deliver_due(session, clock.now(), {"webhook": WebhookSender()}) >= 1
    (hit,) = receiver.received
    assert partner_webhooks.verify(secret, hit["body"], hit["headers"]["X-Sigap-Signature"])
    assert not partner_webhooks.verify("whsec_wrong", hit["body"], hit["headers"]["X-Sigap-Signature"])
    assert hit["headers"]["Content-Type"].startswith("application/json")
    payload = hit["json"]
    assert payload["type"] == "complaint.status_changed" and payload["event"] == "acknowledged"
    assert payload["id"] == hit["headers"]["X-Sigap-Event-Id"] == f"{ticket}:3"
    assert payload["complaint"]["ticket"] == ticket and payload["complaint"]["status"] == "acknowledged"
    assert payload["complaint"]["open311_status"] == "open"
    assert payload["complaint"]["note"] is None  # an acknowledgement's note is staff's, not the partner's
    assert payload["occurred_at"] == "2026-11-23T02:10:00Z"
    assert session.get(OutboxMessage, message.id).status == "sent"


def test_a_failing_partner_is_retried_with_backoff_and_a_gone_one_is_given_up(client, bearer, receiver, session,
                                                                              clock):
    partner = bearer("partner")
    client.put("/api/v1/webhook", json={"url": receiver.url}, headers=partner)
    ticket = client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"]
    officer = _officer(session, ticket)
    lifecycle.handle(session, clock.now(), ticket, officer, note="Sembako diantar")
    message = _after(session, clock, ticket)
    sender = {"webhook": WebhookSender()}
    receiver.answers = [500, 429]
    outbox.deliver_due(session, clock.now(), sender)
    failed = session.get(OutboxMessage, message.id, populate_existing=True)
    assert failed.status == "failed" and "HTTP 500" in failed.last_error and failed.next_attempt_at > clock.now()
    clock.set(failed.next_attempt_at)
    outbox.deliver_due(session, clock.now(), sender)
    throttled = session.get(OutboxMessage, message.id, populate_existing=True)
    assert throttled.status == "failed" and (throttled.next_attempt_at - clock.now()).total_seconds() == 7
    clock.set(throttled.next_attempt_at)
    outbox.deliver_due(session, clock.now(), sender)
    assert session.get(OutboxMessage, message.id, populate_existing=True).status == "sent"
    assert len(receiver.received) == 3
    assert len({r["headers"]["X-Sigap-Signature"] for r in receiver.received}) == 1  # the same signed body

    supervisor = Actor(kind="user", id=None, role="supervisor", name="Supervisor", all_jurisdictions=True)
    lifecycle.close(session, clock.now(), ticket, supervisor)
    gone = _after(session, clock, ticket)
    receiver.answers = [410]
    outbox.deliver_due(session, clock.now(), sender)
    dead = session.get(OutboxMessage, gone.id, populate_existing=True)
    assert dead.status == "dead" and "HTTP 410" in dead.last_error
    kinds = [e.kind for e in session.scalars(select(Event).join(Complaint).where(Complaint.ticket == ticket))]
    assert "message_failed" in kinds  # the trail says the partner was not told


def test_no_webhook_for_others_submissions_inactive_hooks_or_unreachable_hosts(client, bearer, receiver, session,
                                                                              clock):
    partner = bearer("partner")
    client.put("/api/v1/webhook", json={"url": receiver.url, "active": False}, headers=partner)
    mine = client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"]
    staff = client.post("/api/v1/complaints", json=BODY, headers=bearer("supervisor")).json["ticket"]
    for ticket in (mine, staff):
        lifecycle.acknowledge(session, clock.now(), ticket, _officer(session, ticket))
        assert _after(session, clock, ticket) is None
    assert _webhook_messages(session) == []
    client.put("/api/v1/webhook", json={"url": "http://127.0.0.1:9/closed-port"}, headers=partner)
    lifecycle.handle(session, clock.now(), mine, _officer(session, mine), note="Sudah")
    message = _after(session, clock, mine)
    outbox.deliver_due(session, clock.now(), {"webhook": WebhookSender()})
    failed = session.get(OutboxMessage, message.id, populate_existing=True)
    assert failed.status == "failed" and "ConnectionError" in failed.last_error
    assert json.loads(failed.body)["complaint"]["status"] == "handled"


def test_in_production_a_webhook_into_our_own_network_is_refused(client, bearer, receiver, session, clock, settings):
    partner = bearer("partner")
    client.put("/api/v1/webhook", json={"url": receiver.url}, headers=partner)
    ticket = client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"]
    lifecycle.acknowledge(session, clock.now(), ticket, _officer(session, ticket))
    message = _after(session, clock, ticket)
    settings.production = True
    outbox.deliver_due(session, clock.now(), {"webhook": WebhookSender(settings)})
    refused = session.get(OutboxMessage, message.id, populate_existing=True)
    assert refused.status == "dead" and "127.0.0.1" in refused.last_error and receiver.received == []


def _partner_with_webhook(client, make_token, receiver):
    token, secret = make_token("partner")
    headers = {"Authorization": f"Bearer {secret}"}
    client.put("/api/v1/webhook", json={"url": receiver.url}, headers=headers)
    return token, headers


def test_a_revoked_partner_gets_nothing_more_not_even_what_was_already_queued(client, make_token, receiver, session,
                                                                            clock):
    token, partner = _partner_with_webhook(client, make_token, receiver)
    ticket = client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"]
    officer = _officer(session, ticket)
    lifecycle.acknowledge(session, clock.now(), ticket, officer)  # queued, not yet delivered
    (queued,) = _webhook_messages(session)
    accounts.revoke_token(session, clock.now(), token.prefix)
    session.commit()
    clock.advance(minutes=5)
    lifecycle.handle(session, clock.now(), ticket, officer, note="Sembako diantar")  # after the revocation
    assert [m.id for m in _webhook_messages(session)] == [queued.id]  # nothing new was queued
    outbox.deliver_due(session, clock.now(), {"webhook": WebhookSender()})
    assert receiver.received == []
    withdrawn = session.get(OutboxMessage, queued.id, populate_existing=True)
    assert withdrawn.status == "dead" and "revoked" in withdrawn.last_error and withdrawn.sent_at is None
    kinds = [e.kind for e in session.scalars(select(Event).join(Complaint).where(Complaint.ticket == ticket))]
    assert "message_failed" not in kinds  # a withdrawal is not a failed delivery


def test_a_revocation_landing_while_the_queue_is_being_sent_stops_the_rest_of_it(client, make_token, receiver,
                                                                                  session, clock):
    token, partner = _partner_with_webhook(client, make_token, receiver)
    tickets = [client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"] for _ in range(2)]
    for ticket in tickets:
        lifecycle.acknowledge(session, clock.now(), ticket, _officer(session, ticket))
    first, second = _webhook_messages(session)

    class RevokedMidway(WebhookSender):
        """The administrator revokes the token while the first POST is on its way."""

        def send(self, message):
            result = super().send(message)
            if message.id == first.id:
                accounts.revoke_token(session, clock.now(), token.prefix)
                session.commit()
            return result

    assert outbox.deliver_due(session, clock.now(), {"webhook": RevokedMidway()}) == 2  # both claimed together
    assert [hit["json"]["complaint"]["ticket"] for hit in receiver.received] == [tickets[0]]
    assert session.get(OutboxMessage, first.id, populate_existing=True).status == "sent"
    stopped = session.get(OutboxMessage, second.id, populate_existing=True)
    assert stopped.status == "dead" and stopped.last_error == partner_webhooks.REVOKED


def test_a_webhook_carries_the_public_status_change_never_a_staff_note(client, bearer, receiver, session, clock):
    partner = bearer("partner")
    client.put("/api/v1/webhook", json={"url": receiver.url}, headers=partner)
    ticket = client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"]
    officer = _officer(session, ticket)
    lifecycle.acknowledge(session, clock.now(), ticket, officer, note="Internal: tetangga bilang dia mabuk")
    lifecycle.handle(session, clock.now(), ticket, officer, note="Paket sembako diantar")  # told to the citizen
    supervisor = Actor(kind="user", id=None, role="supervisor", name="Supervisor", all_jurisdictions=True)
    lifecycle.reopen(session, clock.now(), ticket, supervisor, note="Internal: kepala desa menelepon")
    outbox.deliver_due(session, clock.now(), {"webhook": WebhookSender()})
    notes = {hit["json"]["event"]: hit["json"]["complaint"]["note"] for hit in receiver.received}
    assert notes == {"acknowledged": None, "handled": "Paket sembako diantar", "reopened": None}
    assert not any(b"Internal" in hit["body"] for hit in receiver.received)


def test_a_partner_that_removes_its_webhook_is_sent_nothing_already_queued(client, bearer, receiver, session, clock):
    partner = bearer("partner")
    client.put("/api/v1/webhook", json={"url": receiver.url}, headers=partner)
    ticket = client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"]
    lifecycle.acknowledge(session, clock.now(), ticket, _officer(session, ticket))
    (queued,) = _webhook_messages(session)
    assert client.delete("/api/v1/webhook", headers=partner).status_code == 204
    outbox.deliver_due(session, clock.now(), {"webhook": WebhookSender()})
    assert receiver.received == []
    stopped = session.get(OutboxMessage, queued.id, populate_existing=True)
    assert stopped.status == "dead" and stopped.last_error == partner_webhooks.REMOVED


# --- where a webhook may point (SSRF) -----------------------------------------------------------

# URLs whose host one parser reads differently from another, or that name no real port: refused
# when set, whatever they resolve to (the report's `http://127.0.0.1:PORT\@decoy/` reached 127.0.0.1).
MISREAD_URLS = (
    "http://127.0.0.1:5091\\@" + "a" * 64 + "/internal-admin",
    "http://127.0.0.1:5091\\@partner.example/",
    "https://partner.example\\@127.0.0.1/",
    "http://user@127.0.0.1/",
    "https://user:secret@partner.example/hook",
    "https://@partner.example/hook",
    "http://bücher.example/hook",
    "http://partner.example/hook\u200b",
    "http://partner.example:0/hook",
    "http://partner.example:65536/hook",
    "http://partner.example:99999/hook",
    "http://:8080/hook",
    "http:///hook",
    "http://partner .example/hook",
)


def test_a_webhook_url_that_parsers_could_read_differently_is_refused_when_set(client, bearer):
    partner = bearer("partner")
    for url in MISREAD_URLS:
        r = client.put("/api/v1/webhook", json={"url": url}, headers=partner)
        assert r.status_code == 422 and r.json["error"]["code"] == "validation_failed", url
    assert client.get("/api/v1/webhook", headers=partner).status_code == 404  # nothing was set
    for url in ("https://partner.example/sigap?x=1", "http://xn--bcher-kva.example:8443/hook", "https://[2001:db8::1]/"):
        assert client.put("/api/v1/webhook", json={"url": url}, headers=partner).status_code == 200, url


def _queued_webhook(client, bearer, session, clock, url):
    partner = bearer("partner")
    assert client.put("/api/v1/webhook", json={"url": url}, headers=partner).status_code == 200
    ticket = client.post("/api/v1/complaints", json=BODY, headers=partner).json["ticket"]
    lifecycle.acknowledge(session, clock.now(), ticket, _officer(session, ticket))
    return _after(session, clock, ticket)


def test_a_name_resolving_into_our_network_is_refused_at_send_time(client, bearer, receiver, session, clock,
                                                                    settings):
    port = receiver.url.split(":")[2].split("/")[0]
    message = _queued_webhook(client, bearer, session, clock, f"http://localhost:{port}/sigap-hook")
    settings.webhook_allow_private_hosts = False
    outbox.deliver_due(session, clock.now(), {"webhook": WebhookSender(settings)})
    refused = session.get(OutboxMessage, message.id, populate_existing=True)
    assert refused.status == "dead" and "inside our network" in refused.last_error and receiver.received == []


def test_the_host_is_resolved_once_and_a_failed_lookup_is_a_refusal(client, bearer, receiver, session, clock,
                                                                      settings, monkeypatch):
    """DNS rebinding: the first answer for the name fails (or is public), the next is 127.0.0.1.
    The address checked is the address connected to, so nothing reaches the internal listener."""
    import socket

    port = receiver.url.split(":")[2].split("/")[0]
    message = _queued_webhook(client, bearer, session, clock, f"http://rebind.example:{port}/internal")
    real, lookups = socket.getaddrinfo, []

    def rebinding(host, *args, **kwargs):
        if host == "rebind.example":
            lookups.append(host)
            if len(lookups) == 1:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    settings.webhook_allow_private_hosts = False
    outbox.deliver_due(session, clock.now(), {"webhook": WebhookSender(settings)})
    failed = session.get(OutboxMessage, message.id, populate_existing=True)
    assert receiver.received == [] and lookups == ["rebind.example"]
    assert failed.status == "failed" and "did not resolve" in failed.last_error  # tried again later, checked again


def test_a_webhook_is_posted_to_the_checked_address_with_the_name_in_the_host_header(client, bearer, receiver,
                                                                                      session, clock):
    port = receiver.url.split(":")[2].split("/")[0]
    message = _queued_webhook(client, bearer, session, clock, f"http://LocalHost:{port}/sigap-hook?v=2")
    outbox.deliver_due(session, clock.now(), {"webhook": WebhookSender()})  # development: private allowed
    (hit,) = receiver.received
    assert hit["headers"]["Host"] == f"localhost:{port}" and hit["path"] == "/sigap-hook?v=2"
    assert session.get(OutboxMessage, message.id, populate_existing=True).status == "sent"


def test_https_webhooks_check_the_certificate_against_the_name_not_the_address(client, bearer, session, clock,
                                                                                tls_receiver):
    ca, received, names = tls_receiver
    port = received.url.split(":")[2].split("/")[0]
    sender = {"webhook": WebhookSender(ca_certs=ca)}
    good = _queued_webhook(client, bearer, session, clock, f"https://localhost:{port}/hook")
    outbox.deliver_due(session, clock.now(), sender)
    assert session.get(OutboxMessage, good.id, populate_existing=True).status == "sent"
    assert names == ["localhost"] and received.received[0]["headers"]["Host"] == f"localhost:{port}"
    bad = _queued_webhook(client, bearer, session, clock, f"https://127.0.0.1:{port}/hook")  # the cert names localhost
    outbox.deliver_due(session, clock.now(), sender)
    refused = session.get(OutboxMessage, bad.id, populate_existing=True)
    assert refused.status == "failed" and "SSLError" in refused.last_error and len(received.received) == 1
