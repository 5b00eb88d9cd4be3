"""Camats hold contracts too: a contract for a camat's post over a period within their tenure, its
actuals the per-kecamatan figures (complaints located in the kecamatan, whichever agency held them)
of the deadlines that fell in that tenure; shown on the contract pages. Every figure by hand."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from app.domain.actor import SYSTEM
from app.models import District
from app.services import posts
from app.services.access import accounts
from app.services.reporting import performance

from tests.integration.performance.conftest import actor_of, local
from tests.integration.performance.test_pages import csrf, sign_in

TARGETS = dict(on_time_rate=0.6, max_breaches=1)


def _glagah_with_a_handover(session, month):
    """The known month (conftest) with Glagah's camat handing over on 10 November 00:00 WIB."""
    glagah = session.scalar(select(District).where(District.name == "Glagah"))
    accounts.create_user(session, month.clock.now(), username="camat.glagah.new", name="Sri Wahyuni", role="camat",
                         jurisdiction_code="banyuwangi", district=glagah.code)
    session.commit()
    posts.assign(session, month.clock.now(), SYSTEM, f"camat:banyuwangi:{glagah.code}", username="camat.glagah.new",
                 from_at="2026-11-10 00:00", note="SK Bupati 800/45")
    return glagah


def test_each_camat_answers_for_their_kecamatan_in_their_tenure(session, month):
    glagah = _glagah_with_a_handover(session, month)
    now, t = month.clock.now(), month.tickets
    old = performance.create_contract(session, now, SYSTEM, official="camat.glagah", period="2026-11", **TARGETS)
    new = performance.create_contract(session, now, SYSTEM, official="camat.glagah.new", period="2026-11",
                                      district=glagah.code, **TARGETS)
    assert (old.district_id, old.agency_id) == (glagah.id, None)
    old_r = performance.contract_review(session, now, SYSTEM, old.id, min_sample=1)
    new_r = performance.contract_review(session, now, SYSTEM, new.id, min_sample=1)
    assert old_r["contract"]["district"] == {"code": glagah.code, "name": "Glagah"}
    assert old_r["contract"]["agency"] is None
    assert old_r["contract"]["tenure"]["until"] == "2026-11-09T17:00:00Z"
    # Hadi Susilo (until 10 Nov): B1 (on time), B3 (on time at Dinas Pendidikan after a transfer),
    # B4 (handled, reopened, handled again after its deadline: late).
    a = old_r["actuals"]
    assert (a["received"], a["handled_on_time"], a["handled_late"], a["open_late"]) == (3, 2, 1, 0)
    assert a["on_time_rate"]["value"] == pytest.approx(2 / 3)
    assert [(v["target"], v["actual"], v["status"]) for v in old_r["verdicts"]] == [
        ("on_time_rate", pytest.approx(2 / 3), "met"), ("max_breaches", 1, "met")]
    assert old_r["status"] == "met"
    # Every breach of those complaints, whichever agency it names: B3's missed acknowledgement
    # (Dinas Sosial's, before the transfer) and B4's handle breach.
    assert [(b["ticket"], b["kind"]) for b in old_r["breaches"]] == [(t["B3"], "acknowledge"), (t["B4"], "handle")]
    assert [(p["start"], p["received"], p["handle_breaches"]) for p in old_r["trend"]["points"] if p["received"]] == [
        ("2026-11-02", 3, 1)]
    # Sri Wahyuni (from 10 Nov): B7 on time (4 hours, received before the 2-hour rule), B8 late,
    # B9 and B13 open past their deadlines.
    a = new_r["actuals"]
    assert (a["received"], a["handled_on_time"], a["handled_late"], a["open_late"]) == (4, 1, 1, 2)
    assert a["on_time_rate"]["value"] == 0.25
    assert [(v["target"], v["actual"], v["status"]) for v in new_r["verdicts"]] == [
        ("on_time_rate", 0.25, "missed"), ("max_breaches", 3, "missed")]
    assert [(b["ticket"], b["kind"]) for b in new_r["breaches"]] == [
        (t["B8"], "handle"), (t["B9"], "acknowledge"), (t["B9"], "handle"), (t["B13"], "acknowledge"),
        (t["B13"], "handle")]
    assert [(p["start"], p["received"], p["handle_breaches"]) for p in new_r["trend"]["points"] if p["received"]] == [
        ("2026-11-16", 3, 2), ("2026-11-30", 1, 1)]  # B7 is due at 03:00 on Monday 16 November
    # Together the two tenures give the per-kecamatan report's Glagah figures.
    report = performance.districts(session, now, SYSTEM, period="2026-11", jurisdiction="banyuwangi", min_sample=1)
    row = next(i for i in report["items"] if i["district"]["name"] == "Glagah")
    assert row["received"] == 7 and row["handled_on_time"] == 3
    # A camat signs only for a post they hold during the period, and a contract names one place.
    with pytest.raises(performance.ValidationFailed, match="does not hold the camat post"):
        performance.create_contract(session, now, SYSTEM, official="camat.glagah.new", period="2026-10",
                                    district=glagah.code, **TARGETS)
    with pytest.raises(performance.ValidationFailed, match="not both"):
        performance.create_contract(session, now, SYSTEM, official="camat.glagah", period="2026-10",
                                    district=glagah.code, agency="bwi-dinsos", **TARGETS)
    with pytest.raises(performance.Conflict):
        performance.create_contract(session, now, SYSTEM, official="camat.glagah", period="2026-11",
                                    district=glagah.code, **TARGETS)
    # Who sees it: the camat their own kecamatan's contracts; agency staff not; the regency's supervisors all.
    camat = replace(actor_of(session, "camat.glagah"), district_id=glagah.id)
    assert [c.id for c in performance.contracts_visible(session, camat)] == [old.id, new.id]
    assert performance.contracts_visible(session, actor_of(session, "officer.dinsos")) == []
    assert {old.id, new.id} <= {c.id for c in performance.contracts_visible(session, actor_of(session, "supervisor"))}


def test_the_contract_pages_show_a_camat_contract(client, session, month):
    glagah = _glagah_with_a_handover(session, month)
    sign_in(client, "admin")
    listing = client.get("/performance/contracts").get_data(as_text=True)
    assert "Hadi Susilo" in listing and "Glagah" in listing  # the form offers the camats
    created = client.post("/performance/contracts", data={"csrf_token": csrf(client, "/performance/contracts"),
                                                          "official": "camat.glagah", "period": "2026-11",
                                                          "on_time_rate": "60", "max_breaches": "1"})
    assert created.status_code == 302
    page = client.get(created.headers["Location"])
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and glagah.code in body and "data-kecamatan" in body
    assert "9 November 2026" in body  # the tenure's end, in the reader's language
    listing = client.get("/performance/contracts").get_data(as_text=True)
    assert "Kecamatan Glagah" in listing
    camat = client.application.test_client()
    sign_in(camat, "camat.glagah")
    assert camat.get(created.headers["Location"]).status_code == 200
    assert "Kecamatan Glagah" in camat.get("/performance/contracts").get_data(as_text=True)
