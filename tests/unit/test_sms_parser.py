"""The SMS/WhatsApp text protocol parser: keywords, typos, tickets, and segment counting."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from app.domain.sms_parser import MAX_BODY_CHARS, normalise_ticket, parse, sms_segments


def test_one_shot_report_gives_category_village_and_description():
    parsed = parse("LAPOR MAKAN Kemiren: nenek tidak makan 3 hari")
    assert (parsed.kind, parsed.category, parsed.village, parsed.description, parsed.language) == (
        "report", "hunger", "Kemiren", "nenek tidak makan 3 hari", "id")


@pytest.mark.parametrize("body, category", [
    ("lapor lapar Kemiren: x", "hunger"),
    ("LAPOR sekolah Glagah: anak putus sekolah", "school_dropout"),
    ("LAPOR RUMAH Olehsari: atap roboh", "uninhabitable_house"),
    ("lapor LANSIA Kemiren: kakek sendirian", "lone_elderly"),
    ("LAPOR BEROBAT Kemiren: tidak bisa ke puskesmas", "medical_care"),
    ("LAPOR sakit Kemiren: demam", "medical_care"),
])
def test_every_indonesian_keyword_names_its_category(body, category):
    assert parse(body).category == category


def test_english_keywords_report_in_english():
    parsed = parse("REPORT ELDERLY Kemiren: lives alone")
    assert (parsed.kind, parsed.category, parsed.language) == ("report", "lone_elderly", "en")


def test_typos_in_command_and_keyword_are_forgiven():
    parsed = parse("  lapr   SEKOLH  glagah :  anak putus sekolah ")
    assert (parsed.kind, parsed.category, parsed.village, parsed.description) == (
        "report", "school_dropout", "glagah", "anak putus sekolah")


def test_lapar_is_a_keyword_not_a_typo_of_lapor():
    parsed = parse("LAPAR Kemiren: nenek belum makan")
    assert (parsed.kind, parsed.category, parsed.village) == ("report", "hunger", "Kemiren")


def test_report_without_keyword_keeps_the_rest_for_the_menu():
    parsed = parse("LAPOR Kemiren: ada nenek kelaparan")
    assert (parsed.kind, parsed.category, parsed.village, parsed.description) == (
        "report", None, "Kemiren", "ada nenek kelaparan")
    assert parse("lapor").kind == "report"


def test_report_without_separator_leaves_the_village_boundary_to_the_gazetteer():
    parsed = parse("LAPOR MAKAN Kemiren nenek tidak makan")
    assert (parsed.village, parsed.description, parsed.rest) == (None, None, "Kemiren nenek tidak makan")


@pytest.mark.parametrize("body", ["STATUS BWI-2026-000123", "cek bwi 2026 123", "Check BWI/2026/123",
                                  "STATSU BWI-2026-000123"])
def test_status_requests_normalise_the_ticket(body):
    parsed = parse(body)
    assert (parsed.kind, parsed.ticket) == ("status", "BWI-2026-000123")


def test_ya_and_tidak_count_only_alone():
    assert parse("ya").kind == "yes"
    assert parse("TIDAK!").kind == "no"
    assert parse("belum").kind == "no"
    assert parse("tidak BWI-2026-7").ticket == "BWI-2026-000007"
    assert parse("tidak ada makanan").kind == "text"


@pytest.mark.parametrize("body, kind, language", [
    ("STOP", "stop", None), ("berhenti", "stop", "id"), ("START", "start", None), ("BANTUAN", "help", "id"),
    ("help", "help", "en"), ("batal", "cancel", "id"), ("3", "number", None), ("", "empty", None),
    ("مرحبا", "unreadable", None), ("🙂🙂", "unreadable", None), ("halo", "text", None),
])
def test_single_word_commands(body, kind, language):
    parsed = parse(body)
    assert (parsed.kind, parsed.language) == (kind, language)


def test_stop_inside_a_sentence_does_not_opt_out():
    assert parse("stop dulu ya saya di jalan").kind == "text"


def test_ticket_normalisation_rejects_text_without_a_ticket():
    assert normalise_ticket("apa kabar") is None
    assert normalise_ticket("srj-2026-42") == "SRJ-2026-000042"


def test_segments_follow_gsm7_and_ucs2_limits():
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("a" * 307) == 3
    assert sms_segments("[" * 80) == 1  # extension characters count double
    assert sms_segments("\u2026" * 70) == 1  # outside GSM-7: UCS-2
    assert sms_segments("\u2026" * 71) == 2


def test_oversize_bodies_are_cut_before_parsing():
    parsed = parse("LAPOR MAKAN Kemiren: " + "x" * 10_000)
    assert parsed.kind == "report"
    assert len(parsed.text) <= MAX_BODY_CHARS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_body_parses_without_an_exception(body):
    parsed = parse(body)
    assert parsed.kind in ("report", "status", "yes", "no", "stop", "start", "help", "cancel", "number",
                           "text", "empty", "unreadable")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["LAPOR", "lapor", "Lapr", "REPORT"]), st.sampled_from(["MAKAN", "sekolh", "HOUSE"]),
       st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll")), min_size=1, max_size=20),
       st.text(min_size=1, max_size=100))
def test_well_formed_reports_always_keep_their_description(command, keyword, village, description):
    parsed = parse(f"{command} {keyword} {village}: {description}")
    assert parsed.kind == "report"
    assert parsed.category is not None
