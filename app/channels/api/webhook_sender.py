"""Delivers partner webhooks from the outbox: a POST of the stored JSON body with its signature."""
from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlparse

import requests

from app.domain.ids import whole_number
from app.models import OutboxMessage
from app.services.messaging.outbox import SendResult
from app.services.messaging.partner_webhooks import SIGNATURE_HEADER

log = logging.getLogger("sigap.webhooks")

TIMEOUT = (5, 10)  # seconds: connect, read
# A partner answering these has a problem that a retry may fix; other 4xx answers are final.
RETRYABLE_4XX = {408, 409, 425, 429}


def private_address(url: str) -> str | None:
    """The first loopback, private, link-local or reserved address the URL's host resolves to, if any."""
    host = urlparse(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return None  # the POST itself will fail and be retried
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if (address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
                or address.is_multicast or address.is_unspecified):
            return str(address)
    return None


class WebhookSender:
    channel = "webhook"

    def __init__(self, settings=None, session: requests.Session | None = None):
        self.http = session or requests.Session()
        self.http.trust_env = False  # never route partner calls through an ambient proxy
        # In production a partner URL may not point into our own network (Settings.webhook_allow_private_hosts).
        allow = getattr(settings, "webhook_allow_private_hosts", None)
        self.allow_private = (not getattr(settings, "production", False)) if allow is None else bool(allow)

    def send(self, message: OutboxMessage) -> SendResult:
        extra = message.extra or {}
        url = extra.get("url")
        if not url:
            return SendResult(ok=False, error="no webhook url on the message", permanent=True)
        if not self.allow_private:
            inside = private_address(url)
            if inside:
                return SendResult(ok=False, error=f"refused: the webhook host resolves to {inside}, "
                                                  "an address inside our network", permanent=True)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Sigap-Webhooks/1",
            SIGNATURE_HEADER: extra.get("signature", ""),
            "X-Sigap-Event-Id": extra.get("event_id", ""),
            "X-Sigap-Delivery": str(message.id),
        }
        try:
            response = self.http.post(url, data=message.body.encode("utf-8"), headers=headers, timeout=TIMEOUT,
                                      allow_redirects=False)
        except requests.RequestException as exc:
            return SendResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= response.status_code < 300:
            return SendResult(ok=True, provider_id=f"webhook-{message.id}")
        error = f"HTTP {response.status_code}: {response.text[:200]}"
        if response.status_code in RETRYABLE_4XX or response.status_code >= 500:
            return SendResult(ok=False, error=error, retry_after=_retry_after(response))
        return SendResult(ok=False, error=error, permanent=True)


def _retry_after(response) -> float | None:
    seconds = whole_number(response.headers.get("Retry-After") or "")  # the partner's server says what it likes
    return None if seconds is None else min(float(seconds), 3600.0)
