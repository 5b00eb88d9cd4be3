"""An operator manages the ladder's people as data: a regency's contacts and duty rosters from one CSV
(CLI and settings page), all or nothing with problems named by line; alerts go to whoever is on duty
at that moment (holidays, overnight shifts, handovers), by the channels each person listed, through
the real twilio Client against the fake; the complaint page shows each attempt and its state, and a
breach says "nobody reached" only when no recipient was."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from app.models import Breach, Complaint, OutboxMessage
from app.models.sla_engine import DutyShift, EscalationContact
from app.services import contacts, intake
from app.services.messaging import outbox
from app.services.sla import escalation
from app.channels.senders import build_senders
from tests.integration.web.conftest import Browser

WIB = timezone(timedelta(hours=7))
AGUS, BUDI, CITRA, DEWI, EKO = ("+6281234560001", "+6281234560002", "+6281234560003", "+6281234560004",
                                "+6281234560005")
CAMAT_GLAGAH, KADIS, SEKDA = "+6281234560011", "+6281234560012", "+6281234560013"

REGENCY_CSV = f"""level,agency,district,village,name,title,phone,telegram,channels,language,days,hours,holidays
camat,,Glagah,,Camat Glagah,Camat Kecamatan Glagah,{CAMAT_GLAGAH},,whatsapp sms,id,,,
kepala_desa,,Glagah,Kemiren,Kades Kemiren,,0812 3456 0021,,sms,id,,,
kepala_dinas,bwi-dinsos,,,Henik Setyorini,Kepala Dinas Sosial,{KADIS},,whatsapp sms,id,,,
sekda,,,,Sekda Banyuwangi,,{SEKDA},,sms,id,,,
kantor_bupati,,,,Kantor Bupati Banyuwangi,,,777000,telegram,id,,,
piket,bwi-dinsos,,,Agus Pagi,,{AGUS},,sms,id,Sen-Jum,07:00-16:00,tidak
piket,bwi-dinsos,,,Budi Malam,,{BUDI},,sms,id,Sen-Jum,16:00-07:00,tidak
piket,bwi-dinsos,,,Citra Libur,,{CITRA},,sms whatsapp,id,Sab Min,16:00-07:00,ya
piket,bwi-dinsos,,,Citra Libur,,{CITRA},,sms whatsapp,id,,16:00-07:00,hanya
piket,bwi-dinsos,,,Dewi Siang,,{DEWI},,sms,id,Sab Min,07:00-16:00,ya
piket,bwi-dinsos,,,Dewi Siang,,{DEWI},,sms,id,,07:00-16:00,hanya
"""


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=list(args))

    return invoke


@pytest.fixture
def regency(tmp_path):
    path = tmp_path / "banyuwangi-kontak.csv"
    path.write_text(REGENCY_CSV, encoding="utf-8")
    return path


def _contacts(session):
    session.expire_all()
    return list(session.scalars(select(EscalationContact).where(EscalationContact.active.is_(True))
                                .order_by(EscalationContact.id)))


def _duty_sms(session, complaint) -> list[str]:
    """Who the new-complaint alert went to (the agency's duty desk, the assignee being nobody yet)."""
    return [m.recipient for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.complaint_id == complaint.id, OutboxMessage.template == "core.staff.new")
        .order_by(OutboxMessage.id))]


def _complaint_at(session, at: datetime) -> Complaint:
    return intake.submit(session, at, jurisdiction="banyuwangi", category="hunger", village="Kemiren",
                         description="Nenek Sumi tidak makan sejak kemarin", reporter={"phone": "+6281234500099"},
                         channel="sms")


def _steps_until(session, complaint, until: datetime, senders=None) -> None:
    """Run the SLA engine at each moment a step of `complaint` falls due, up to `until` (and deliver)."""
    while True:
        session.expire_all()
        due = session.get(Complaint, complaint.id).next_step_at
        if due is None or due > until:
            return
        escalation.run_due_steps(session, due)
        if senders is not None:
            outbox.deliver_due(session, due, senders, limit=100)


def test_an_operator_imports_a_regencys_contacts_and_roster_with_the_cli(run, session, regency, tmp_path):
    result = run("contacts", "import", str(regency), "--jurisdiction", "banyuwangi", "--from", "2026-11-01")
    assert result.exit_code == 0, result.output
    assert "banyuwangi: 11 baris; 9 kontak baru" in result.output and "6 jadwal piket" in result.output
    people = {c.name: c for c in _contacts(session)}
    assert set(people) == {"Camat Glagah", "Kades Kemiren", "Henik Setyorini", "Sekda Banyuwangi",
                           "Kantor Bupati Banyuwangi", "Agus Pagi", "Budi Malam", "Citra Libur", "Dewi Siang"}
    assert people["Camat Glagah"].channel_order() == ("whatsapp", "sms")
    assert people["Kades Kemiren"].phone == "+6281234560021"
    assert people["Kantor Bupati Banyuwangi"].telegram_chat_id == 777000
    # Linked to the accountable posts where one fits (the piket is a desk, not a post).
    assert people["Camat Glagah"].post_id is not None and people["Henik Setyorini"].post_id is not None
    assert people["Budi Malam"].post_id is None
    assert len(people["Citra Libur"].shifts) == 2
    listing = run("contacts", "list", "--jurisdiction", "banyuwangi")
    assert listing.exit_code == 0 and "Budi Malam  [sms]" in listing.output and "mon-fri 16:00-07:00" in listing.output
    # Export, import back: the same people and rosters, nothing added.
    exported = tmp_path / "export.csv"
    assert run("contacts", "export", "--jurisdiction", "banyuwangi", "-o", str(exported)).exit_code == 0
    again = run("contacts", "import", str(exported), "--jurisdiction", "banyuwangi")
    assert again.exit_code == 0 and "0 kontak baru, 9 tetap/diperbarui, 0 tidak dihubungi lagi" in again.output
    assert {c.name for c in _contacts(session)} == set(people)


def test_a_bad_csv_changes_nothing_and_names_its_lines_in_the_operators_language(run, session, regency, tmp_path):
    assert run("contacts", "import", str(regency), "--jurisdiction", "banyuwangi").exit_code == 0
    before = [(c.id, c.name, c.phone, c.channels) for c in _contacts(session)]
    shifts_before = session.scalar(select(DutyShift.id).order_by(DutyShift.id.desc()).limit(1))
    bad = tmp_path / "rusak.csv"
    bad.write_text("level,agency,district,village,name,phone,channels,days,hours,holidays\n"
                   "camat,,Glagah,,Camat Baru,0812 3456 0099,whatsapp,,,\n"
                   "bupati_agung,,,,Siapa,0812 3456 0098,sms,,,\n"
                   "piket,bwi-nope,,,Eko,0812 3456 0097,sms,,,\n"
                   "piket,bwi-dinsos,,,Eko,12345,sms,Sen-Jum,25:00-07:00,\n"
                   "camat,,Atlantis,,Camat X,,telegram,,,\n", encoding="utf-8")
    result = run("contacts", "import", str(bad), "--jurisdiction", "banyuwangi")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "rusak.csv: 6 masalah, tidak ada yang disimpan" in result.output
    assert "baris 3: tingkat 'bupati_agung' tidak dikenal" in result.output
    assert "baris 4: dinas 'bwi-nope' tidak ada di kabupaten ini" in result.output
    assert "baris 5: nomor '12345' tidak sah" in result.output and "baris 5: jam '25:00-07:00' tidak terbaca" in result.output
    assert "baris 6: kecamatan 'Atlantis' tidak ada" in result.output
    assert "baris 6: tidak bisa dihubungi" in result.output
    assert "baris 2" not in result.output
    assert [(c.id, c.name, c.phone, c.channels) for c in _contacts(session)] == before
    assert session.scalar(select(DutyShift.id).order_by(DutyShift.id.desc()).limit(1)) == shifts_before
    english = run("contacts", "import", str(bad), "--jurisdiction", "banyuwangi", "--language", "en")
    assert "6 problem(s), nothing stored" in english.output and "line 4: no agency 'bwi-nope'" in english.output


def test_an_alert_at_two_in_the_night_of_a_public_holiday_goes_to_that_nights_duty_desk(session, regency, clock):
    contacts.import_csv(session, clock.now(), "banyuwangi", regency.read_text(), effective_from=clock.now())
    session.commit()
    # Friday 25 December 2026 (Christmas) 02:00 WIB: the night shift that began on the 24th, a
    # collective-leave day, is the holiday crew's, not the weekday night's.
    holiday_night = _complaint_at(session, datetime(2026, 12, 25, 2, 0, tzinfo=WIB))
    assert _duty_sms(session, holiday_night) == [CITRA]
    # The same hour on an ordinary Thursday is the weekday night shift's (it began on Wednesday 16:00).
    assert _duty_sms(session, _complaint_at(session, datetime(2026, 12, 17, 2, 0, tzinfo=WIB))) == [BUDI]
    # Christmas at 10:00: the holiday day crew; the weekday day shift does not work holidays.
    assert _duty_sms(session, _complaint_at(session, datetime(2026, 12, 25, 10, 0, tzinfo=WIB))) == [DEWI]
    assert _duty_sms(session, _complaint_at(session, datetime(2026, 12, 23, 10, 0, tzinfo=WIB))) == [AGUS]
    # The SLA engine's reminders that night go to that night's desk too.
    _steps_until(session, holiday_night, datetime(2026, 12, 25, 3, 0, tzinfo=WIB))
    reminders = [m.recipient for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.complaint_id == holiday_night.id, OutboxMessage.template == "core.staff.remind"))]
    assert reminders and set(reminders) == {CITRA}


def test_a_handover_gives_the_roster_to_a_new_officer_from_a_moment_on(run, session, regency, clock):
    assert run("contacts", "import", str(regency), "--jurisdiction", "banyuwangi", "--from", "2026-11-01").exit_code == 0
    added = run("contacts", "add", "--jurisdiction", "banyuwangi", "--level", "piket", "--agency", "bwi-dinsos",
                "--name", "Eko Pengganti", "--phone", "0812 3456 0005", "--channels", "sms")
    assert added.exit_code == 0, added.output
    ids = {c.name: c.id for c in _contacts(session)}
    moved = run("contacts", "handover", str(ids["Budi Malam"]), str(ids["Eko Pengganti"]),
                "--jurisdiction", "banyuwangi", "--at", "2026-12-10 12:00")
    assert moved.exit_code == 0 and "1 roster line(s) handed over" in moved.output
    # Before the moment, Budi's nights; after it, Eko's.
    assert _duty_sms(session, _complaint_at(session, datetime(2026, 12, 9, 2, 0, tzinfo=WIB))) == [BUDI]
    assert _duty_sms(session, _complaint_at(session, datetime(2026, 12, 11, 2, 0, tzinfo=WIB))) == [EKO]
    on_duty = run("contacts", "on-duty", "--jurisdiction", "banyuwangi", "--at", "2026-12-11 02:00")
    assert "Eko Pengganti" in on_duty.output and "Budi Malam" not in on_duty.output
    # A whole new roster from a moment on (import --from): the old lines end then, the new ones begin.
    new_roster = REGENCY_CSV.replace("Budi Malam", "Fajar Malam").replace(BUDI, "+6281234560006")
    contacts.import_csv(session, clock.now(), "banyuwangi", new_roster,
                        effective_from=datetime(2026, 12, 20, 0, 0, tzinfo=WIB))
    session.commit()
    assert _duty_sms(session, _complaint_at(session, datetime(2026, 12, 16, 2, 0, tzinfo=WIB))) == [EKO]
    assert _duty_sms(session, _complaint_at(session, datetime(2026, 12, 22, 2, 0, tzinfo=WIB))) == ["+6281234560006"]


def test_the_complaint_page_shows_each_attempt_and_a_breach_says_who_was_reached(
        settings, twilio_api, twilio, session, clock, client, regency):
    contacts.import_csv(session, clock.now(), "banyuwangi", regency.read_text(), effective_from=clock.now())
    session.commit()
    twilio_api.fail_to(SEKDA, 21211, "The 'To' number is not a valid phone number.")
    complaint = _complaint_at(session, clock.now())  # Monday 09:00 WIB: Agus's day shift
    session.commit()
    senders = build_senders(settings)
    outbox.deliver_due(session, clock.now(), senders, limit=100)
    # Nobody acknowledges: the acknowledge deadline passes, the ladder climbs.
    _steps_until(session, complaint, clock.now() + timedelta(hours=8), senders)
    twilio_api.deliver_reports(twilio, statuses=("delivered",))
    session.expire_all()
    breach = session.scalar(select(Breach).where(Breach.complaint_id == complaint.id, Breach.kind == "acknowledge"))
    assert breach is not None
    results = {r["recipient"]: r["result"] for r in contacts.breach_recipients(session, breach.id)}
    assert results and "delivered" in results.values()
    assert (breach.staff_notified, breach.notify_failed) == (True, False)
    attempts = contacts.alert_attempts(session, complaint.id)
    states = {(a["recipient"], a["channel"]): a["state"] for a in attempts}
    assert states[("Agus Pagi", "sms")] == "delivered"
    assert states[("Sekda Banyuwangi", "sms")] == "failed"  # its number is refused: no channel left
    browser = Browser(client)
    browser.sign_in("supervisor")
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "Siapa diberi tahu" in page
    assert "Agus Pagi" in page and "diterima" in page and "Sekda Banyuwangi" in page and "gagal" in page
    assert "Piket sekarang" in page


def test_a_breach_says_nobody_was_reached_only_when_every_recipient_failed(session, clock):
    from app.domain import delivery

    ok = delivery.Attempt(1, "sent", clock.now(), None, None)
    dead = delivery.Attempt(2, "dead", None, None, None)
    moved = delivery.Attempt(3, "dead", None, None, 4)
    fallback_dead = delivery.Attempt(4, "dead", None, 3, None)
    waiting = delivery.Attempt(5, "sent", None, None, None)
    assert delivery.level_verdict([ok, dead]) == (True, False)  # someone at the level was reached
    assert delivery.level_verdict([dead, moved, fallback_dead]) == (False, True)  # nobody, on any channel
    assert delivery.level_verdict([dead, waiting]) == (None, False)  # not known yet
    assert delivery.level_verdict([moved, delivery.Attempt(4, "sent", clock.now(), 3, None)]) == (True, False)


def test_an_admin_imports_the_regency_csv_on_the_settings_page_and_a_bad_one_names_its_lines(client, session, regency):
    browser = Browser(client)
    browser.sign_in("admin")
    page = browser.get("/settings/contacts?jurisdiction=banyuwangi")
    assert page.status_code == 200 and "Kontak dan jadwal piket" in page.get_data(as_text=True)
    before = len(_contacts(session))
    bad = REGENCY_CSV + "piket,bwi-dinsos,,,Gagal,,0812,,sms,id,Sen-Jum,07:00-16:00,kadang\n"
    response = browser.post("/settings/contacts/import", {
        "jurisdiction": "banyuwangi", "file": (io.BytesIO(bad.encode()), "kontak.csv")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Tidak ada yang disimpan" in html
    assert "baris 13: nomor &#39;0812&#39; tidak sah" in html and "baris 13: hari libur &#39;kadang&#39;" in html
    assert len(_contacts(session)) == before
    response = browser.post("/settings/contacts/import", {
        "jurisdiction": "banyuwangi", "file": (io.BytesIO(REGENCY_CSV.encode()), "kontak.csv"),
        "from_date": "2026-11-23", "from_time": "00:00"}, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    listing = browser.get("/settings/contacts?jurisdiction=banyuwangi").get_data(as_text=True)
    assert "Budi Malam" in listing and "16:00-07:00" in listing and "whatsapp › sms" in listing
    assert "sedang piket" in listing  # Monday 09:00: Agus's day shift
    exported = browser.get("/settings/contacts/export.csv?jurisdiction=banyuwangi")
    assert exported.status_code == 200 and "Citra Libur" in exported.get_data(as_text=True)
    dashboard = browser.get("/dashboard").get_data(as_text=True)
    assert "Piket sekarang" in dashboard and "Agus Pagi" in dashboard


def test_a_breach_whose_every_recipient_failed_says_nobody_was_reached_per_recipient(
        settings, twilio_api, twilio, session, clock, client, regency):
    contacts.import_csv(session, clock.now(), "banyuwangi", regency.read_text(), effective_from=clock.now())
    session.commit()
    for _ in range(200):  # every number refuses: 21211 is permanent, so each channel dies at once
        twilio_api.fail_next(21211, message="The 'To' number is not a valid phone number.")
    complaint = _complaint_at(session, clock.now())
    session.commit()
    senders = build_senders(settings)
    _steps_until(session, complaint, clock.now() + timedelta(minutes=31), senders)
    outbox.deliver_due(session, clock.now() + timedelta(minutes=31), senders, limit=100)
    session.expire_all()
    breach = session.scalar(select(Breach).where(Breach.complaint_id == complaint.id, Breach.kind == "acknowledge"))
    people = contacts.breach_recipients(session, breach.id)
    assert people and {p["result"] for p in people} == {"failed"}, people
    assert (breach.staff_notified, breach.notify_failed) == (False, True)
    browser = Browser(client)
    browser.sign_in("supervisor")
    page = browser.get(f"/complaints/{complaint.ticket}").get_data(as_text=True)
    assert "tidak ada yang berhasil dihubungi di tingkat ini" in page
    assert all(p["recipient"] in page for p in people)
