"""The one cleaning rule for text from outside: NUL removed, lone surrogates become U+FFFD."""
from app.domain.text import clean_json, clean_text


def test_nul_is_removed_and_a_lone_surrogate_becomes_the_replacement_character():
    assert clean_text("Mbah\x00 Sumi \ud800 \udfff") == "Mbah Sumi \ufffd \ufffd"
    assert clean_text("Bu Siti 👍 ä") == "Bu Siti 👍 ä"


def test_every_string_of_a_json_value_is_cleaned_keys_too_and_order_kept():
    value = {"a\x00": ["x\x00", {"b": "\ud800"}, 3, None, True], "c": 1.5}
    assert clean_json(value) == {"a": ["x", {"b": "\ufffd"}, 3, None, True], "c": 1.5}
    assert list(clean_json({"z": 1, "a": 2, "m": 3})) == ["z", "a", "m"]
    assert clean_json("\x00") == "" and clean_json(7) == 7


def test_a_value_nested_far_deeper_than_the_recursion_limit_is_cleaned():
    value = leaf = []
    for _ in range(50_000):
        inner = []
        leaf.append(inner)
        leaf = inner
    leaf.append("\x00deep")
    cleaned = clean_json(value)
    for _ in range(50_001):
        cleaned = cleaned[0]
    assert cleaned == "deep"


def test_text_for_a_log_line_keeps_every_character_but_ends_no_line():
    from app.domain.text import one_line

    assert one_line("a\nb\rc\td") == "a\\nb\\rc\\td"
    assert one_line("\x00\x1b\x7f\x85\u2028\u2029") == "\\x00\\x1b\\x7f\\x85\\u2028\\u2029"
    assert one_line("Nenek tidak makan · é ü 😀") == "Nenek tidak makan · é ü 😀"
    assert one_line(6281234) == "6281234"
