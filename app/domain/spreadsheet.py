"""CSV files that are safe to open in a spreadsheet program: the one writer of every CSV Sigap makes.

A text cell starting with = + - @ (or a tab or carriage return) is read as a formula by Excel,
LibreOffice and Google Sheets, so a name such as =HYPERLINK(...) typed into an agency or official
would run on the reader's machine: such cells get a leading single quote, which the program shows
as text. Numbers stay numbers. The file starts with a UTF-8 byte order mark, without which Excel
reads UTF-8 as the local code page and garbles Indonesian names."""
from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Iterable

BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as written to a cell: numbers as they are, None empty, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    """The whole file: byte order mark, header, rows, every cell through safe_cell."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
