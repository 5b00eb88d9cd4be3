"""The sender of each channel, for whatever delivers the outbox (the scheduler's job, `jobs deliver`,
`telegram poll`): Telegram and Twilio (SMS and WhatsApp) where credentials are configured, Kannel for
SMS whose number is on Kannel (the message's `extra["gateway"]`, set by services/messaging/sms_gateways),
partner webhooks over HTTPS, the console (logs the message) everywhere else. Lives with the channels because
it assembles them; services only know the Sender protocol."""
from __future__ import annotations

from app.models import OutboxMessage
from app.services.messaging.outbox import ConsoleSender, Sender, SendResult
from app.services.messaging.outbox import build_senders as console_senders


def build_senders(settings) -> dict[str, Sender]:
    from app.channels.api.webhook_sender import WebhookSender

    senders = console_senders(settings)
    senders["webhook"] = WebhookSender(settings)  # partner systems: plain HTTPS, no credentials needed
    if getattr(settings, "telegram_bot_token", None):
        from app.channels.telegram.sender import TelegramSender

        senders["telegram"] = TelegramSender(settings)
    if getattr(settings, "twilio_account_sid", None):
        from app.channels.sms.sender import TwilioSender

        twilio = TwilioSender(settings)
        senders["sms"] = twilio
        senders["whatsapp"] = twilio
    kannel = None
    if getattr(settings, "kannel_sendsms_url", None):
        from app.channels.kannel.sender import KannelSender

        kannel = KannelSender(settings)
    if kannel is not None or not isinstance(senders["sms"], ConsoleSender):
        senders["sms"] = SmsGateways(senders["sms"], kannel or ConsoleSender("sms"))
    return senders


class SmsGateways:
    """SMS by the gateway each message names: Kannel's numbers through Kannel (or the console when
    Kannel is not configured here), everything else through Twilio (or the console)."""

    channel = "sms"

    def __init__(self, twilio: Sender, kannel: Sender):
        self.twilio, self.kannel = twilio, kannel

    def send(self, message: OutboxMessage) -> SendResult:
        gateway = (message.extra or {}).get("gateway")
        return (self.kannel if gateway == "kannel" else self.twilio).send(message)
