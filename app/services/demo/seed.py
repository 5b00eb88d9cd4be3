"""The demo data: Banyuwangi and Sabu Raijua with their gazetteer, agencies, categories, routing,
the 4-hour policy, a staff user for every role, and the accountable posts with their holders.
Idempotent: only what is missing is added.

`story` (what `seed demo` loads on a fresh database) tells the regency's history truthfully: the
4-hour rule until October 2025 and the 2-hour rule from then on, a new head of Dinas Sosial named
on 5 November 2026 (the old head's tenure closes that moment), and each head's contract."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import performance as period_rules
from app.domain.actor import SYSTEM
from app.models import Agency, Category, Jurisdiction, RoutingRule, SlaPolicy, User
from app.models.performance import PerformanceContract
from app.models.post import Post, PostHolder
from app.services import posts
from app.services.access import accounts
from app.services.reference import gazetteer

DEMO_PASSWORD = "sigap-demo-2026"

JURISDICTIONS = (
    # code, Kemendagri regency code, ticket prefix, time zone
    ("banyuwangi", "35.10", "BWI", "Asia/Jakarta"),
    ("sabu_raijua", "53.20", "SRJ", "Asia/Makassar"),
)

CATEGORIES = (
    # code, Indonesian, English, SMS keywords, descriptions (id, en)
    ("hunger", "Tidak bisa makan", "Cannot eat", ["MAKAN", "LAPAR", "HUNGER"],
     "Warga yang tidak bisa makan atau kekurangan pangan.", "Someone who cannot eat or has no food."),
    ("school_dropout", "Anak tidak bisa sekolah", "Child cannot go to school", ["SEKOLAH", "SCHOOL"],
     "Anak yang putus sekolah atau tidak bisa bersekolah.", "A child who dropped out or cannot attend school."),
    ("uninhabitable_house", "Rumah tidak layak huni", "House unfit to live in", ["RUMAH", "HOUSE"],
     "Rumah yang tidak layak untuk ditinggali.", "A house that is unfit to live in."),
    ("lone_elderly", "Lansia sebatang kara", "Elderly person living alone", ["LANSIA", "ELDERLY"],
     "Lansia yang hidup sendiri tanpa ada yang merawat.", "An elderly person living alone with no one to care for them."),
    ("medical_care", "Tidak bisa berobat", "Cannot get medical care", ["BEROBAT", "SAKIT", "MEDICAL"],
     "Warga yang sakit dan tidak bisa berobat.", "Someone who is ill and cannot get treatment."),
)

# suffix, name, is_supervisor, head title pattern ({region} = regency name without "Kabupaten")
AGENCIES = (
    ("dinsos", "Dinas Sosial", False, "Kepala Dinas Sosial Kabupaten {region}"),
    ("dispendik", "Dinas Pendidikan", False, "Kepala Dinas Pendidikan Kabupaten {region}"),
    ("disperkim", "Dinas Perumahan dan Kawasan Permukiman", False,
     "Kepala Dinas Perumahan dan Kawasan Permukiman Kabupaten {region}"),
    ("dinkes", "Dinas Kesehatan", False, "Kepala Dinas Kesehatan Kabupaten {region}"),
    ("bupati", "Kantor Bupati", True, "Bupati {region}"),
)
AGENCY_PREFIX = {"banyuwangi": "bwi", "sabu_raijua": "srj"}

# Names printed on the performance contracts (fictional).
HEAD_NAMES = {
    "bwi-dinsos": "Henik Setyorini", "bwi-dispendik": "Suratno", "bwi-disperkim": "Danang Hartanto",
    "bwi-dinkes": "Amir Hidayat", "bwi-bupati": "Ipuk Fiestiandani",
    "srj-dinsos": "Yohanes Lado", "srj-dispendik": "Maria Bara", "srj-disperkim": "Daniel Kana",
    "srj-dinkes": "Agustina Wadu", "srj-bupati": "Krisman Riwu Kore",
}

ROUTES = {
    "hunger": "dinsos", "lone_elderly": "dinsos", "school_dropout": "dispendik",
    "uninhabitable_house": "disperkim", "medical_care": "dinkes",
}
UNROUTED = {("sabu_raijua", "medical_care")}  # goes to triage, so triage shows in the demo

DEFAULT_POLICY = dict(
    acknowledge_minutes=30, handle_minutes=240, triage_minutes=30, reminder_fractions=[0.5, 0.75],
    # The camat hears of both missed deadlines in their kecamatan at once (the 2-hour rule was
    # announced to them); the other levels when the climb after a breach reaches them.
    escalation_ladder=[{"level": "village_head", "told_of": []},
                       {"level": "camat", "told_of": ["acknowledge", "handle"]},
                       *({"level": level, "told_of": []} for level in
                         ("agency_head", "regional_secretary", "regent_office"))],
    repeat_minutes=60, calendar="24x7", evidence_photo=False, evidence_location=False, may_pause=False,
    note="Aturan 4 jam: ditangani dalam 4 jam sejak laporan diterima",
)
POLICY_START = datetime(2026, 1, 1, 0, 0)  # local time of each jurisdiction

# The story: Banyuwangi's 4-hour rule from 2025, the 2-hour rule from October 2025 (local times).
STORY_POLICY_START = datetime(2025, 1, 1, 0, 0)
TWO_HOUR_RULE_FROM = datetime(2025, 10, 1, 0, 0)
TWO_HOUR_RULE = dict(handle_minutes=120, note="Aturan 2 jam: ditangani dalam 2 jam sejak laporan diterima")
# Every post's first holder holds from here (local time); the story's handover comes later.
HOLDERS_SINCE = datetime(2025, 1, 1, 0, 0)
HANDOVER = ("agency_head:bwi-dinsos", "head.dinsos.baru", datetime(2026, 11, 5, 8, 0))
# Fictional holders of the regency-wide posts, some camats and village heads (post key: name, title).
HOLDERS = {
    "regent:banyuwangi": (HEAD_NAMES["bwi-bupati"], "Bupati Banyuwangi"),
    "regional_secretary:banyuwangi": ("Mujiono", "Sekretaris Daerah Kabupaten Banyuwangi"),
    "regent:sabu_raijua": (HEAD_NAMES["srj-bupati"], "Bupati Sabu Raijua"),
    "regional_secretary:sabu_raijua": ("Yakob Ratu", "Sekretaris Daerah Kabupaten Sabu Raijua"),
}
CAMAT_NAMES = {"banyuwangi": ("Slamet Hariyadi", "Siti Rohmah", "Budi Santoso", "Eko Wahyudi", "Lilik Suryani")}
VILLAGE_HEADS = {"banyuwangi": ("Hartono", "Sri Wahyuni", "Misnadi")}
# Contracts: (username, period, on-time rate, median minutes, max handle breaches).
CONTRACTS = (
    ("head.dinsos", "2026-10", 0.9, 90, 5),
    ("head.dinsos.baru", "2026-12", 0.9, 90, 5),
    ("head.dispendik", "2026", 0.9, 100, 40),
    ("head.disperkim", "2026", 0.85, 110, 40),
    ("head.dinkes", "2026", 0.95, 60, 20),
)
STORY_USERS = (("head.dinsos.baru", "Wahyu Kurniawan", "agency_head", "bwi-dinsos", None),)

# username, name, role, agency code, jurisdiction code (an agency implies its jurisdiction)
USERS = (
    ("admin", "Administrator Sigap", "admin", None, None),
    ("supervisor", "Rina Wulandari", "supervisor", None, "banyuwangi"),
    ("officer.dinsos", "Agus Santoso", "officer", "bwi-dinsos", None),
    ("head.dinsos", HEAD_NAMES["bwi-dinsos"], "agency_head", "bwi-dinsos", None),
    ("officer.dispendik", "Dewi Lestari", "officer", "bwi-dispendik", None),
    ("head.dispendik", HEAD_NAMES["bwi-dispendik"], "agency_head", "bwi-dispendik", None),
    ("officer.disperkim", "Bambang Prasetyo", "officer", "bwi-disperkim", None),
    ("head.disperkim", HEAD_NAMES["bwi-disperkim"], "agency_head", "bwi-disperkim", None),
    ("officer.dinkes", "Nur Aini", "officer", "bwi-dinkes", None),
    ("head.dinkes", HEAD_NAMES["bwi-dinkes"], "agency_head", "bwi-dinkes", None),
    ("official", "Slamet Riyadi", "official", None, "banyuwangi"),
    ("partner", "Mitra Sistem Informasi", "partner", None, None),
    ("supervisor.srj", "Yakobus Dimu", "supervisor", None, "sabu_raijua"),
    ("officer.srj-dinsos", "Marthen Heke", "officer", "srj-dinsos", None),
    ("head.srj-dinsos", HEAD_NAMES["srj-dinsos"], "agency_head", "srj-dinsos", None),
)
# username, name, jurisdiction code, kecamatan: a camat sees and nudges their kecamatan's complaints
CAMAT_USERS = (("camat.glagah", "Hadi Susilo", "banyuwangi", "Glagah"),)  # each holds its kecamatan's post


@dataclass
class SeedResult:
    created: dict[str, int] = field(default_factory=dict)
    gazetteer: list[str] = field(default_factory=list)

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.created[what] = self.created.get(what, 0) + n

    @property
    def changed(self) -> bool:
        return bool(self.created)

    def summary(self) -> str:
        if not self.created:
            return "demo data already present: nothing to do"
        return "created " + ", ".join(f"{n} {what}" for what, n in self.created.items())


def seed_demo(session: Session, now: datetime, gazetteer_dir: Path | str, *, story: bool = False) -> SeedResult:
    """Adds whatever demo data is missing; flushes, never commits (the caller does). `story`: on a
    fresh database, the regency's history too (module docstring)."""
    result = SeedResult()
    jurisdictions = _jurisdictions(session, gazetteer_dir, result)
    categories = _categories(session, result)
    agencies = _agencies(session, jurisdictions, result)
    _routing(session, jurisdictions, categories, agencies, result)
    fresh = _policies(session, now, jurisdictions, result, story=story)
    _users(session, now, agencies, result, USERS + (STORY_USERS if fresh else ()))
    _holders(session, now, jurisdictions, result)
    if fresh:
        _handover_and_contracts(session, now, result)
    session.flush()
    return result


def _jurisdictions(session: Session, gazetteer_dir, result: SeedResult) -> dict[str, Jurisdiction]:
    found = {}
    for code, regency_code, prefix, tz in JURISDICTIONS:
        existing = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
        imported = gazetteer.import_regency(
            session, regency_code, jurisdiction_code=code, timezone=None if existing else tz,
            ticket_prefix=None if existing else prefix, gazetteer_dir=gazetteer_dir)
        if imported.jurisdiction_created:
            result.add("jurisdictions")
        result.add("districts", imported.districts_created)
        result.add("villages", imported.villages_created)
        if imported.changed:
            result.gazetteer.append(imported.summary())
        found[code] = imported.jurisdiction
    return found


def _categories(session: Session, result: SeedResult) -> dict[str, Category]:
    found = {c.code: c for c in session.scalars(select(Category))}
    for code, name_id, name_en, keywords, description_id, description_en in CATEGORIES:
        if code not in found:
            found[code] = Category(code=code, name_id=name_id, name_en=name_en, keywords=list(keywords),
                                   description_id=description_id, description_en=description_en,
                                   private=True, active=True)
            session.add(found[code])
            result.add("categories")
    session.flush()
    return found


def _agencies(session: Session, jurisdictions: dict[str, Jurisdiction], result: SeedResult) -> dict[str, Agency]:
    found = {a.code: a for a in session.scalars(select(Agency))}
    for jcode, jurisdiction in jurisdictions.items():
        region = gazetteer.bare_name(jurisdiction.name)
        for suffix, name, is_supervisor, head_title in AGENCIES:
            code = f"{AGENCY_PREFIX[jcode]}-{suffix}"
            if code in found:
                continue
            found[code] = Agency(jurisdiction_id=jurisdiction.id, code=code, name=name,
                                 is_supervisor=is_supervisor, head_name=HEAD_NAMES[code],
                                 head_title=head_title.format(region=region))
            session.add(found[code])
            result.add("agencies")
    session.flush()
    return found


def _routing(session: Session, jurisdictions, categories, agencies, result: SeedResult) -> None:
    for jcode, jurisdiction in jurisdictions.items():
        existing = {rule.category_id for rule in session.scalars(
            select(RoutingRule).where(RoutingRule.jurisdiction_id == jurisdiction.id,
                                      RoutingRule.district_id.is_(None)))}
        for category_code, suffix in ROUTES.items():
            category = categories[category_code]
            if (jcode, category_code) in UNROUTED or category.id in existing:
                continue
            session.add(RoutingRule(jurisdiction_id=jurisdiction.id, category_id=category.id, district_id=None,
                                    agency_id=agencies[f"{AGENCY_PREFIX[jcode]}-{suffix}"].id))
            result.add("routing rules")
    session.flush()


def _policies(session: Session, now: datetime, jurisdictions, result: SeedResult, story: bool) -> bool:
    """The 4-hour default policy where none exists; returns whether the story begins (Banyuwangi's
    policy was made now, with its 2-hour rule from October 2025)."""
    fresh = False
    for code, jurisdiction in jurisdictions.items():
        has_default = session.scalar(select(SlaPolicy.id).where(
            SlaPolicy.jurisdiction_id == jurisdiction.id, SlaPolicy.category_id.is_(None)).limit(1))
        if has_default is not None:
            continue
        zone = ZoneInfo(jurisdiction.timezone)
        start = (STORY_POLICY_START if story else POLICY_START).replace(tzinfo=zone)
        values = {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULT_POLICY.items()}
        session.add(SlaPolicy(jurisdiction_id=jurisdiction.id, category_id=None, effective_from=start,
                              created_at=now, **values))
        result.add("SLA policies")
        if story and code == "banyuwangi":
            session.add(SlaPolicy(jurisdiction_id=jurisdiction.id, category_id=None, created_at=now,
                                  effective_from=TWO_HOUR_RULE_FROM.replace(tzinfo=zone), **{**values, **TWO_HOUR_RULE}))
            result.add("SLA policies")
            fresh = True
    session.flush()
    return fresh


def _users(session: Session, now: datetime, agencies: dict[str, Agency], result: SeedResult, users) -> None:
    existing = {u.username: u for u in session.scalars(select(User))}
    password_hash = None  # one argon2 hash shared by the demo users: they share the demo password
    for username, name, role, agency_code, jurisdiction_code in users:
        user = existing.get(username)
        if user is None:
            password_hash = password_hash or accounts.hash_password(DEMO_PASSWORD)
            user = accounts.create_user(session, now, username=username, name=name, role=role,
                                        agency_code=agency_code, jurisdiction_code=jurisdiction_code,
                                        password_hash=password_hash)
            existing[username] = user
            result.add("users")
        if role == "agency_head":
            agency = agencies[agency_code]
            if agency.head_user_id is None:
                agency.head_user_id = user.id
    for username, name, jurisdiction_code, district in CAMAT_USERS:
        if username not in existing:
            password_hash = password_hash or accounts.hash_password(DEMO_PASSWORD)
            existing[username] = accounts.create_user(
                session, now, username=username, name=name, role="camat", jurisdiction_code=jurisdiction_code,
                district=district, password_hash=password_hash)
            result.add("users")
    session.flush()


def _holders(session: Session, now: datetime, jurisdictions: dict[str, Jurisdiction], result: SeedResult) -> None:
    """Every post exists; the first holders of those without any: agency heads as set on the
    agency, the triage desk held by the jurisdiction's supervisor, and the fictional names above."""
    result.add("posts", posts.sync_posts(session, now))
    held = set(session.scalars(select(PostHolder.post_id)))
    by_key = {p.key: p for p in session.scalars(select(Post))}
    zones = {j.id: ZoneInfo(j.timezone) for j in jurisdictions.values()}
    wanted: list[tuple[str, dict]] = []
    for agency in session.scalars(select(Agency).order_by(Agency.id)):
        if agency.head_user_id or agency.head_name:
            user = session.get(User, agency.head_user_id) if agency.head_user_id else None
            wanted.append((f"agency_head:{agency.code}", {"username": user.username if user else None,
                                                          "name": agency.head_name, "title": agency.head_title}))
    supervisors = {"banyuwangi": "supervisor", "sabu_raijua": "supervisor.srj"}
    for code, jurisdiction in jurisdictions.items():
        wanted.append((f"triage_desk:{code}", {"username": supervisors.get(code),
                                               "title": f"Meja Triase {jurisdiction.name}"}))
        with_account = {district: username for username, _, jur, district in CAMAT_USERS if jur == code}
        for district in jurisdiction.districts:
            if district.name in with_account:
                wanted.append((f"camat:{code}:{district.code}", {"username": with_account[district.name],
                                                                  "title": f"Camat {district.name}"}))
        others = [d for d in jurisdiction.districts if d.name not in with_account]
        for district, name in zip(others, CAMAT_NAMES.get(code, ())):
            wanted.append((f"camat:{code}:{district.code}", {"name": name, "title": f"Camat {district.name}"}))
        village_names = VILLAGE_HEADS.get(code, ())
        villages = [v for d in jurisdiction.districts[:1] for v in d.villages][:len(village_names)]
        for village, name in zip(villages, village_names):
            wanted.append((f"village_head:{code}:{village.code}",
                           {"name": name, "title": f"Kepala Desa {village.name}"}))
    wanted += [(key, {"name": name, "title": title}) for key, (name, title) in HOLDERS.items()]
    for key, holder in wanted:
        post = by_key.get(key)
        if post is None or post.id in held:
            continue
        since = HOLDERS_SINCE.replace(tzinfo=zones[post.jurisdiction_id])
        posts.assign(session, now, SYSTEM, key, from_at=min(since, now), commit=False,
                     note="demo: first holder", **holder)
        held.add(post.id)
        result.add("post holders")


def _handover_and_contracts(session: Session, now: datetime, result: SeedResult) -> None:
    """The story's handover at Dinas Sosial, and every Banyuwangi head's contract for a period within
    their tenure (skipped when the clock has not reached them)."""
    key, username, local = HANDOVER
    at = local.replace(tzinfo=ZoneInfo("Asia/Jakarta"))
    if at <= now:
        posts.assign(session, now, SYSTEM, key, username=username, from_at=at, commit=False,
                     title="Kepala Dinas Sosial Kabupaten Banyuwangi",
                     note="demo: a new head of Dinas Sosial; a new head signs a new contract")
        result.add("post holders")
    for username, label, rate, median, breaches in CONTRACTS:
        user = session.scalar(select(User).where(User.username == username))
        period = period_rules.parse_period(label)
        start, end = period.bounds("Asia/Jakarta")
        tenure = session.scalar(select(PostHolder).join(Post).where(
            Post.kind == "agency_head", Post.agency_id == user.agency_id, PostHolder.user_id == user.id))
        if tenure is None or tenure.from_at >= end or (tenure.until_at is not None and tenure.until_at <= start):
            continue
        session.add(PerformanceContract(
            official_id=user.id, agency_id=user.agency_id, holder_id=tenure.id, period=period.label,
            period_kind=period.kind, period_start=period.start, period_end=period.end, on_time_rate=rate,
            median_handle_minutes=median, max_breaches=breaches, note="demo: kontrak kinerja",
            created_by="system", created_at=now, updated_at=now))
        result.add("performance contracts")
