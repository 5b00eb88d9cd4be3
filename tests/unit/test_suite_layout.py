"""Test files need unique names: without packages, pytest refuses two modules of one basename."""
from collections import Counter

from tests.conftest import ROOT


def test_no_two_test_files_share_a_name():
    names = Counter(path.name for path in (ROOT / "tests").rglob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
