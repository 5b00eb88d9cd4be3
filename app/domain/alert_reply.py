"""Staff answering an alert by SMS/WhatsApp, as paging systems do: `1` (the last alert sent to
you) or `OK <ticket>`. Pure parsing: who may answer, and what the answer does, is the service's."""
from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.sms_parser import normalise_ticket

# Words that acknowledge (Indonesian first; the English ones also ask for an English answer).
WORDS_ID = ("OK", "OKE", "SIAP", "TERIMA", "DITERIMA")
WORDS_EN = ("ACK", "ACKNOWLEDGE", "ACKNOWLEDGED", "ACCEPT")
SHORT_CODE = "1"
MAX_WORDS = 3
_CLEAN = re.compile(r"[!.,;:]+$")


@dataclass(frozen=True)
class AlertReply:
    ticket: str | None  # the ticket named (normalised), None for `1` or a bare OK
    named: str | None  # what followed the word, as written (a wrong code is answered with it)
    english: bool  # asked in English: answer in English
    explicit: bool  # `OK <something>`: clearly an answer to an alert, even from a stranger


def parse(text: str | None) -> AlertReply | None:
    """The alert answer in `text`, or None when it is not one (then it is a citizen's message)."""
    words = [_CLEAN.sub("", w) for w in (text or "").strip().upper().split()]
    words = [w for w in words if w]
    if not words or len(words) > MAX_WORDS:
        return None
    head, rest = words[0], " ".join(words[1:])
    english = head in WORDS_EN
    if head == SHORT_CODE:
        if not rest:
            return AlertReply(None, None, False, False)
        ticket = normalise_ticket(rest)
        return AlertReply(ticket, rest, False, True) if ticket else None
    if head not in WORDS_ID + WORDS_EN:
        return None
    if not rest:
        return AlertReply(None, None, english, english)
    return AlertReply(normalise_ticket(rest), rest[:40], english, True)
