"""CSV cells a spreadsheet program would run as formulas are written as text; numbers stay numbers."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from app.domain import spreadsheet


@pytest.mark.parametrize("value,cell", [
    ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'), ("+62812", "'+62812"), ("-1+2", "'-1+2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("Dinas Sosial", "Dinas Sosial"),
    (-3, -3), (2.5, 2.5), (Decimal("-1.5"), Decimal("-1.5")), (None, ""), (True, "True"),
])
def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text_and_numbers_stay_numbers(value, cell):
    assert spreadsheet.safe_cell(value) == cell


def test_a_csv_file_starts_with_the_byte_order_mark():
    text = spreadsheet.csv_text(["agency", "late"], [["=1+1", -2], ["Kecamatan Glagah", 3]])
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [["agency", "late"], ["'=1+1", "-2"], ["Kecamatan Glagah", "3"]]
