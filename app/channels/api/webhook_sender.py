"""Delivers partner webhooks from the outbox: a POST of the stored JSON body with its signature.

The URL is parsed once (app.domain.webhook_target, as urllib3 reads it), its host resolved once, every
address checked, and the connection made to a checked address, with the Host header, TLS SNI and the
certificate check on the name: a DNS answer that changes between the check and the connection (DNS
rebinding) cannot move the POST into our own network."""
from __future__ import annotations

import logging
import socket

import requests.certs
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, Timeout
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from app.domain import webhook_target
from app.domain.ids import whole_number
from app.models import OutboxMessage
from app.services.messaging.outbox import SendResult
from app.services.messaging.partner_webhooks import SIGNATURE_HEADER

log = logging.getLogger("sigap.webhooks")

TIMEOUT = Timeout(connect=5, read=10)  # seconds
# A partner answering these has a problem that a retry may fix; other 4xx answers are final.
RETRYABLE_4XX = {408, 409, 425, 429}
MAX_ADDRESSES = 3  # of a name's addresses, tried in order while a connection cannot be made
ANSWER_SHOWN = 200  # characters of a partner's error answer kept in last_error


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses, in the resolver's order, each once (an IP literal is itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


class WebhookSender:
    channel = "webhook"

    def __init__(self, settings=None, *, resolver=resolve, ca_certs: str | None = None):
        # In production a partner URL may not point into our own network (Settings.webhook_allow_private_hosts).
        allow = getattr(settings, "webhook_allow_private_hosts", None)
        self.allow_private = (not getattr(settings, "production", False)) if allow is None else bool(allow)
        self.resolver = resolver
        self.ca_certs = ca_certs or requests.certs.where()

    def send(self, message: OutboxMessage) -> SendResult:
        extra = message.extra or {}
        url = extra.get("url")
        if not url:
            return SendResult(ok=False, error="no webhook url on the message", permanent=True)
        try:
            target = webhook_target.parse(url)
        except webhook_target.BadWebhookUrl as exc:
            return SendResult(ok=False, error=f"refused: {exc}", permanent=True)
        try:
            addresses = self.resolver(target.host, target.port)
        except (OSError, UnicodeError) as exc:
            addresses, reason = [], str(exc)
        else:
            reason = "no address"
        if not addresses:  # nothing checked, nothing called; DNS may answer on a later attempt
            return SendResult(ok=False, error=f"refused: the webhook host {target.host} did not resolve: {reason}"[:500])
        if not self.allow_private:
            inside = next((a for a in addresses if webhook_target.inside_network(a)), None)
            if inside:
                return SendResult(ok=False, error=f"refused: the webhook host resolves to {inside}, "
                                                  "an address inside our network", permanent=True)
        headers = {
            "Host": target.host_header,
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Sigap-Webhooks/1",
            SIGNATURE_HEADER: extra.get("signature", ""),
            "X-Sigap-Event-Id": extra.get("event_id", ""),
            "X-Sigap-Delivery": str(message.id),
        }
        body = message.body.encode("utf-8")
        failure = ""
        for address in addresses[:MAX_ADDRESSES]:
            try:
                status, answer, retry_after = self._post(target, address, body, headers)
            except (NewConnectionError, ConnectTimeoutError) as exc:  # nothing was sent: the next address
                failure = f"ConnectionError: cannot connect to {address} port {target.port}: {exc}"
                continue
            except SSLError as exc:
                return SendResult(ok=False, error=f"SSLError: {exc}"[:500])
            except Urllib3Timeout as exc:
                return SendResult(ok=False, error=f"Timeout: {exc}"[:500])
            except HTTPError as exc:
                return SendResult(ok=False, error=f"ConnectionError: {type(exc).__name__}: {exc}"[:500])
            return _result(message, status, answer, retry_after)
        return SendResult(ok=False, error=failure[:500])

    def _post(self, target: webhook_target.Target, address: str, body: bytes,
              headers: dict) -> tuple[int, str, str | None]:
        """One POST to `address`, speaking to it as `target.host`; (status, start of answer, Retry-After)."""
        if target.tls:
            pool = HTTPSConnectionPool(address, target.port, timeout=TIMEOUT, retries=False, maxsize=1,
                                       cert_reqs="CERT_REQUIRED", ca_certs=self.ca_certs,
                                       server_hostname=target.host, assert_hostname=target.host)
        else:
            pool = HTTPConnectionPool(address, target.port, timeout=TIMEOUT, retries=False, maxsize=1)
        with pool:
            response = pool.urlopen("POST", target.request_uri, body=body, headers=headers, redirect=False,
                                    retries=False, assert_same_host=False, preload_content=False)
            try:
                answer = response.read(4 * ANSWER_SHOWN, decode_content=True)
            finally:
                response.release_conn()
            return response.status, answer.decode("utf-8", "replace"), response.headers.get("Retry-After")


def _result(message: OutboxMessage, status: int, answer: str, retry_after: str | None) -> SendResult:
    if 200 <= status < 300:
        return SendResult(ok=True, provider_id=f"webhook-{message.id}")
    error = f"HTTP {status}: {answer[:ANSWER_SHOWN]}"
    if status in RETRYABLE_4XX or status >= 500:
        return SendResult(ok=False, error=error, retry_after=_retry_after(retry_after))
    return SendResult(ok=False, error=error, permanent=True)


def _retry_after(value: str | None) -> float | None:
    seconds = whole_number(value or "")  # the partner's server says what it likes
    return None if seconds is None else min(float(seconds), 3600.0)
