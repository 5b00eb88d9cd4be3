"""Sends outbox messages by SMS or WhatsApp through the Twilio Messages API, classifying Twilio's errors."""
from __future__ import annotations

import json
import logging

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.domain import whatsapp_templates
from app.models import OutboxMessage
from app.services.messaging.outbox import SendResult

log = logging.getLogger("sigap.sms.sender")

# Never retried: 21610 recipient sent STOP, 21211 invalid number, 21614 cannot receive SMS,
# 63016 WhatsApp free text outside the 24-hour window (needs an approved template instead).
PERMANENT_CODES = {21610, 21211, 21614, 63016}
RETRY_AFTER_RATE_LIMITED = 60.0  # seconds, for 20429 / HTTP 429
SEND_TIMEOUT = 20.0  # seconds; a hung connection must not stall the delivery job
# The SDK logs every request with its body at INFO: citizens' messages stay out of the logs.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


class TwilioSender:
    channel = "sms"
    whatsapp_rules = True  # the outbox applies WhatsApp's window and templates before sending

    def __init__(self, settings):
        self.settings = settings
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                             http_client=TwilioHttpClient(timeout=SEND_TIMEOUT))
        # The client reads TWILIO_EDGE / TWILIO_REGION from the environment; they would rewrite the API host.
        self.client.edge = None
        self.client.region = None
        self.client.api.base_url = settings.twilio_api_base_url
        self.status_callback = (settings.public_base_url.rstrip("/") + "/webhooks/twilio/status"
                                if settings.public_base_url else None)

    def sender_for(self, recipient: str) -> str:
        number = self.settings.twilio_from_number
        if recipient.startswith("whatsapp:"):
            return number if number.startswith("whatsapp:") else f"whatsapp:{number}"
        return number.removeprefix("whatsapp:")

    def send(self, message: OutboxMessage) -> SendResult:
        recipient = message.recipient
        if message.channel == "whatsapp" and not recipient.startswith("whatsapp:"):
            recipient = f"whatsapp:{recipient}"
        params = {"to": recipient, "from_": self.sender_for(recipient), "body": message.body}
        extra = message.extra or {}
        if message.channel == "whatsapp" and extra.get("content_sid"):
            # Outside the 24-hour window: the approved template, never a body (Twilio Content API).
            del params["body"]
            params["content_sid"] = extra["content_sid"]
            params["content_variables"] = json.dumps(extra.get("content_variables") or {}, ensure_ascii=False)
        if self.status_callback:
            params["status_callback"] = self.status_callback
        try:
            sent = self.client.messages.create(**params)
        except TwilioRestException as exc:
            return classify(exc)
        except TwilioException as exc:
            return SendResult(ok=False, error=f"twilio: {exc}"[:500])
        except Exception as exc:  # noqa: BLE001 - network errors (requests) are temporary
            return SendResult(ok=False, error=f"network: {type(exc).__name__}: {exc}"[:500])
        # Accepted is not delivered: with a status callback, delivery counts when Twilio reports it.
        return SendResult(ok=True, provider_id=sent.sid, awaits_report=bool(self.status_callback))


def classify(exc: TwilioRestException) -> SendResult:
    """Permanent (no retry) for codes that will not change; temporary for rate limits and server errors."""
    code = exc.code
    error = f"twilio {code or exc.status}: {exc.msg}"[:500]
    if code in PERMANENT_CODES or whatsapp_templates.is_refusal(code):
        state = {21610: "opted_out", 63016: "message_only"}.get(code, "unreachable")
        return SendResult(ok=False, error=error, permanent=True, reporter_state=state)
    if code == 20429 or exc.status == 429:
        return SendResult(ok=False, error=error, retry_after=RETRY_AFTER_RATE_LIMITED)
    if exc.status and exc.status >= 500:
        return SendResult(ok=False, error=error)
    # Other errors (our account or sender number, not the citizen's) retry with backoff until the outbox gives up.
    return SendResult(ok=False, error=error)
