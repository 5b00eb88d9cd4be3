"""A demo working day: complaints of the last day in both regencies, taken through the real services
(intake, the SLA steps, acknowledge, handle, a citizen's "not handled", a rejection) in the order they
happened, so a newcomer's first screen shows Sigap at work: open, late, handled and disputed reports
across agencies, and a contract for the current month to review.

Relative to `now` (the clock's), so it always looks like yesterday and today. Only on a database holding
no complaints (run twice, it adds nothing). The test suite's fixture loads the demo seed without it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import performance as period_rules
from app.domain.actor import Actor
from app.models import Agency, Complaint, Jurisdiction
from app.models.performance import PerformanceContract
from app.models.post import Post, PostHolder
from app.services import intake, lifecycle
from app.services.access import accounts
from app.services.reporting import rollup
from app.services.sla import escalation


@dataclass(frozen=True)
class Report:
    """One demo complaint: received `ago` minutes before now, then what happened to it (minutes after receipt)."""
    ago: int
    jurisdiction: str
    category: str
    district: str
    village: str
    description: str
    acknowledged: int | None = None  # minutes after receipt
    handled: int | None = None
    disputed: int | None = None  # the citizen says "not handled", minutes after receipt
    rejected: int | None = None  # a supervisor rejects it as spam
    officer: str = ""


# Fictional people and places that exist in the gazetteer (three reports from Kemiren, Glagah, so the map clusters).
DAY = (
    Report(35, "banyuwangi", "hunger", "Glagah", "Kemiren",
           "Mbok Sunarti (70) tidak punya beras sejak kemarin; tinggal dengan dua cucu", officer="officer.dinsos"),
    Report(55, "banyuwangi", "lone_elderly", "Glagah", "Kemiren",
           "Mbah Paiman tinggal sendiri, kakinya bengkak dan tidak bisa ke pasar", acknowledged=12,
           officer="officer.dinsos"),
    Report(80, "banyuwangi", "medical_care", "Glagah", "Kemiren",
           "Pak Rusdi demam tinggi tiga hari, tidak punya biaya ke puskesmas", acknowledged=20,
           officer="officer.dinkes"),
    Report(100, "banyuwangi", "school_dropout", "Rogojampi", "Aliyan",
           "Dua anak Bu Yati berhenti sekolah karena tidak punya sepatu dan seragam", acknowledged=25,
           officer="officer.dispendik"),
    Report(70, "banyuwangi", "uninhabitable_house", "Kabat", "Bareng",
           "Atap rumah Pak Sarijo runtuh sebagian setelah hujan semalam", officer="officer.disperkim"),
    Report(190, "banyuwangi", "hunger", "Genteng", "Kembiritan",
           "Keluarga Pak Slamet tidak bisa makan sejak dua hari; empat anak kecil", acknowledged=55,
           officer="officer.dinsos"),
    Report(160, "banyuwangi", "medical_care", "Srono", "Wonosobo",
           "Ibu hamil tua tidak punya kendaraan ke puskesmas, air ketuban sudah pecah", officer="officer.dinkes"),
    Report(420, "banyuwangi", "lone_elderly", "Giri", "Boyolangu",
           "Mbah Karto tinggal sendiri, sakit, tidak ada yang merawat", acknowledged=40, handled=150,
           officer="officer.dinsos"),
    Report(300, "banyuwangi", "school_dropout", "Banyuwangi", "Pakis",
           "Anak usia 12 tahun berhenti sekolah untuk bekerja di pelabuhan", acknowledged=15, handled=95,
           officer="officer.dispendik"),
    Report(600, "banyuwangi", "uninhabitable_house", "Songgon", "Balak",
           "Rumah bambu Mbok Tin miring dan hampir roboh", acknowledged=20, handled=110,
           officer="officer.disperkim"),
    Report(1260, "banyuwangi", "hunger", "Muncar", "Kedungrejo",
           "Keluarga nelayan tidak bisa makan setelah tiga hari tidak melaut", acknowledged=10, handled=70,
           disputed=300, officer="officer.dinsos"),
    Report(240, "banyuwangi", "hunger", "Giri", "Penataban", "tes tes 123", rejected=8),
    Report(45, "sabu_raijua", "hunger", "Sabu Barat", "Mebba",
           "Keluarga Bapak Yohanes kehabisan bahan makanan setelah gagal panen", officer="officer.srj-dinsos"),
    Report(25, "sabu_raijua", "medical_care", "Sabu Barat", "Menia",
           "Bapak Daniel sakit keras dan tidak bisa berobat ke puskesmas"),
    Report(230, "sabu_raijua", "lone_elderly", "Hawu Mehara", "Lobohede",
           "Nenek Maria tinggal sendiri di kebun, tidak ada yang mengantar makanan", acknowledged=20,
           officer="officer.srj-dinsos"),
    Report(480, "sabu_raijua", "hunger", "Sabu Timur", "Bolou",
           "Anak-anak Mama Ince belum makan sejak pagi kemarin", acknowledged=10, handled=80,
           officer="officer.srj-dinsos"),
)
REPORTER_NAMES = ("Bu Sri", "Pak Budi", "Ibu Nur", "Mas Andi", "Bu Lilik", "Pak Harto", "Ibu Wati", "Pak Joko",
                  "Bu Endang", "Mbak Rina", "Pak Darmo", "Anonim", "Ibu Maria", "Bapak Yakob", "Ibu Ance", "Bapak Lukas")
DEMO_CHAT_ID = -100_000_000_000  # a negative id is a group chat's in Telegram; no citizen reports from one
CONTRACT_NOTE = "demo: kontrak kinerja bulan ini"
HANDLING_NOTE = "Petugas datang ke rumah, bantuan diberikan dan dicatat bersama kepala desa"


def seed_day(session: Session, now: datetime) -> int:
    """Lays the demo day and commits it step by step (each service commits its own use case); returns how many
    complaints it made (0 when the database already has complaints)."""
    if session.scalar(select(func.count()).select_from(Complaint)):
        return 0
    steps: list[tuple[datetime, int, str, Report]] = []
    for n, report in enumerate(DAY):
        received = now - timedelta(minutes=report.ago)
        steps.append((received, n, "submit", report))
        for kind in ("acknowledged", "handled", "disputed", "rejected"):
            after = getattr(report, kind)
            if after is not None and after < report.ago:
                steps.append((received + timedelta(minutes=after), n, kind, report))
    steps.sort(key=lambda step: (step[0], step[1]))
    tickets: dict[int, str] = {}
    for at, n, kind, report in steps:
        escalation.run_due_steps(session, at)  # the SLA steps that fell before this moment, as they would have
        if kind == "submit":
            tickets[n] = intake.submit(
                session, at, jurisdiction=report.jurisdiction, category=report.category, description=report.description,
                district=report.district, village=report.village, channel="counter" if n % 4 == 3 else "telegram",
                received_at=at, reporter=_reporter(n)).ticket
        elif kind == "acknowledged":
            lifecycle.acknowledge(session, at, tickets[n], _staff(session, report.officer),
                                  note="Sudah diterima, petugas berangkat ke lokasi")
        elif kind == "handled":
            lifecycle.handle(session, at, tickets[n], _staff(session, report.officer), note=HANDLING_NOTE)
        elif kind == "disputed":
            complaint = intake.get_by_ticket(session, tickets[n])
            lifecycle.reopen(session, at, tickets[n], Actor(kind="reporter", id=complaint.reporter_id,
                                                              jurisdiction_id=complaint.jurisdiction_id),
                             note="Belum ada petugas yang datang, keluarga masih kelaparan")
        elif kind == "rejected":
            supervisor = "supervisor" if report.jurisdiction == "banyuwangi" else "supervisor.srj"
            lifecycle.reject(session, at, tickets[n], _staff(session, supervisor), reason="spam",
                             note="Pesan uji coba, tidak ada warga yang dilaporkan")
    escalation.run_due_steps(session, now)
    _contracts_for_this_month(session, now)
    session.commit()
    rollup.refresh_all(session)
    session.commit()
    return len(tickets)


def _reporter(n: int) -> dict:
    """A fictional citizen: a walk-in with a name only, or a Telegram chat id no real chat has (ids start at 1)."""
    name = REPORTER_NAMES[n % len(REPORTER_NAMES)]
    if n % 4 == 3:
        return {"name": name}
    return {"name": name, "telegram_chat_id": str(DEMO_CHAT_ID - n)}


def _staff(session: Session, username: str) -> Actor:
    return accounts.user_actor(accounts.user_by_username(session, username))


def _contracts_for_this_month(session: Session, now: datetime) -> None:
    """Every agency head holding a post now signs a contract for the current month when no contract of theirs covers
    today: the official always has a contract to review beside the day's complaints."""
    holders = session.execute(
        select(PostHolder, Post, Agency, Jurisdiction).join(Post, Post.id == PostHolder.post_id)
        .join(Agency, Agency.id == Post.agency_id).join(Jurisdiction, Jurisdiction.id == Agency.jurisdiction_id)
        .where(Post.kind == "agency_head", PostHolder.user_id.is_not(None), PostHolder.from_at <= now,
               (PostHolder.until_at.is_(None)) | (PostHolder.until_at > now))).all()
    for holder, _post, agency, jurisdiction in holders:
        period = period_rules.period_containing(now, jurisdiction.timezone, "month")
        today = now.astimezone(ZoneInfo(jurisdiction.timezone)).date()
        covered = session.scalar(select(PerformanceContract.id).where(
            PerformanceContract.official_id == holder.user_id, PerformanceContract.period_start <= today,
            PerformanceContract.period_end > today).limit(1))
        if covered is not None:
            continue
        session.add(PerformanceContract(
            official_id=holder.user_id, agency_id=agency.id, holder_id=holder.id, period=period.label,
            period_kind=period.kind, period_start=period.start, period_end=period.end, on_time_rate=0.9,
            median_handle_minutes=90, max_breaches=5, note=CONTRACT_NOTE,
            created_by="system", created_at=now, updated_at=now))
