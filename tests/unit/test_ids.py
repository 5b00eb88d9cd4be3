"""Numbers from outside are read strictly: ASCII digits only, ids only within an integer column."""
from app.channels.api.webhook_sender import _retry_after
from app.domain.ids import MAX_ID, looks_numeric, row_id, whole_number


def test_only_ascii_digits_make_a_whole_number():
    assert whole_number(" 42 ") == 42 and whole_number(0) == 0 and whole_number(10 ** 30) == 10 ** 30
    for value in ("\u00b2", "\u0661\u0662", "4.2", "-1", "", "1e3", None, True, 1.0, -3, ["1"]):
        assert whole_number(value) is None, value


def test_an_id_beyond_any_row_names_none():
    assert row_id("17") == 17 and row_id(MAX_ID) == MAX_ID
    for value in (0, MAX_ID + 1, 2 ** 63, "1" + "0" * 30, "\u00b2", False):
        assert row_id(value) is None, value
    assert looks_numeric("\u00b2") and looks_numeric(10 ** 30) and not looks_numeric(True)
    assert not looks_numeric("officer.dinsos")


def test_a_partners_odd_retry_after_is_ignored_not_a_crash():
    def answer(value):
        return _retry_after(value)  # a partner's Retry-After header

    assert answer("120") == 120.0 and answer("99999") == 3600.0
    for value in ("\u00b2", "1.5", "Wed, 21 Oct 2026 07:28:00 GMT", "", "-5"):
        assert answer(value) is None, value
