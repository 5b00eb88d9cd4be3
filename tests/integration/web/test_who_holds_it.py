"""Who holds a complaint now (issue 17, item 6): the board's rows name the escalation level reached,
the holder of the accountable post at this moment and the officer; the poll sends the same cells;
an officer's "assigned to me" view lists only theirs."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.domain.actor import SYSTEM
from app.models import User
from app.services import lifecycle, posts
from app.services.reporting import dashboard as queries
from app.services.sla import escalation


def _actor(session, username):
    from app.web.access import staff_user
    return staff_user(session, session.scalar(select(User).where(User.username == username))).actor


def _who(html: str, ticket: str) -> str:
    row = re.search(rf'<tr [^>]*data-ticket="{re.escape(ticket)}".*?</tr>', html, re.S).group(0)
    return re.search(r'<td class="cell-who" data-who>(.*?)</td>', row, re.S).group(1)


def test_a_row_names_the_level_reached_the_accountable_holder_now_and_the_officer(session, make_complaint, clock):
    late = make_complaint(minutes_ago=10)
    fresh = make_complaint(minutes_ago=1, description="Ibu Sumi tidak punya beras")
    lifecycle.assign(session, clock.now(), fresh.ticket, _actor(session, "head.dinsos"), assignee="officer.dinsos")
    for _ in range(12):  # the late one's deadlines pass and the ladder climbs
        clock.advance(minutes=30)
        escalation.run_due_steps(session, clock.now())
    session.commit()
    scope = queries.Scope(jurisdiction_id=late.jurisdiction_id)
    rows = {row.ticket: row for row in queries.board(session, clock.now(), scope).rows}
    assert rows[late.ticket].sla_level > 0 and rows[late.ticket].level is not None
    holder = posts.holder_at(session, agency_id=late.agency_id, jurisdiction_id=late.jurisdiction_id, at=clock.now())
    assert rows[late.ticket].holder_name == holder.name
    assert rows[fresh.ticket].assignee_name == "Agus Santoso"


def test_a_new_head_named_today_is_the_one_the_board_names(session, make_complaint, clock):
    complaint = make_complaint(minutes_ago=5)
    posts.assign(session, clock.now(), SYSTEM, "agency_head:bwi-dinsos", name="Ibu Baru Menjabat",
                 title="Kepala Dinas Sosial", from_at=clock.now() - timedelta(minutes=1))
    rows = queries.board(session, clock.now(), queries.Scope(jurisdiction_id=complaint.jurisdiction_id)).rows
    assert {row.holder_name for row in rows if row.ticket == complaint.ticket} == {"Ibu Baru Menjabat"}


def test_the_polled_rows_say_who_holds_it_exactly_as_the_page(browser, session, make_complaint, clock):
    complaint = make_complaint(minutes_ago=10)
    for _ in range(10):
        clock.advance(minutes=30)
        escalation.run_due_steps(session, clock.now())
    session.commit()
    browser.sign_in("supervisor")
    page = browser.get("/dashboard").get_data(as_text=True)
    polled = browser.get("/dashboard/data.json").get_json()
    assert _who(page, complaint.ticket) == _who(polled["rows_html"], complaint.ticket)
    cell = _who(page, complaint.ticket)
    assert "Penanggung jawab:" in cell and "Petugas:" in cell and "Dieskalasi ke" in cell
    body = next(c for c in polled["complaints"] if c["ticket"] == complaint.ticket)
    assert body["escalation_level"] > 0 and body["accountable"]["name"]
    # The complaint's own page says the same.
    own = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert f'<dd data-who-holder>{body["accountable"]["name"]}' in own
    assert re.search(r'<dd data-level="[a-z_]+"[^>]*>Dieskalasi ke ', own)


def test_an_officer_sees_only_what_is_assigned_to_them_in_the_mine_view(browser, session, make_complaint, clock):
    theirs = make_complaint(minutes_ago=5, description="Mbah Sarni lansia sebatang kara")
    other = make_complaint(minutes_ago=4, description="Keluarga Pak Slamet tidak bisa makan")
    lifecycle.assign(session, clock.now(), theirs.ticket, _actor(session, "head.dinsos"), assignee="officer.dinsos")
    session.commit()
    browser.sign_in("officer.dinsos")
    everything = browser.get("/queue").get_data(as_text=True)
    assert theirs.ticket in everything and other.ticket in everything
    mine = browser.get("/queue?mine=1").get_data(as_text=True)
    assert theirs.ticket in mine and other.ticket not in mine
    assert 'data-view="mine" aria-current="page"' in mine
    polled = browser.get("/dashboard/data.json?mine=1").get_json()
    assert [c["ticket"] for c in polled["complaints"]] == [theirs.ticket]


# Which deadline drove the climb (the staff-web issue's leftover): the badge on the board's row, the polled
# row and the complaint's page name the missed deadline in the words of the row's own late badges.
WORDING = {
    ("acknowledge", "id"): "· terlambat dikonfirmasi", ("handle", "id"): "· terlambat ditangani",
    ("acknowledge", "en"): "· late to acknowledge", ("handle", "en"): "· late to handle",
}


def _escalated_for_acknowledge(session, make_complaint, clock):
    """Never acknowledged: the acknowledge ladder climbs (03:30), then the handle clock's reminder fires
    (04:00) and is the last step recorded, before the handle deadline (06:00) has passed."""
    complaint = make_complaint(minutes_ago=0)
    for _ in range(4):
        clock.advance(minutes=30)
        escalation.run_due_steps(session, clock.now())
    session.commit()
    assert complaint.sla_level > 0 and complaint.sla_last_step.startswith("h.remind.")
    assert clock.now() < complaint.handle_due_at
    return complaint


def _escalated_for_handle(session, make_complaint, clock):
    """Acknowledged in time, not handled: the handle ladder climbs an hour past the handle deadline."""
    complaint = make_complaint(minutes_ago=0)
    lifecycle.acknowledge(session, clock.now(), complaint.ticket, _actor(session, "head.dinsos"))
    for _ in range(10):
        clock.advance(minutes=30)
        escalation.run_due_steps(session, clock.now())
    session.commit()
    assert complaint.sla_level > 0 and complaint.sla_last_step.startswith("h.escalate.")
    return complaint


def _badge(html: str, ticket: str) -> str:
    return re.search(r'<span class="badge level"[^>]*>(.*?)</span>', _who(html, ticket), re.S).group(1)


def _escalation_line(html: str) -> str:
    return re.search(r"<dd data-level=\"[^\"]*\"[^>]*>(.*?)</dd>", html, re.S).group(1)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("deadline", ["acknowledge", "handle"])
def test_the_badge_and_the_complaint_page_name_the_deadline_whose_miss_escalated_it(
        browser, session, make_complaint, clock, deadline, lang):
    make = _escalated_for_acknowledge if deadline == "acknowledge" else _escalated_for_handle
    complaint = make(session, make_complaint, clock)
    other = "handle" if deadline == "acknowledge" else "acknowledge"
    browser.sign_in("supervisor")
    if lang == "en":
        browser.post("/language", {"lang": "en", "next": "/dashboard"})
    escalated_to = "Escalated to " if lang == "en" else "Dieskalasi ke "
    page = browser.get("/dashboard").get_data(as_text=True)
    badge = _badge(page, complaint.ticket)
    assert badge.startswith(escalated_to) and badge.endswith(WORDING[deadline, lang])
    assert WORDING[other, lang] not in badge
    assert f'data-escalated-for="{deadline}"' in _who(page, complaint.ticket)
    # The polled row is the rendered one, and its JSON says the same.
    polled = browser.get("/dashboard/data.json").get_json()
    assert _who(polled["rows_html"], complaint.ticket) == _who(page, complaint.ticket)
    body = next(c for c in polled["complaints"] if c["ticket"] == complaint.ticket)
    assert body["escalated_for"] == deadline
    # The complaint's page says the same words.
    own = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    line = _escalation_line(own)
    assert line.startswith(escalated_to) and line.endswith(WORDING[deadline, lang]) and line == badge


def test_an_escalation_without_a_recorded_step_shows_the_badge_as_before(browser, session, make_complaint, clock):
    complaint = _escalated_for_acknowledge(session, make_complaint, clock)
    complaint.sla_last_step, complaint.sla_fired = None, []  # climbed before steps were recorded
    session.commit()
    browser.sign_in("supervisor")
    page = browser.get("/dashboard").get_data(as_text=True)
    badge = _badge(page, complaint.ticket)
    assert badge.startswith("Dieskalasi ke ") and "·" not in badge
    assert "data-escalated-for" not in _who(page, complaint.ticket)
    line = _escalation_line(browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True))
    assert line == badge


@pytest.mark.parametrize("last_step, fired, expected", [
    (None, [], None),
    ("a.escalate.1@100", ["a.breach.0@100", "a.escalate.1@100"], "acknowledge"),
    ("h.remind.0@200", ["a.escalate.1@100", "h.remind.0@200"], "acknowledge"),  # the last step is no climb
    ("h.breach.0@200", ["a.escalate.1@100", "a.escalate.2@100", "h.breach.0@200"], "acknowledge"),
    ("h.escalate.1@200", ["a.escalate.1@100", "h.breach.0@200", "h.escalate.1@200"], "handle"),
    ("h.repeat.2@200", ["a.escalate.1@100", "h.repeat.1@200", "h.repeat.2@200"], "handle"),
    ("a.repeat.1@100", ["a.escalate.5@100", "a.repeat.1@100"], "acknowledge"),
    ("t.breach.0@50", ["t.breach.0@50"], None),
    ("a.escalate.1@300", ["h.escalate.1@200", "a.escalate.1@300"], "acknowledge"),  # the recorded step first
])
def test_the_boards_sql_names_the_same_deadline_as_the_complaint_page(session, make_complaint, clock,
                                                                      last_step, fired, expected):
    complaint = make_complaint(minutes_ago=0)
    complaint.sla_last_step, complaint.sla_fired = last_step, fired
    session.flush()
    rows = queries.board(session, clock.now(), queries.Scope(jurisdiction_id=complaint.jurisdiction_id)).rows
    assert next(r.escalated_for for r in rows if r.ticket == complaint.ticket) == expected
    assert queries.escalated_for_of(complaint) == expected
