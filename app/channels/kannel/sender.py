"""Sends outbox SMS through Kannel's smsbox `sendsms` interface: from the short code the citizen wrote
to, UCS-2 where the text is not GSM-7, long texts split by Kannel, a delivery report for every state
asked back to /webhooks/kannel/status, and Kannel's answers classified like Twilio's errors."""
from __future__ import annotations

import dataclasses
import logging
from urllib.parse import urlencode

import requests

from app.models import OutboxMessage
from app.services.messaging.outbox import SendResult

log = logging.getLogger("sigap.kannel.sender")

SEND_TIMEOUT = 10.0  # seconds; smsbox answers once bearerbox has the message
DLR_MASK = 31  # delivered, undelivered, queued at the SMSC, accepted by the SMSC, refused by the SMSC
MAX_PARTS = 6  # Kannel splits a long text into at most this many concatenated parts
# GSM 03.38 default alphabet and its extension table: texts of only these go as 7-bit (160 a part).
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
           "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà") | set("^{}\\[~]|€\f")


def needs_ucs2(text: str) -> bool:
    return any(ch not in GSM7 for ch in text)


class KannelSender:
    channel = "sms"

    def __init__(self, settings):
        self.url = settings.kannel_sendsms_url
        self.username, self.password = settings.kannel_username, settings.kannel_password
        self.secret = settings.kannel_secret
        base = settings.kannel_callback_base_url or settings.public_base_url
        self.status_url = base.rstrip("/") + "/webhooks/kannel/status" if base else None
        self.http = requests.Session()

    def params(self, message: OutboxMessage) -> dict:
        extra = message.extra or {}
        # SMPP aggregators in Indonesia take international numbers without '+'.
        params = {"username": self.username, "password": self.password, "from": extra.get("from") or "",
                  "to": message.recipient.removeprefix("whatsapp:").lstrip("+"), "text": message.body,
                  "charset": "UTF-8", "coding": "2" if needs_ucs2(message.body) else "0",
                  "max-messages": str(MAX_PARTS)}
        if self.status_url:
            # Kannel fills in %d (the report type) and %A (the SMSC's words); the rest is ours, kept as is.
            query = urlencode({"secret": self.secret, "id": message.id})
            params.update({"dlr-mask": str(DLR_MASK), "dlr-url": f"{self.status_url}?{query}&status=%d&reply=%A"})
        return params

    def send(self, message: OutboxMessage) -> SendResult:
        params = self.params(message)
        if not params["from"]:
            return SendResult(ok=False, error="kannel: no sending number (map the short code with "
                                              "`sms map-number NUMBER JURISDICTION --gateway kannel`)")
        try:
            answer = self.http.get(self.url, params=params, timeout=SEND_TIMEOUT)
        except requests.RequestException as exc:  # smsbox down or unreachable: try again later
            return SendResult(ok=False, error=f"kannel unreachable: {type(exc).__name__}"[:500])
        result = classify(answer.status_code, answer.text, message.id)
        # With a dlr-url the message counts as delivered only on Kannel's delivery report, as Twilio's callback.
        return dataclasses.replace(result, awaits_report=True) if result.ok and self.status_url else result


def classify(status: int, text: str, message_id: int) -> SendResult:
    """Accepted (2xx); permanent when Kannel refuses the number itself; temporary otherwise (our account,
    sender or a busy gateway: retried with backoff until the outbox gives up)."""
    said = " ".join((text or "").split())[:300]
    error = f"kannel {status}: {said}"
    if 200 <= status < 300:
        return SendResult(ok=True, provider_id=f"kannel-{message_id}")
    lowered = said.lower()
    if status == 400 and ("denied" in lowered or "receiver" in lowered):
        return SendResult(ok=False, error=error, permanent=True, reporter_state="unreachable")
    return SendResult(ok=False, error=error)
