"""Phone numbers as E.164, Indonesian local forms (08...) accepted."""
from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

# The staff demo of the SMS protocol (/demo/citizen) plays fictional citizens in Indonesia's
# toll-free range 0800: numbers `to_e164` accepts, yet no mobile phone has one, so no real
# citizen can be spoken for, and a partner cannot claim one for a reporter (see `is_indonesian_mobile`).
DEMO_PREFIX = "+62800"
DEMO_DIGITS = 7  # +62 800 + seven digits: a valid Indonesian toll-free number


def to_e164(raw: str | None, region: str = "ID") -> str | None:
    """E.164 for a valid number (accepts '0812...', '+62 812...', 'whatsapp:+62...'), else None."""
    if not raw:
        return None
    return _e164(raw, region)


# Parsing with phonenumbers costs about as much CPU as a database round trip, and one SMS is read
# several times on its way (its sender, our number, the reporter, the reply's gateway): the answers
# (plain strings and booleans, never the mutable PhoneNumber) are kept per process for recent numbers.
_PARSED_KEPT = 4096


@lru_cache(maxsize=_PARSED_KEPT)
def _e164(raw: str, region: str) -> str | None:
    number = _parse(raw, region)
    if number is None:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


SHORT_CODE = re.compile(r"\d{3,8}")


def number_key(raw: str | None) -> str | None:
    """How one of our own numbers is known: E.164, or the digits of a short code ('1708'); else None."""
    e164 = to_e164(raw)
    if e164 is not None:
        return e164
    digits = (raw or "").strip()
    return digits if SHORT_CODE.fullmatch(digits) else None


def _parse(raw: str | None, region: str = "ID") -> phonenumbers.PhoneNumber | None:
    if not raw:
        return None
    text = raw.strip()
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:"):]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def is_indonesian_mobile(raw: str | None) -> bool:
    """An Indonesian number that can receive SMS: what a number someone else gives for a citizen
    must be before Sigap texts it (no premium-rate, foreign, toll-free or landline numbers)."""
    return bool(raw) and _indonesian_mobile(raw)


@lru_cache(maxsize=_PARSED_KEPT)
def _indonesian_mobile(raw: str) -> bool:
    number = _parse(raw)
    return (number is not None and phonenumbers.region_code_for_number(number) == "ID"
            and phonenumbers.number_type(number) in MOBILE_TYPES)


def demo_number(user_id: int) -> str:
    """The fictional citizen a staff user plays on /demo/citizen: one per user, never a real phone."""
    if not 0 < user_id < 10 ** DEMO_DIGITS:
        raise ValueError(f"no demo number for user id {user_id}")
    return f"{DEMO_PREFIX}{user_id:0{DEMO_DIGITS}d}"


def mask(phone: str | None) -> str | None:
    """+6281234567890 -> +628•••••••890: enough to recognise, not to call. The one mask of a
    reporter's phone, on the staff web and in the API (app.domain.privacy decides who gets it)."""
    if not phone:
        return None
    if len(phone) <= 6:
        return "•" * len(phone)
    return phone[:4] + "•" * (len(phone) - 7) + phone[-3:]


# A run of at least seven digits, maybe with a leading + or ( and single spaces, dashes or a closing
# bracket between them, not inside a longer word or a dotted number: a Twilio id "SM0123...", an error
# code "21211" and an address 203.0.113.10 stay.
_PHONE_LIKE = re.compile(r"(?<![\w+(.])[+(]?\d(?:(?:[ \-]|\) ?)?\d){6,}(?![\w.]\d|\w)")


def redact(text: str | None) -> str | None:
    """`text` with every phone-number-like run masked as `mask` does: for a provider's error
    message ("The 'To' number +6281259903999 is not a valid phone number") kept in the trail."""
    if not text:
        return text
    return _PHONE_LIKE.sub(lambda m: mask(re.sub(r"[ ()\-]", "", m.group(0))), text)
