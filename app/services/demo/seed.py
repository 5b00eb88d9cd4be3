"""The demo data: Banyuwangi and Sabu Raijua with their gazetteer, agencies, categories, routing,
the 4-hour policy and a staff user for every role. Idempotent: only what is missing is added."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agency, Category, Jurisdiction, RoutingRule, SlaPolicy, User
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
CAMATS = (("camat.glagah", "Hadi Susilo", "banyuwangi", "Glagah"),)


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


def seed_demo(session: Session, now: datetime, gazetteer_dir: Path | str) -> SeedResult:
    """Adds whatever demo data is missing; flushes, never commits (the caller does)."""
    result = SeedResult()
    jurisdictions = _jurisdictions(session, gazetteer_dir, result)
    categories = _categories(session, result)
    agencies = _agencies(session, jurisdictions, result)
    _routing(session, jurisdictions, categories, agencies, result)
    _policies(session, now, jurisdictions, result)
    _users(session, now, agencies, result)
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


def _policies(session: Session, now: datetime, jurisdictions, result: SeedResult) -> None:
    for jurisdiction in jurisdictions.values():
        has_default = session.scalar(select(SlaPolicy.id).where(
            SlaPolicy.jurisdiction_id == jurisdiction.id, SlaPolicy.category_id.is_(None)).limit(1))
        if has_default is not None:
            continue
        start = POLICY_START.replace(tzinfo=ZoneInfo(jurisdiction.timezone))
        session.add(SlaPolicy(jurisdiction_id=jurisdiction.id, category_id=None, effective_from=start,
                              created_at=now, **{k: (list(v) if isinstance(v, list) else v)
                                                 for k, v in DEFAULT_POLICY.items()}))
        result.add("SLA policies")
    session.flush()


def _users(session: Session, now: datetime, agencies: dict[str, Agency], result: SeedResult) -> None:
    existing = {u.username: u for u in session.scalars(select(User))}
    password_hash = None  # one argon2 hash shared by the demo users: they share the demo password
    for username, name, role, agency_code, jurisdiction_code in USERS:
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
    for username, name, jurisdiction_code, district in CAMATS:
        if username not in existing:
            password_hash = password_hash or accounts.hash_password(DEMO_PASSWORD)
            existing[username] = accounts.create_user(
                session, now, username=username, name=name, role="camat", jurisdiction_code=jurisdiction_code,
                district=district, password_hash=password_hash)
            result.add("users")
    session.flush()
