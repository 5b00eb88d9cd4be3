"""Phone numbers: which a partner may claim for a citizen, the demo's fictional ones, and masking
numbers inside a provider's error text."""
from app.domain.phone import demo_number, is_indonesian_mobile, mask, redact, to_e164


def test_only_indonesian_mobile_numbers_count_as_a_citizens_phone():
    for number in ("081234567890", "+62 812-3456-7890", "whatsapp:+6285712345678"):
        assert is_indonesian_mobile(number), number
    for number in ("+19002345678", "+2302012345", "+447911123456", "0333 423456", "+628001234567", "0800 1234567",
                   "12", None, ""):
        assert not is_indonesian_mobile(number), number


def test_demo_numbers_are_valid_toll_free_numbers_one_per_user():
    assert demo_number(7) == "+628000000007" == to_e164("0800 000 0007")
    assert not is_indonesian_mobile(demo_number(7))


def test_a_provider_error_keeps_its_code_and_loses_the_number():
    text = "twilio 21211: The 'To' number +6281259903999 is not a valid phone number."
    assert redact(text) == f"twilio 21211: The 'To' number {mask('+6281259903999')} is not a valid phone number."
    assert redact("send to 0812-5990-3999 failed") == "send to 0812•••••999 failed"
    assert redact("whatsapp:+6281234567890 (63016)") == "whatsapp:+628•••••••890 (63016)"


def test_what_is_not_a_phone_number_is_left_alone():
    for text in ("twilio 21610: Attempt to send to unsubscribed recipient", "SM0123456789abcdef0123456789abcdef",
                 "ConnectionError: cannot connect to 93.184.215.14 port 443", "at 2026-11-23T02:00:00Z", None, ""):
        assert redact(text) == text
