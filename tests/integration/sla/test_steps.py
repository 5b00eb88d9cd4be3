"""SLA steps fire at the right instants, tell the right people, and never for a handled complaint."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.domain.actor import Actor
from app.models import Breach, Event
from app.models.sla_engine import EscalationContact
from app.services import lifecycle
from app.services.lifecycle import closing
from app.services.messaging import consent
from app.services.sla import escalation
from tests.conftest import T0

WIB, WITA = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def kinds(sla, complaint):
    return [(e.kind, e.data.get("deadline"), e.data["due_at"]) for e in sla.events(complaint)]


def z(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def staff_actor(sla, username):
    user = sla.user(username)
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=user.jurisdiction_id, name=user.name)


def reachable_everyone(sla, complaint):
    """Phones for the officer, the head, the supervisor and a contact at every ladder level."""
    sla.reach("officer.dinsos")
    sla.reach("head.dinsos", telegram=5550001)
    sla.reach("supervisor")
    village = complaint.village
    sla.contact("village_head", "Kades Kampunganyar", village=village)
    camat = sla.contact("camat", "Camat Glagah", district=village.district, channel="whatsapp")
    # a camat's WhatsApp number is used once they verified it (staff_consent); until then SMS
    consent.record(sla.session, sla.clock.now(), channel="whatsapp", address=camat.phone, kind="opt_in",
                   reason="verified")
    sla.session.commit()
    sla.contact("regional_secretary", "Sekda Banyuwangi")
    sla.contact("regent_office", "Kantor Bupati")


def acknowledged(sla, complaint, minutes=5):
    return lifecycle.acknowledge(sla.session, at(minutes), complaint.ticket, staff_actor(sla, "officer.dinsos"))


def test_four_hour_rule_reminds_warns_breaches_and_climbs_the_ladder_at_the_right_instants(sla):
    c = sla.submit()
    reachable_everyone(sla, c)
    acknowledged(sla, c)
    expected = [(120, "reminded", None), (180, "warned", None), (240, "breached", None),
                (300, "escalated", "village_head"), (360, "escalated", "camat"), (420, "escalated", "agency_head"),
                (480, "escalated", "regional_secretary"), (540, "escalated", "regent_office")]
    for minute, kind, level in expected:
        assert sla.tick(at(minute) - timedelta(seconds=1)) == 0, f"nothing before minute {minute}"
        assert sla.tick(at(minute)) == 1, f"{kind} at minute {minute}"
        event = sla.events(c)[-1]
        assert (event.kind, event.data["due_at"], event.data["late"]) == (kind, z(at(minute)), False)
        if level:
            assert event.data["level"] == level
    # Past the top the top levels are told again at the repeat interval (test_repeat_alerts.py).
    assert c.next_step.startswith("h.repeat.1@") and c.next_step_at == at(600)
    breach = sla.session.scalar(select(Breach).where(Breach.complaint_id == c.id))
    assert (breach.kind, breach.due_at, breach.detected_at) == ("handle", at(240), at(240))
    assert breach.agency.code == "bwi-dinsos" and breach.official_name == "Henik Setyorini"
    assert breach.official_id == sla.user("head.dinsos").id and c.handle_breached


def test_each_step_tells_the_people_the_design_names(sla):
    c = sla.submit()
    reachable_everyone(sla, c)
    acknowledged(sla, c)
    officer, head, supervisor = (sla.user(u) for u in ("officer.dinsos", "head.dinsos", "supervisor"))
    sla.tick(at(120))
    remind = sla.messages(c, "core.staff.remind")
    assert [(m.channel, m.recipient) for m in remind] == [("sms", officer.phone)]
    assert "belum ditangani" in remind[0].body and "13:00 WIB" in remind[0].body
    sla.tick(at(180))
    assert [(m.channel, m.recipient) for m in sla.messages(c, "core.staff.warn")] == [("telegram", "5550001")]
    sla.tick(at(240))
    breach_alerts = sla.messages(c, "core.staff.breach")
    # the supervisors and the agency head (DESIGN.md), and the camat the demo policy tells of a missed deadline
    camat_phone = sla.session.scalar(select(EscalationContact.phone).where(EscalationContact.name == "Camat Glagah"))
    assert {m.recipient for m in breach_alerts} == {supervisor.phone, "5550001", f"whatsapp:{camat_phone}"}
    assert all(m.breach_id is not None for m in breach_alerts)
    late = sla.messages(c, "core.late")
    assert len(late) == 1 and late[0].recipient_kind == "reporter" and "belum ditangani" in late[0].body
    sla.tick(at(360))
    camat = sla.messages(c, "core.staff.escalate")[-1]
    assert camat.channel == "whatsapp" and camat.recipient.startswith("whatsapp:+62")
    assert "Camat" in camat.body and "120 menit" in camat.body


def test_a_level_with_nobody_reachable_is_skipped_at_once(sla):
    c = sla.submit()
    sla.contact("camat", "Camat Glagah", district=c.village.district)
    sla.contact("regent_office", "Kantor Bupati")
    acknowledged(sla, c)
    sla.tick(at(300))
    first = sla.events(c)[-1]
    assert first.kind == "escalated" and first.data["level"] == "camat" and first.data["skipped"] == ["village_head"]
    sla.tick(at(360))
    second = sla.events(c)[-1]
    # agency_head (no phone for head.dinsos) and regional secretary skipped: straight to the regent's office
    assert second.data["level"] == "regent_office"
    assert second.data["skipped"] == ["agency_head", "regional_secretary"]
    # Past the top: the repeat re-alerts the top levels with someone reachable (the regent's office).
    assert sla.tick(at(600)) == 1
    repeat = sla.events(c)[-1]
    assert repeat.data["repeat"] == 1 and repeat.data["levels"] == ["regent_office"]


def test_the_two_hour_rule_applies_to_complaints_received_after_it_takes_effect(sla):
    old = sla.submit()
    switch = at(10)
    sla.policy(handle_minutes=120, effective_from=switch)
    new = sla.submit(at=at(20))
    assert old.handle_due_at == at(240) and new.handle_due_at == at(140)
    acknowledged(sla, old, 21)
    lifecycle.acknowledge(sla.session, at(21), new.ticket, staff_actor(sla, "officer.dinsos"))
    sla.tick(at(80))
    assert kinds(sla, new) == [("reminded", "handle", z(at(80)))]
    sla.tick(at(140))
    assert [k[0] for k in kinds(sla, new)] == ["reminded", "warned", "breached"]
    assert [k[0] for k in kinds(sla, old)] == ["reminded"]  # old keeps 4 h: reminder at 120 only


def test_business_hours_calendar_waits_over_a_weekend(sla):
    sla.policy(calendar="business_hours", business_hours={"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "16:00"},
               effective_from=at(-60 * 24 * 30))
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=WIB)
    sla.clock.set(friday)
    c = sla.submit(at=friday)
    monday = datetime(2026, 11, 30, tzinfo=WIB)
    assert c.handle_due_at == monday.replace(hour=11)
    lifecycle.acknowledge(sla.session, friday + timedelta(minutes=5), c.ticket, staff_actor(sla, "officer.dinsos"))
    assert sla.tick(monday.replace(hour=8, minute=59)) == 0  # Saturday and Sunday do not count
    assert sla.tick(monday.replace(hour=9)) == 1
    assert sla.tick(monday.replace(hour=10)) == 1
    assert sla.tick(monday.replace(hour=11)) == 1
    assert sla.tick(monday.replace(hour=11, minute=59)) == 0
    assert sla.tick(monday.replace(hour=12)) == 1  # escalations count business minutes too
    assert [k[0] for k in kinds(sla, c)] == ["reminded", "warned", "breached", "escalated"]


def test_business_hours_calendar_skips_public_holidays(sla):
    sla.policy(calendar="business_hours", business_hours={"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "16:00"},
               effective_from=at(-60 * 24 * 30))
    wednesday = datetime(2026, 12, 23, 15, 0, tzinfo=WIB)  # 24 Dec (cuti bersama) and 25 Dec are holidays
    sla.clock.set(wednesday)
    c = sla.submit(at=wednesday)
    monday = datetime(2026, 12, 28, tzinfo=WIB)
    assert c.handle_due_at == monday.replace(hour=11)
    assert c.ack_due_at == wednesday.replace(hour=15, minute=30)
    lifecycle.acknowledge(sla.session, wednesday + timedelta(minutes=1), c.ticket, staff_actor(sla, "officer.dinsos"))
    assert sla.tick(datetime(2026, 12, 25, 12, 0, tzinfo=WIB)) == 0
    assert sla.tick(monday.replace(hour=9)) == 1
    assert kinds(sla, c) == [("reminded", "handle", z(monday.replace(hour=9)))]


def test_the_same_local_hours_fall_at_different_instants_in_two_time_zones(sla):
    hours = {"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "16:00"}
    for jurisdiction in ("banyuwangi", "sabu_raijua"):
        sla.policy(jurisdiction=jurisdiction, calendar="business_hours", business_hours=hours,
                   effective_from=at(-60 * 24 * 30))
    sla.reach("officer.dinsos")
    sla.reach("officer.srj-dinsos")
    friday_utc = datetime(2026, 11, 27, 6, 0, tzinfo=timezone.utc)  # 13:00 WIB, 14:00 WITA
    sla.clock.set(friday_utc)
    bwi = sla.submit(at=friday_utc)
    srj = sla.submit(jurisdiction="sabu_raijua", village="Mebba", at=friday_utc)
    # 240 business minutes: WIB 13:00-16:00 then Monday 08:00-09:00; WITA 14:00-16:00 then Monday 08:00-10:00
    assert bwi.handle_due_at == datetime(2026, 11, 30, 9, 0, tzinfo=WIB)
    assert srj.handle_due_at == datetime(2026, 11, 30, 10, 0, tzinfo=WITA)
    assert srj.handle_due_at - bwi.handle_due_at == timedelta(0)  # 10:00 WITA is 09:00 WIB
    for c in (bwi, srj):
        lifecycle.acknowledge(sla.session, friday_utc + timedelta(minutes=1), c.ticket, officer_of(sla, c))
    sla.tick(datetime(2026, 11, 27, 8, 0, tzinfo=timezone.utc))  # 15:00 WIB (120 business min), 16:00 WITA
    assert [k[0] for k in kinds(sla, bwi)] == ["reminded"]
    assert [k[0] for k in kinds(sla, srj)] == ["reminded"]
    assert "09:00 WIB" in sla.messages(bwi, "core.staff.remind")[0].body
    assert "10:00 WITA" in sla.messages(srj, "core.staff.remind")[0].body


def officer_of(sla, complaint):
    username = "officer.dinsos" if complaint.ticket.startswith("BWI") else "officer.srj-dinsos"
    return staff_actor(sla, username)


def test_after_downtime_every_missed_step_fires_once_in_order_marked_late(sla):
    c = sla.submit()
    reachable_everyone(sla, c)
    fired = sla.tick(at(7 * 60 + 5))  # the scheduler was down for seven hours
    events = sla.events(c)
    assert fired == len(events) == 11
    due = [e.data["due_at"] for e in events]
    assert due == sorted(due)
    assert [(e.kind, e.data["deadline"]) for e in events][:4] == [
        ("reminded", "acknowledge"), ("warned", "acknowledge"), ("breached", "acknowledge"),
        ("escalated", "acknowledge")]
    assert all(e.data["late"] and e.at == at(425) for e in events)
    assert {e.data["step"] for e in events}.__len__() == 11
    # Stale reminders are recorded, not sent: the breach says it.
    assert sla.messages(c, "core.staff.remind") == []
    assert sla.tick(at(7 * 60 + 5)) == 0
    breaches = sla.session.scalars(select(Breach).where(Breach.complaint_id == c.id).order_by(Breach.due_at)).all()
    assert [(b.kind, b.due_at, b.detected_at) for b in breaches] == [
        ("acknowledge", at(30), at(425)), ("handle", at(240), at(425))]


def test_a_complaint_handled_before_its_deadline_never_breaches(sla):
    c = sla.submit()
    sla.tick(at(200))
    lifecycle.handle(sla.session, at(239), c.ticket, staff_actor(sla, "officer.dinsos"), note="Beras 10 kg diantar")
    assert c.next_step is None
    assert sla.tick(at(24 * 60)) == 0
    assert [k[0] for k in kinds(sla, c) if k[1] == "handle"] == ["reminded", "warned"]
    assert sla.session.scalars(select(Breach).where(Breach.complaint_id == c.id, Breach.kind == "handle")).all() == []
    assert not c.handle_breached


def test_a_breach_that_raced_an_earlier_handling_is_withdrawn(sla):
    c = sla.submit()
    acknowledged(sla, c)
    sla.tick(at(240) + timedelta(seconds=1))  # the tick saw the deadline pass ...
    assert c.handle_breached
    # ... while an officer's handling, stamped a second before the deadline, was still committing.
    lifecycle.handle(sla.session, at(240) - timedelta(seconds=1), c.ticket, staff_actor(sla, "officer.dinsos"),
                     note="Sudah dikunjungi")
    assert not c.handle_breached
    assert sla.session.scalars(select(Breach).where(Breach.complaint_id == c.id)).all() == []
    assert sla.events(c, kinds=("breach_withdrawn",))[0].data["kind"] == "handle"


def test_a_step_already_claimed_elsewhere_does_not_fire_twice(sla):
    c = sla.submit()
    acknowledged(sla, c)
    claimed = escalation.claim_next(sla.session, at(120))
    assert claimed == (c.id, c.next_step)
    # A second worker with a stale view: the conditional claim only matches the current step.
    escalation.fire(sla.session, c, claimed[1], at(120))
    sla.session.commit()
    assert escalation.claim_next(sla.session, at(120)) is None
    assert len(sla.events(c)) == 1


def test_a_reopened_complaint_breaches_but_does_not_replay_escalations_it_did_not_need(sla):
    c = sla.submit()
    acknowledged(sla, c)
    lifecycle.handle(sla.session, at(60), c.ticket, staff_actor(sla, "officer.dinsos"), note="Dikunjungi")
    lifecycle.reopen(sla.session, at(330), c.ticket, staff_actor(sla, "supervisor"), note="Warga: belum ada yang datang")
    sla.tick(at(330))
    assert [k[0] for k in kinds(sla, c)] == ["breached"]
    assert c.next_step_at == at(360)


def test_triage_has_its_own_deadline_and_alerts_supervisors(sla):
    sla.reach("supervisor.srj")
    c = sla.submit(category="medical_care", jurisdiction="sabu_raijua", village="Mebba")
    assert c.status == "triage" and c.triage_due_at == at(30)
    sla.tick(at(15))
    sla.tick(at(30))
    triage = [e for e in sla.events(c) if e.data["deadline"] == "triage"]
    assert [e.kind for e in triage] == ["reminded", "warned", "breached"]
    assert all(m.recipient == sla.user("supervisor.srj").phone
               for m in sla.messages(c) if m.template.startswith("core.staff.triage"))
    breach = sla.session.scalar(select(Breach).where(Breach.complaint_id == c.id, Breach.kind == "triage"))
    assert breach.agency.code == "srj-bupati" and breach.met_at is None
    lifecycle.assign(sla.session, at(45), c.ticket, staff_actor(sla, "supervisor.srj"), agency="srj-dinkes")
    assert (breach.met_at, breach.minutes_late) == (at(45), 15)


def test_nobody_reachable_for_a_breach_is_marked_as_the_system_failing_to_notify(sla):
    c = sla.submit()
    acknowledged(sla, c)
    sla.tick(at(240))
    breach = sla.session.scalar(select(Breach).where(Breach.complaint_id == c.id))
    assert breach.staff_notified is False and breach.notify_failed is True
    event = sla.events(c, kinds=("breached",))[0]
    assert event.data["nobody_reachable"] is True


def test_breaches_are_listed_newest_first_with_filters_and_a_cursor(sla):
    complaints = [sla.submit() for _ in range(3)]
    sla.tick(at(300))
    page, cursor = escalation.list_breaches(sla.session, kind="handle", limit=2)
    assert len(page) == 2 and cursor
    rest, end = escalation.list_breaches(sla.session, kind="handle", limit=2, cursor=cursor)
    assert len(rest) == 1 and end is None
    assert {b.complaint_id for b in page + rest} == {c.id for c in complaints}
    agency = sla.agency("bwi-dinsos")
    assert len(escalation.list_breaches(sla.session, agency_ids=[agency.id], limit=50)[0]) == 6
    assert escalation.list_breaches(sla.session, agency_ids=[sla.agency("bwi-dinkes").id], limit=50)[0] == []
    assert escalation.list_breaches(sla.session, since=at(301), limit=50)[0] == []
    body = escalation.breach_to_dict(page[0])
    assert body["due_at"] == z(at(240)) and body["agency"]["code"] == "bwi-dinsos"
    assert body["ticket"].startswith("BWI-2026-") and body["open"] is True and body["minutes_late"] is None


def test_nightly_close_closes_only_complaints_past_their_confirmation_window(sla):
    done = sla.submit()
    recent = sla.submit()
    lifecycle.handle(sla.session, at(30), done.ticket, staff_actor(sla, "officer.dinsos"), note="Diantar")
    lifecycle.handle(sla.session, at(60 * 24 * 3), recent.ticket, staff_actor(sla, "officer.dinsos"), note="Diantar")
    assert closing.close_settled(sla.session, at(60 * 24 * 3 + 31)) == 1
    assert (done.status, recent.status) == ("closed", "handled")
    assert sla.session.scalar(select(Event.actor).where(Event.complaint_id == done.id, Event.kind == "closed")) == "system"


def test_a_repeat_report_linked_after_its_breach_is_not_counted_twice(sla):
    first = sla.submit()
    later = sla.submit(at=at(60))
    for c in (first, later):
        lifecycle.acknowledge(sla.session, at(61), c.ticket, staff_actor(sla, "officer.dinsos"))
    sla.tick(at(300))  # both breached: first at 240, later at 300
    lifecycle.link_repeat(sla.session, at(301), later.ticket, staff_actor(sla, "officer.dinsos"), of_ticket=first.ticket)
    assert later.handle_due_at == at(240)
    sla.tick(at(301))
    breaches = sla.session.scalars(select(Breach).where(Breach.complaint_id == later.id)).all()
    assert [(b.kind, b.due_at) for b in breaches] == [("handle", at(300))]
    # Linked, it follows its original: no step of its own fires for the moved deadline.
    assert len(sla.events(later, kinds=("breached",))) == 1 and later.next_step is None


def test_a_step_that_fails_is_put_back_for_a_minute_and_the_others_still_fire(sla, monkeypatch):
    broken, fine = sla.submit(), sla.submit()
    original = escalation._remind

    def remind(session, complaint, *args):
        if complaint.id == broken.id:
            raise RuntimeError("a bug in one step")
        return original(session, complaint, *args)

    monkeypatch.setattr(escalation, "_remind", remind)
    assert sla.tick(at(15)) == 1
    sla.session.refresh(broken)
    assert broken.next_step_at == at(16) and sla.events(broken) == []
    assert [k[0] for k in kinds(sla, fine)] == ["reminded"]
    monkeypatch.setattr(escalation, "_remind", original)
    assert sla.tick(at(16)) == 1
    assert sla.events(broken)[0].data["due_at"] == z(at(15))  # it keeps its original due time


def test_a_camat_the_policy_names_is_told_of_a_missed_handling_deadline(sla):
    ladder = [{"level": "village_head", "told_of": []}, {"level": "camat", "told_of": ["acknowledge", "handle"]},
              *({"level": level} for level in ("agency_head", "regional_secretary", "regent_office"))]
    sla.policy(escalation_ladder=ladder)
    c = sla.submit()
    reachable_everyone(sla, c)
    glagah = sla.contact("camat", "Camat Kalipuro", district=c.village.district, phone="+6281277700001")
    acknowledged(sla, c)
    sla.tick(at(240))
    breach_alerts = sla.messages(c, "core.staff.breach")
    assert glagah.phone in {m.recipient for m in breach_alerts}
    assert all(m.breach_id is not None for m in breach_alerts)
    told = [m for m in breach_alerts if m.recipient == glagah.phone][0]
    assert "belum ditangani" in told.body
    assert "Kades Kampunganyar" not in {m.extra.get("recipient_name") for m in breach_alerts}


def test_without_the_setting_a_missed_handling_deadline_tells_the_supervisors_and_head_only(sla):
    sla.policy()  # a ladder whose levels say nothing of "told_of"
    c = sla.submit()
    reachable_everyone(sla, c)
    acknowledged(sla, c)
    sla.tick(at(240))
    names = {m.extra.get("recipient_name") for m in sla.messages(c, "core.staff.breach")}
    assert not any("Camat" in (name or "") for name in names)
