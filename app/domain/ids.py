"""Whole numbers that arrive from outside (a form field, a query parameter, a JSON value), read
strictly: plain ASCII digits only ("²" and "١" are digits to Python, not to a form), and an id only
within what an integer column holds, so that a made-up number names no row instead of overflowing
the database driver."""
from __future__ import annotations

MAX_ID = 2 ** 31 - 1  # an Integer primary key on PostgreSQL


def whole_number(value) -> int | None:
    """A non-negative whole number given as an int or as ASCII digits; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit():
            return int(text)
    return None


def row_id(value) -> int | None:
    """The row id `value` names, or None when it cannot name one (text, a bool, 0, a negative or a
    number larger than any id)."""
    number = whole_number(value)
    return number if number is not None and 1 <= number <= MAX_ID else None


def looks_numeric(value) -> bool:
    """True for an int or a string of digits (of any script): what a caller meant as an id."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
