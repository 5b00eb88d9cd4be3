"""Attribution by tenure: a month of Dinas Sosial with a new head named in the middle of it and
another after it; every per-official figure, contract verdict, trend point and breach by hand."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.domain.actor import SYSTEM
from app.models import Breach, User
from app.services import posts
from app.services.access import accounts
from app.services.reporting import performance, rollup

from tests.integration.performance.conftest import Month, actor_of, local

ADMIN = SYSTEM


def _dinsos_month(session, clock) -> Month:
    m = Month(session, clock)
    clock.set(local("2026-11-01 08:00"))
    accounts.create_user(session, clock.now(), username="head.dinsos.new", name="Wahyu Kurniawan",
                         role="agency_head", agency_code="bwi-dinsos")
    accounts.create_user(session, clock.now(), username="head.dinsos.third", name="Ratna Sari",
                         role="agency_head", agency_code="bwi-dinsos")
    session.commit()
    for name, received, acked, handled in (("A", "2026-11-03 09:00", "09:10", "10:00"),
                                           ("B", "2026-11-04 09:00", "09:20", "15:00")):
        day = received[:10]
        m.submit(name, local(received))
        m.do("acknowledge", name, local(f"{day} {acked}"), "officer.dinsos")
        m.do("handle", name, local(f"{day} {handled}"), "officer.dinsos", note="done")
    # E is received under the old head; its deadline (09:00) falls after the handover (08:00).
    m.submit("E", local("2026-11-10 05:00"))
    m.do("acknowledge", "E", local("2026-11-10 05:10"), "officer.dinsos")
    m.at(local("2026-11-10 08:00"))
    posts.assign(session, clock.now(), ADMIN, "agency_head:bwi-dinsos", username="head.dinsos.new",
                 note="decree 800/123")
    m.do("handle", "E", local("2026-11-10 08:30"), "officer.dinsos", note="done")
    for name, received, acked, handled in (("C", "2026-11-12 09:00", "09:05", "11:00"),
                                           ("D", "2026-11-13 09:00", "09:05", "14:00")):
        day = received[:10]
        m.submit(name, local(received))
        m.do("acknowledge", name, local(f"{day} {acked}"), "officer.dinsos")
        m.do("handle", name, local(f"{day} {handled}"), "officer.dinsos", note="done")
    for name in ("A", "B", "C", "D", "E"):
        m.do("close", name, local("2026-11-20 09:00"), "supervisor")
    return m


def _user(session, username):
    return session.scalar(select(User).where(User.username == username))


def _by_official(session, now, live):
    report = performance.report(session, now, SYSTEM, period="2026-11", group_by="official",
                                jurisdiction="banyuwangi", min_sample=1, live=live)
    return {item["group"].get("username"): item for item in report["items"]}


def _figures(item):
    return (item["received"], item["handled_on_time"], item["handled_late"], item["on_time_rate"]["value"],
            item["handle"]["median_minutes"], item["handle"]["p90_minutes"], item["handle"]["breaches"]["total"])


HENIK = (2, 1, 1, 0.5, 210.0, 330.0, 1)  # A 60 min on time, B 360 min (breach)
WAHYU = (3, 2, 1, pytest.approx(2 / 3), 210.0, 282.0, 1)  # E 210, C 120 on time; D 300 (breach)


def test_each_head_answers_for_the_deadlines_that_fell_in_their_tenure(session, clock):
    m = _dinsos_month(session, clock)
    now = m.at(local("2026-12-01 09:00"))
    for live in (True, False):
        rollup.refresh_all(session)
        rows = _by_official(session, now, live)
        assert _figures(rows["head.dinsos"]) == HENIK, live
        assert _figures(rows["head.dinsos.new"]) == WAHYU, live
    breaches = {b.complaint.ticket: (b.official_name, b.minutes_late) for b in session.scalars(
        select(Breach).where(Breach.kind == "handle"))}
    assert breaches == {m.tickets["B"]: ("Henik Setyorini", 120), m.tickets["D"]: ("Wahyu Kurniawan", 60)}

    # A third head named after the month: November does not move, on either path.
    m.at(local("2026-12-05 08:00"))
    posts.assign(session, clock.now(), ADMIN, "agency_head:bwi-dinsos", username="head.dinsos.third")
    now = m.at(local("2026-12-06 09:00"))
    for live in (True, False):
        rollup.refresh_all(session)
        rows = _by_official(session, now, live)
        assert _figures(rows["head.dinsos"]) == HENIK and _figures(rows["head.dinsos.new"]) == WAHYU, live
        assert "head.dinsos.third" not in rows


def test_each_holder_has_their_own_contract_judged_on_their_tenure(session, clock):
    m = _dinsos_month(session, clock)
    now = m.at(local("2026-12-01 09:00"))
    reviews = {}
    for username in ("head.dinsos", "head.dinsos.new"):
        contract = performance.create_contract(session, now, SYSTEM, official=username, period="2026-11",
                                               agency="bwi-dinsos", on_time_rate=0.6, max_breaches=1)
        reviews[username] = performance.contract_review(session, now, SYSTEM, contract.id, min_sample=1)
    old, new = reviews["head.dinsos"], reviews["head.dinsos.new"]
    assert old["contract"]["tenure"]["until"] == "2026-11-10T01:00:00Z"
    assert new["contract"]["tenure"]["from"] == "2026-11-10T01:00:00Z" and new["contract"]["tenure"]["until"] is None
    assert [(v["target"], v["status"]) for v in old["verdicts"]] == [("on_time_rate", "missed"), ("max_breaches", "met")]
    assert [(v["target"], v["status"]) for v in new["verdicts"]] == [("on_time_rate", "met"), ("max_breaches", "met")]
    assert (old["status"], new["status"]) == ("missed", "met")
    # Weeks from Monday 26 October: 2 November is Henik's, 9 November the new head's.
    points = {r: [(p["start"], p["received"], p["handle_breaches"]) for p in rev["trend"]["points"] if p["received"]]
              for r, rev in reviews.items()}
    assert points == {"head.dinsos": [("2026-11-02", 2, 1)], "head.dinsos.new": [("2026-11-09", 3, 1)]}
    assert [(b["ticket"], b["kind"], b["minutes_late"]) for b in old["breaches"]] == [(m.tickets["B"], "handle", 120)]
    assert [(b["ticket"], b["kind"], b["minutes_late"]) for b in new["breaches"]] == [(m.tickets["D"], "handle", 60)]
    # Someone who never held the post signs nothing for it.
    with pytest.raises(performance.ValidationFailed, match="does not hold the head post"):
        performance.create_contract(session, now, SYSTEM, official="head.dinsos.third", period="2026-11",
                                    agency="bwi-dinsos", on_time_rate=0.9)


def test_naming_a_holder_is_audited_and_out_of_order_tenures_are_refused(session, clock):
    now = clock.now()
    post = posts.post_by_key(session, "agency_head:bwi-dinsos")
    before = len(posts.list_posts(session, now, kind="agency_head", jurisdiction="banyuwangi"))
    accounts.create_user(session, now, username="head.dinsos.new", name="Wahyu Kurniawan", role="agency_head",
                         agency_code="bwi-dinsos")
    holder = posts.assign(session, now, ADMIN, "agency_head:bwi-dinsos", username="head.dinsos.new")
    from app.services import audit

    kinds = [e.kind for e in audit.post_events(session, post)]
    assert kinds[-2:] == ["tenure_closed", "holder_named"] and audit.verify_post(session, post) == []
    assert post.holders[-2].until_at == holder.from_at == now
    with pytest.raises(posts.holders.ValidationFailed, match="a new holder starts after that"):
        posts.assign(session, now, ADMIN, "agency_head:bwi-dinsos", name="Someone", from_at="2026-01-05")
    with pytest.raises(posts.holders.Forbidden):
        posts.assign(session, now, actor_of(session, "supervisor"), "agency_head:bwi-dinsos", name="X")
    assert len(posts.list_posts(session, now, kind="agency_head", jurisdiction="banyuwangi")) == before == 5
    assert len(posts.list_posts(session, now, kind="camat", jurisdiction="banyuwangi")) == 25


def test_a_holder_named_from_an_earlier_date_takes_over_the_breaches_on_the_record(session, clock):
    """A decree dated before a breach: the breach moves to the new holder, each complaint's trail says
    so, and `audit verify` finds the rows and the chain in agreement (a DBA's edit would not be)."""
    from app.models import Event
    from app.services import audit

    m = _dinsos_month(session, clock)
    m.at(local("2026-12-01 09:00"))
    posts.assign(session, clock.now(), ADMIN, "agency_head:bwi-dinsos", username="head.dinsos.third",
                 from_at="2026-11-11 00:00")
    breaches = {b.complaint.ticket: b.official_name for b in session.scalars(select(Breach).where(Breach.kind == "handle"))}
    assert breaches == {m.tickets["B"]: "Henik Setyorini", m.tickets["D"]: "Ratna Sari"}
    from app.models import Complaint

    recharged = session.execute(select(Complaint.ticket, Event.data).join(Complaint, Complaint.id == Event.complaint_id)
                                .where(Event.kind == "breach_recharged")).all()
    assert [(ticket, data["official"]) for ticket, data in recharged] == [(m.tickets["D"], "Ratna Sari")]
    assert audit.verify_all(session) == []
