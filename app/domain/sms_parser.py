"""Reads one text-protocol message (SMS or WhatsApp) into a command, forgiving case, spacing and typos.

Pure: no database. Also counts SMS segments (GSM-7 / UCS-2) so replies can be kept short."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

# Messages longer than this are cut before parsing (Twilio itself caps SMS at 1600, WhatsApp at 4096).
MAX_BODY_CHARS = 4096

# Keyword -> (category code, language). The menu lists the categories in MENU order.
CATEGORY_KEYWORDS: dict[str, tuple[str, str]] = {
    "MAKAN": ("hunger", "id"), "LAPAR": ("hunger", "id"), "HUNGER": ("hunger", "en"), "FOOD": ("hunger", "en"),
    "SEKOLAH": ("school_dropout", "id"), "SCHOOL": ("school_dropout", "en"),
    "RUMAH": ("uninhabitable_house", "id"), "HOUSE": ("uninhabitable_house", "en"),
    "HOME": ("uninhabitable_house", "en"),
    "LANSIA": ("lone_elderly", "id"), "ELDERLY": ("lone_elderly", "en"),
    "BEROBAT": ("medical_care", "id"), "SAKIT": ("medical_care", "id"), "MEDICAL": ("medical_care", "en"),
}
MENU = ("hunger", "school_dropout", "uninhabitable_house", "lone_elderly", "medical_care")

# The citizen's choice after the report word (LAPOR RAHASIA MAKAN ..., LAPOR ANONIM ...):
# word -> (confidentiality, language). See app.domain.privacy.
CONFIDENTIALITY_KEYWORDS: dict[str, tuple[str, str]] = {
    "RAHASIA": ("rahasia", "id"), "CONFIDENTIAL": ("rahasia", "en"), "SECRET": ("rahasia", "en"),
    "ANONIM": ("anonim", "id"), "ANONYMOUS": ("anonim", "en"),
}

# Command words -> (kind, language or None when the word is used in both languages).
REPORT_WORDS = {"LAPOR": "id", "LAPORAN": "id", "ADUAN": "id", "REPORT": "en"}
STATUS_WORDS = {"STATUS": None, "CEK": "id", "CHECK": "en"}
# Whole-message words: never guessed from typos (a wrong opt-out or confirmation costs too much).
EXACT_WORDS: dict[str, tuple[str, str | None]] = {
    "YA": ("yes", "id"), "SUDAH": ("yes", "id"), "IYA": ("yes", "id"), "YES": ("yes", "en"),
    "TIDAK": ("no", "id"), "BELUM": ("no", "id"), "TDK": ("no", "id"), "GAK": ("no", "id"),
    "ENGGAK": ("no", "id"), "NGGAK": ("no", "id"), "NO": ("no", "en"), "NOT": ("no", "en"),
    "STOP": ("stop", None), "BERHENTI": ("stop", "id"), "STOPALL": ("stop", "en"),
    "UNSUBSCRIBE": ("stop", "en"), "END": ("stop", "en"), "QUIT": ("stop", "en"),
    "START": ("start", None), "MULAI": ("start", "id"), "UNSTOP": ("start", "en"),
    "BANTUAN": ("help", "id"), "INFO": ("help", None), "MENU": ("help", None), "HELP": ("help", "en"),
    "BATAL": ("cancel", "id"), "CANCEL": ("cancel", "en"),
}
# Words also recognised with a typo (edit distance 1, or 2 for long words).
FUZZY_COMMANDS = {**{w: ("report", lang) for w, lang in REPORT_WORDS.items()},
                  **{w: ("status", lang) for w, lang in STATUS_WORDS.items()},
                  "BANTUAN": ("help", "id"), "BERHENTI": ("stop", "id")}

TICKET = re.compile(r"\b([A-Za-z]{2,8})[\s\-_/.:#]*(\d{4})[\s\-_/.:#]*(\d{1,7})\b")
FIRST_WORD = re.compile(r"^[^0-9A-Za-z]*([A-Za-z]+)(.*)$", re.S)
NUMBER_ONLY = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
SEPARATORS = re.compile(r"[:;,]|\s-\s")


@dataclass(frozen=True)
class ParsedMessage:
    """What the citizen asked for. kind is one of: report, status, yes, no, stop, start, help,
    cancel, number, text, empty, unreadable."""

    kind: str
    text: str = ""  # the body, cleaned (whitespace collapsed, cut to MAX_BODY_CHARS)
    language: str | None = None  # "id" / "en" when a keyword tells, else None
    category: str | None = None
    village: str | None = None
    description: str | None = None
    rest: str | None = None  # report text after the keyword when no separator says where the village ends
    ticket: str | None = None
    number: int | None = None
    confidentiality: str | None = None  # "rahasia" / "anonim" when the report says so, else None


def clean(body: str | None) -> str:
    """Unicode-normalised, control characters removed, whitespace collapsed, cut to MAX_BODY_CHARS."""
    text = unicodedata.normalize("NFKC", body or "")[:MAX_BODY_CHARS]
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())


def is_readable(text: str) -> bool:
    """True when the text has at least one Latin letter or digit (the protocol is written in Latin script)."""
    for ch in text:
        if ch.isdigit() and ch.isascii():
            return True
        if ch.isalpha() and "LATIN" in unicodedata.name(ch, ""):
            return True
    return False


def _match_word(word: str, vocabulary: dict) -> str | None:
    """The vocabulary word `word` stands for, allowing a small typo for words of four letters or more."""
    word = word.upper()
    if word in vocabulary:
        return word
    if len(word) < 4:
        return None
    limit = 1 if len(word) < 7 else 2
    found = process.extractOne(word, list(vocabulary), scorer=DamerauLevenshtein.distance, score_cutoff=limit)
    return found[0] if found else None


def match_category(word: str, keywords: dict[str, tuple[str, str]] | None = None) -> tuple[str, str] | None:
    """(category code, language) for a keyword such as MAKAN or a typo of it (SEKOLH)."""
    keywords = keywords or CATEGORY_KEYWORDS
    found = _match_word(word, keywords)
    return keywords[found] if found else None


def normalise_ticket(text: str) -> str | None:
    """BWI-2026-000123 from forms such as 'bwi 2026 123' or 'BWI/2026/000123'; None when none is there."""
    found = TICKET.search(text or "")
    if not found:
        return None
    prefix, year, seq = found.groups()
    return f"{prefix.upper()}-{year}-{int(seq):06d}"


def _split_village(rest: str) -> tuple[str | None, str | None, str | None]:
    """(village, description, rest): split at the first ':' ';' ',' or ' - '; else everything is `rest`."""
    rest = rest.strip(" .-:;,")
    if not rest:
        return None, None, None
    found = SEPARATORS.search(rest)
    if found:
        village = rest[:found.start()].strip(" .-")
        description = rest[found.end():].strip(" -:;,")
        return village or None, description or None, None
    return None, None, rest


def _parse_report(rest: str, language: str | None, keywords) -> ParsedMessage:
    category = confidentiality = None
    first = FIRST_WORD.match(rest)
    chosen = _match_word(first.group(1), CONFIDENTIALITY_KEYWORDS) if first else None
    if chosen and first.group(1).upper() not in keywords:
        confidentiality, choice_language = CONFIDENTIALITY_KEYWORDS[chosen]
        language = language or choice_language
        rest = first.group(2)
        first = FIRST_WORD.match(rest)
    if first:
        matched = match_category(first.group(1), keywords)
        if matched:
            category, keyword_language = matched
            language = language or keyword_language
            rest = first.group(2)
    village, description, leftover = _split_village(rest)
    return ParsedMessage(kind="report", language=language, category=category, village=village,
                         description=description, rest=leftover, confidentiality=confidentiality)


def parse(body: str | None, keywords: dict[str, tuple[str, str]] | None = None) -> ParsedMessage:
    """Parse one message. Never raises: anything unrecognised is kind "text" (or "empty"/"unreadable")."""
    text = clean(body)
    if not text:
        return ParsedMessage(kind="empty")
    if not is_readable(text):
        return ParsedMessage(kind="unreadable", text=text)
    number = NUMBER_ONLY.match(text)
    if number:
        return ParsedMessage(kind="number", text=text, number=int(number.group(1)))

    first = FIRST_WORD.match(text)
    if not first:
        return ParsedMessage(kind="text", text=text)
    word, rest = first.group(1).upper(), first.group(2)
    rest_words = rest.strip(" .!?,;:-").strip()

    exact = EXACT_WORDS.get(word)
    if exact:
        kind, language = exact
        ticket = normalise_ticket(rest_words)
        # YA/TIDAK/STOP/... count only alone (or with a ticket): "tidak ada makanan" is not an answer.
        if not rest_words or (kind in ("yes", "no") and ticket and len(rest_words) <= 20):
            return ParsedMessage(kind=kind, text=text, language=language, ticket=ticket)

    keywords = keywords or CATEGORY_KEYWORDS
    # An exact category keyword is never read as a typo of a command (LAPAR is not LAPOR).
    command = None if word in EXACT_WORDS or word in keywords else _match_word(word, FUZZY_COMMANDS)
    if command:
        kind, language = FUZZY_COMMANDS[command]
        if kind == "report":
            parsed = _parse_report(rest, language, keywords)
            return ParsedMessage(**{**parsed.__dict__, "text": text})
        if kind == "status":
            return ParsedMessage(kind="status", text=text, language=language, ticket=normalise_ticket(rest))
        if kind in ("help", "stop") and not rest_words:
            return ParsedMessage(kind=kind, text=text, language=language)

    # A bare category keyword ("MAKAN Kemiren: ...") is a report too.
    matched = match_category(word, keywords)
    if matched and (not rest_words or SEPARATORS.search(rest)):
        category, language = matched
        village, description, leftover = _split_village(rest)
        return ParsedMessage(kind="report", text=text, language=language, category=category,
                             village=village, description=description, rest=leftover)
    return ParsedMessage(kind="text", text=text)


# GSM 03.38 basic character set and its extension table (extension characters cost two septets).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def sms_segments(text: str) -> int:
    """How many SMS segments `text` takes: GSM-7 160 (153 when split), else UCS-2 70 (67 when split)."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        septets = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        return 1 if septets <= 160 else -(-septets // 153)
    units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
    return 1 if units <= 70 else -(-units // 67)
