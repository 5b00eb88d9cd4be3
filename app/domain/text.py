"""Rules for text: what arrives from outside (API bodies, Telegram updates) is made storable instead
of failing the whole request, written to a log line without forging another, and place names are
compared in one normal form.

NUL is removed (PostgreSQL text cannot hold it) and a lone UTF-16 surrogate (a JSON escape such as
\\ud800 that encodes no character; UTF-8 cannot encode it) becomes U+FFFD, the replacement character."""
from __future__ import annotations

import re

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean_text(value: str) -> str:
    """The string with NUL removed and lone surrogates replaced by U+FFFD."""
    value = value.replace("\x00", "")
    return _LONE_SURROGATE.sub(REPLACEMENT, value) if _LONE_SURROGATE.search(value) else value


# C0 and C1 controls, DEL, and the Unicode line and paragraph separators: each could end a log line.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group(0)
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    return f"\\x{ord(char):02x}" if ord(char) <= 0xFF else f"\\u{ord(char):04x}"


def one_line(value) -> str:
    """`value` as text for one log line: control characters written as escapes (a newline as `\\n`),
    so text a partner or citizen wrote cannot start a forged log line."""
    return _CONTROL.sub(_escape, str(value))


def clean_json(value):
    """A decoded JSON value with every string (keys too) passed through `clean_text`.

    Walks with its own stack rather than recursion, so a body nested thousands deep cannot
    exhaust Python's recursion limit here."""
    if isinstance(value, str):
        return clean_text(value)
    if not isinstance(value, (dict, list)):
        return value
    root = _empty_like(value)
    stack = [(value, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, (dict, list)):
                copy = _empty_like(item)
                stack.append((item, copy))
            else:
                copy = clean_text(item) if isinstance(item, str) else item
            if isinstance(target, dict):
                target[clean_text(key)] = copy
            else:
                target.append(copy)
    return root


def _empty_like(value):
    return {} if isinstance(value, dict) else []


def normalise_name(name: str) -> str:
    """Case-, space- and punctuation-insensitive form used to compare place names."""
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()
