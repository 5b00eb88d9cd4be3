"""The citizen's confidentiality choice: the words that choose it and who sees a reporter then."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.domain import privacy
from app.domain.actor import Actor
from app.domain.sms_parser import parse


@pytest.mark.parametrize("body,choice,category", [
    ("LAPOR RAHASIA MAKAN Kemiren: keluarga lapar", "rahasia", "hunger"),
    ("lapor rahsia makan Kemiren: keluarga lapar", "rahasia", "hunger"),  # a typo still chooses
    ("LAPOR ANONIM SEKOLAH Kemiren: anak putus sekolah", "anonim", "school_dropout"),
    ("REPORT ANONYMOUS HUNGER Kemiren: a family", "anonim", "hunger"),
    ("LAPOR RAHASIA", "rahasia", None),
    ("LAPOR MAKAN Kemiren: keluarga lapar", None, "hunger"),
    ("MAKAN Kemiren: rahasia keluarga", None, "hunger"),  # the word counts only right after LAPOR
])
def test_the_keyword_after_lapor_chooses(body, choice, category):
    parsed = parse(body)
    assert (parsed.kind, parsed.confidentiality, parsed.category) == ("report", choice, category)


@pytest.mark.parametrize("word,choice", [(None, "normal"), ("", "normal"), ("RAHASIA", "rahasia"),
                                         ("confidential", "rahasia"), (" anonim ", "anonim"),
                                         ("anonymous", "anonim"), ("biasa", "normal")])
def test_the_words_a_form_or_partner_may_use(word, choice):
    assert privacy.confidentiality_of(word) == choice


@pytest.mark.parametrize("word", ["public", 1, True, ["rahasia"]])
def test_anything_else_is_refused(word):
    with pytest.raises(ValueError):
        privacy.confidentiality_of(word)


@dataclass
class Reporter:
    name: str = "Siti Aminah"
    phone: str = "+6281234567890"
    telegram_chat_id: int = 4242


@dataclass
class Complaint:
    confidentiality: str
    assignee_id: int | None = 7
    reporter: Reporter | None = None


ASSIGNED = Actor(kind="user", id=7, role="officer", agency_id=1)
SUPERVISOR = Actor(kind="user", id=2, role="supervisor", jurisdiction_id=1)
PARTNER = Actor(kind="token", id=5, role="partner")
SYSTEM = Actor(kind="system")


@pytest.mark.parametrize("actor,full", [(ASSIGNED, False), (SUPERVISOR, True), (PARTNER, False), (SYSTEM, True)])
def test_a_confidential_reporter_is_for_supervisors_only(actor, full):
    view = privacy.reporter_view(actor, Complaint("rahasia", reporter=Reporter()))
    assert view.confidentiality == "rahasia" and view.full == full
    if not full:
        assert (view.name, view.phone, view.telegram_chat_id) == (None, None, None)


@pytest.mark.parametrize("actor,full", [(ASSIGNED, False), (SUPERVISOR, False), (PARTNER, False), (SYSTEM, True)])
def test_an_anonymous_reporter_is_for_nobody_but_sigap(actor, full):
    view = privacy.reporter_view(actor, Complaint("anonim", reporter=Reporter()))
    assert view.full == full
    assert privacy.shown_actor("reporter:9", Complaint("anonim"), actor) == ("reporter:9" if full else "reporter")


def test_an_erased_anonymous_reporter_still_reads_as_anonymous():
    view = privacy.reporter_view(SUPERVISOR, Complaint("anonim", reporter=None))
    assert (view.name, view.phone, view.full, view.confidentiality) == (None, None, False, "anonim")


def test_an_ordinary_report_is_as_before():
    assert privacy.reporter_view(ASSIGNED, Complaint("normal", reporter=Reporter())).full
    assert privacy.shown_actor("reporter:9", Complaint("normal"), PARTNER) == "reporter:9"
    assert privacy.phone_search_allowed(ASSIGNED) == ("normal",)
    assert privacy.phone_search_allowed(SUPERVISOR) == ("normal", "rahasia")
