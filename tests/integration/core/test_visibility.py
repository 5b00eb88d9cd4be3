"""One visibility rule: for every kind of reader, the check on a loaded complaint (a page, an action)
and the SQL condition (a list, the dashboard, Open311) admit exactly the same complaints."""
from __future__ import annotations

from sqlalchemy import select

from app.domain.actor import SYSTEM, Actor
from app.domain.visibility import can_see
from app.models import Agency, Complaint, District, Jurisdiction, Reporter
from app.services.access.visibility import visible


def _id(session, model, code):
    return session.scalar(select(model.id).where(model.code == code))


def test_the_check_and_the_sql_condition_admit_the_same_complaints(session, submit):
    partner = Actor(kind="token", id=7, role="partner")
    made = [
        submit(),  # Banyuwangi, Dinas Sosial
        submit(category="school_dropout"),  # Banyuwangi, Dinas Pendidikan
        submit(reporter={"name": "Budi", "phone": "081298765432"}, actor=partner),
        submit(jurisdiction="sabu_raijua", category="hunger", village=None, district="Sabu Barat"),
    ]
    triage = submit()
    triage.agency_id = None
    session.flush()
    made.append(triage)
    bwi, srj = _id(session, Jurisdiction, "banyuwangi"), _id(session, Jurisdiction, "sabu_raijua")
    dinsos = _id(session, Agency, "bwi-dinsos")
    siti = session.scalar(select(Reporter.id).where(Reporter.phone == "+6281234567890"))
    genteng = session.scalar(select(District.id).where(District.jurisdiction_id == bwi, District.name == "Genteng"))
    readers = [
        SYSTEM,
        Actor(kind="user", id=1, role="admin"),
        Actor(kind="user", id=1, role="admin", jurisdiction_id=srj),
        Actor(kind="user", id=2, role="supervisor", jurisdiction_id=bwi),
        Actor(kind="user", id=3, role="official", jurisdiction_id=srj),
        Actor(kind="user", id=4, role="officer", agency_id=dinsos, jurisdiction_id=bwi),
        Actor(kind="token", id=5, role="agency_head", agency_id=dinsos),
        Actor(kind="user", id=6, role="officer"),  # no agency: sees nothing, not the triage queue
        partner,
        Actor(kind="token", id=8, role="partner"),
        Actor(kind="reporter", id=siti),
        Actor(kind="user", id=9, role="camat", jurisdiction_id=bwi, district_id=genteng),
        Actor(kind="token", id=10, role="camat", jurisdiction_id=bwi),  # no kecamatan: nothing
        Actor(kind="user", id=11, role="supervisor"),  # bound to nothing by mistake: nothing
        Actor(kind="token", id=12, role="official", all_jurisdictions=True),  # explicitly province-wide
    ]
    ids = [c.id for c in made]
    for reader in readers:
        by_check = {c.id for c in made if can_see(reader, c)}
        by_sql = set(session.scalars(select(Complaint.id).where(Complaint.id.in_(ids), visible(reader))))
        assert by_check == by_sql, reader
    officer_without_agency = readers[7]
    assert not {c.id for c in made if can_see(officer_without_agency, c)}
    assert {c.id for c in made if can_see(partner, c)} == {made[2].id}
    camat, camat_without_kecamatan, unbound_supervisor, province_wide = readers[-4:]
    # Genteng Kulon's complaints of every agency (the triage one too), none of Sabu Raijua's
    assert {c.id for c in made if can_see(camat, c)} == {made[0].id, made[1].id, made[2].id, made[4].id}
    assert not any(can_see(camat_without_kecamatan, c) or can_see(unbound_supervisor, c) for c in made)
    assert all(can_see(province_wide, c) for c in made)
