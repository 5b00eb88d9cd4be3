"""The short code on a citizen's receipt that, with the ticket, opens the public status page.

A ticket number is guessable (BWI-2026-000123 is followed by ...124), so it never opens anything
alone. The code is random, shown to the citizen once (on the receipt) and stored only as a hash
bound to its ticket, so a copy of the database does not open the pages either. Checking compares
in constant time, and costs the same whether or not the ticket exists."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlencode

# No 0/O, 1/I/L: read aloud at a counter and typed from an SMS.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8  # 31^8, about 8.5e11 codes per ticket; the page is rate-limited per address and per ticket
_DUMMY = "0" * 64


_CODES = len(ALPHABET) ** LENGTH


def new_code() -> str:
    """LENGTH letters of ALPHABET, each uniform and independent: one draw below 31^8 written in base 31
    (one read of the system's randomness, not one per letter)."""
    value = secrets.randbelow(_CODES)
    letters = []
    for _ in range(LENGTH):
        value, digit = divmod(value, len(ALPHABET))
        letters.append(ALPHABET[digit])
    return "".join(letters)


def normalise(code: str | None) -> str:
    """What the citizen typed, as issued: upper case, without spaces or hyphens ("abcd-2345" works)."""
    if not isinstance(code, str):
        return ""
    return "".join(ch for ch in code.upper() if ch not in " -\t")[:32]


def digest(ticket: str, code: str) -> str:
    """The stored form: sha256 over the ticket and the code (a code opens its own ticket only)."""
    return hashlib.sha256(f"sigap-status:{ticket}:{normalise(code)}".encode()).hexdigest()


def matches(ticket: str, code: str | None, stored: str | None) -> bool:
    """Whether `code` is the one issued for `ticket`; False for a complaint that has none."""
    given = digest(ticket, code or "")
    ok = hmac.compare_digest(given, stored or _DUMMY)
    return ok and stored is not None and len(normalise(code)) == LENGTH


def display(code: str) -> str:
    """'ABCD2345' as printed: 'ABCD-2345'."""
    return f"{code[:4]}-{code[4:]}"


# The public status page: its form, opened with the ticket filled in (never the code: that is typed).
STATUS_PATH = "/lacak"


def status_link(public_base_url: str | None, ticket: str, language: str = "id") -> str | None:
    """The public status page's address for a receipt: PUBLIC_BASE_URL/lacak?tiket=<ticket>, with
    `&lang=en` for an English reader (Indonesian is the page's default). It carries the ticket only,
    which the receipt prints anyway and which opens nothing without the code. None without a
    configured public base URL (a link to this server's own host would reach no citizen)."""
    if not public_base_url or not ticket:
        return None
    query = {"tiket": ticket, **({"lang": language} if language and language != "id" else {})}
    return f"{public_base_url.rstrip('/')}{STATUS_PATH}?{urlencode(query)}"
