"""The sender of each channel, for whatever delivers the outbox (the scheduler's job, `jobs deliver`,
`telegram poll`): Telegram and Twilio (SMS and WhatsApp) where credentials are configured, partner
webhooks over HTTPS, the console (logs the message) everywhere else. Lives with the channels because
it assembles them; services only know the Sender protocol."""
from __future__ import annotations

from app.services.messaging.outbox import Sender
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
    return senders
