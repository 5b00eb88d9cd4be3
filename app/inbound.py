"""How every route reads what a request brings, so that no view has to defend itself against the
shape of the input (issue 13, item 10):

- JSON bodies: nesting deeper than MAX_JSON_DEPTH, NaN and Infinity (not JSON) and text the parser
  cannot even finish (nested thousands deep, which overflows Python's recursion) are invalid JSON,
  a 400 wherever a view asks for the body; every string is cleaned by the one rule for text from
  outside (app.domain.text: NUL removed, a lone surrogate becomes U+FFFD).
- Query and form values: NUL removed (no browser sends one in earnest; PostgreSQL can neither store
  nor compare text holding one). Bytes that are no UTF-8 already stay percent-encoded (werkzeug).
Path segments are the views' own (a ticket or a code that is not shaped like one names nothing)."""
from __future__ import annotations

import json

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from app.domain.text import clean_json, clean_text

MAX_JSON_DEPTH = 64  # a Telegram Update is about a dozen levels deep, an API body three


class JSONNestingError(ValueError):
    """The body nests arrays and objects deeper than any request Sigap serves."""


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _too_deep(value, limit: int) -> bool:
    """Whether arrays and objects nest past `limit` levels (walked with a stack, not recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class InboundJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, stricter on the way in (see the module); answers are written as before."""

    def loads(self, s: str | bytes, **kwargs):
        kwargs.setdefault("parse_constant", _refuse_constant)
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise JSONNestingError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
        if isinstance(value, (dict, list)) and _too_deep(value, MAX_JSON_DEPTH):
            raise JSONNestingError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return clean_json(value)


class CleanValues(ImmutableMultiDict):
    """Query and form values (and their names) without NUL characters; uploaded files untouched."""

    def __init__(self, mapping=None):
        pairs = MultiDict(mapping).items(multi=True) if mapping is not None else ()
        super().__init__([(_clean(key), _clean(value)) for key, value in pairs])


def _clean(value):
    return clean_text(value) if isinstance(value, str) else value


class InboundRequest(Request):
    """Flask's request with query and form values read through CleanValues."""

    parameter_storage_class = CleanValues


def install(app: Flask) -> None:
    """Read this app's requests as the module says (create_app calls it first)."""
    app.json = InboundJSONProvider(app)
    app.request_class = InboundRequest
