"""Phone numbers as E.164, Indonesian local forms (08...) accepted."""
from __future__ import annotations

import phonenumbers


def to_e164(raw: str | None, region: str = "ID") -> str | None:
    """E.164 for a valid number (accepts '0812...', '+62 812...', 'whatsapp:+62...'), else None."""
    if not raw:
        return None
    text = raw.strip()
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:"):]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str | None) -> str | None:
    """+6281234567890 -> +628•••••••890: enough to recognise, not to call. The one mask of a
    reporter's phone, on the staff web and in the API (app.domain.privacy decides who gets it)."""
    if not phone:
        return None
    if len(phone) <= 6:
        return "•" * len(phone)
    return phone[:4] + "•" * (len(phone) - 7) + phone[-3:]
