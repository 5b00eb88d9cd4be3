"""A known month of complaints, made by driving the real services with a moving clock."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import app.channels.api.performance  # noqa: F401  (routes join the api blueprint before any app registers it)
from app.clock import FrozenClock
from app.domain.actor import Actor
from app.models import Agency, User
from app.models.sla_engine import EscalationContact
from app.services import intake, lifecycle
from app.services.access import accounts
from app.services.sla import escalation, policies
from tests.conftest import T0

WIB, WITA = "Asia/Jakarta", "Asia/Makassar"


def local(text: str, tz: str = WIB) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


@pytest.fixture(autouse=True)
def _web_blueprint(app):
    from app.web import performance as pages

    if "performance" not in app.blueprints:
        pages.install(app)
    return app


def actor_of(session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    jurisdiction_id = user.jurisdiction_id
    if jurisdiction_id is None and user.agency is not None:
        jurisdiction_id = user.agency.jurisdiction_id
    return Actor(kind="user", id=user.id, role=user.role, agency_id=user.agency_id,
                 jurisdiction_id=jurisdiction_id, name=user.name)


class Month:
    """November 2026 in Banyuwangi (WIB, 4 h then 2 h from 16 November) and Sabu Raijua (WITA, 4 h)."""

    def __init__(self, session, clock):
        self.session, self.clock = session, clock
        self.tickets: dict[str, str] = {}

    def at(self, when: datetime) -> datetime:
        """Move the clock forward to `when`, firing every SLA step due on the way (in order)."""
        assert when >= self.clock.now(), f"the clock only moves forward ({when} < {self.clock.now()})"
        self.clock.set(when)
        escalation.run_due_steps(self.session, when)
        return when

    def submit(self, name, when, *, jurisdiction="banyuwangi", category="hunger", district="Glagah"):
        self.at(when)
        complaint = intake.submit(self.session, when, jurisdiction=jurisdiction, category=category,
                                  district=district, description=f"report {name}",
                                  reporter={"name": name, "phone": None})
        self.tickets[name] = complaint.ticket
        return complaint

    def do(self, action, name, when, who, **kwargs):
        self.at(when)
        return lifecycle.ACTIONS[action](self.session, when, self.tickets[name], actor_of(self.session, who), **kwargs)


def build_month(session, clock) -> Month:
    m = Month(session, clock)
    clock.set(local("2026-10-20 09:00"))
    # Dinas Sosial Banyuwangi has a duty phone and a reachable head: its breaches reach staff.
    # The other agencies have nobody reachable: their breaches are "the system failed to notify".
    dinsos = session.scalar(select(Agency).where(Agency.code == "bwi-dinsos"))
    for level, phone in (("agency_duty", "+6281200000001"), ("agency_head", "+6281200000002")):
        session.add(EscalationContact(jurisdiction_id=dinsos.jurisdiction_id, level=level, agency_id=dinsos.id,
                                      name=f"{level} dinsos", phone=phone, channel="sms", created_at=clock.now()))
    session.commit()
    policies.set_target(session, clock.now(), jurisdiction_code="banyuwangi", handle_minutes=120,
                        effective_from=local("2026-11-16 00:00"), note="the 2-hour rule")
    # Sabu Raijua, just before November there: due 1 Nov 01:00 WITA, so it is November's.
    m.submit("S4", local("2026-10-31 21:00", WITA), jurisdiction="sabu_raijua", district="Sabu Barat")
    m.do("handle", "S4", local("2026-11-01 00:00", WITA), "officer.srj-dinsos", note="visited")
    # Banyuwangi under the 4-hour rule.
    m.submit("B1", local("2026-11-02 09:00"))
    m.do("acknowledge", "B1", local("2026-11-02 09:10"), "officer.dinsos")
    m.submit("B6", local("2026-11-02 10:00"))
    m.do("link_repeat", "B6", local("2026-11-02 10:10"), "officer.dinsos", of_ticket=m.tickets["B1"])
    m.do("handle", "B1", local("2026-11-02 11:00"), "officer.dinsos", note="food parcel delivered")
    m.submit("B2", local("2026-11-03 09:00"), category="school_dropout", district="Genteng")
    m.do("acknowledge", "B2", local("2026-11-03 09:20"), "officer.dispendik")
    m.do("handle", "B2", local("2026-11-03 14:00"), "officer.dispendik", note="teacher visited")
    m.submit("B3", local("2026-11-04 08:00"))
    m.do("transfer", "B3", local("2026-11-04 09:00"), "supervisor", agency="bwi-dispendik", note="a school matter")
    m.do("acknowledge", "B3", local("2026-11-04 09:30"), "officer.dispendik")
    m.do("handle", "B3", local("2026-11-04 11:00"), "officer.dispendik", note="enrolled again")
    m.submit("B4", local("2026-11-05 10:00"))
    m.do("acknowledge", "B4", local("2026-11-05 10:05"), "officer.dinsos")
    m.do("handle", "B4", local("2026-11-05 12:00"), "officer.dinsos", note="rice delivered")
    m.do("reopen", "B4", local("2026-11-05 15:00"), "supervisor", note="the family says nobody came")
    m.do("handle", "B4", local("2026-11-05 16:00"), "officer.dinsos", note="delivered, photo taken")
    m.submit("B5", local("2026-11-06 09:00"))
    m.do("reject", "B5", local("2026-11-06 09:05"), "supervisor", reason="spam")
    # Sabu Raijua, 4-hour rule throughout.
    m.submit("S1", local("2026-11-10 09:00", WITA), jurisdiction="sabu_raijua", district="Sabu Barat")
    m.do("acknowledge", "S1", local("2026-11-10 09:15", WITA), "officer.srj-dinsos")
    m.submit("S2", local("2026-11-10 10:00", WITA), jurisdiction="sabu_raijua", category="school_dropout",
             district="Sabu Barat")
    m.do("handle", "S1", local("2026-11-10 12:00", WITA), "officer.srj-dinsos", note="visited")
    m.do("handle", "S2", local("2026-11-10 15:00", WITA), "supervisor.srj", note="school visited")
    m.submit("S3", local("2026-11-11 09:00", WITA), jurisdiction="sabu_raijua", category="medical_care",
             district="Sabu Barat")
    m.do("assign", "S3", local("2026-11-11 09:20", WITA), "supervisor.srj", agency="srj-dinkes")
    m.do("handle", "S3", local("2026-11-11 10:00", WITA), "supervisor.srj", note="nurse sent")
    # Banyuwangi across the switch: received before it keeps 4 hours, after it has 2.
    m.submit("B7", local("2026-11-15 23:00"))
    m.do("acknowledge", "B7", local("2026-11-15 23:10"), "officer.dinsos")
    m.do("handle", "B7", local("2026-11-16 02:30"), "officer.dinsos", note="night visit")
    m.submit("B8", local("2026-11-16 09:00"))
    m.do("acknowledge", "B8", local("2026-11-16 09:10"), "officer.dinsos")
    m.do("handle", "B8", local("2026-11-16 11:30"), "officer.dinsos", note="food parcel delivered")
    m.submit("B9", local("2026-11-17 09:00"), category="medical_care")
    # The end of the month: B13 is due 23:30 (November), B12 exactly at midnight and B11 after it (December).
    m.submit("B13", local("2026-11-30 21:30"))
    m.submit("B12", local("2026-11-30 22:00"))
    m.submit("B11", local("2026-11-30 23:00"))
    m.at(local("2026-12-01 00:30"))
    return m


class Built:
    """What this package's tests start from, built once per module and test process: the reference
    data, then the known month, then (test_rollup's `build_settled`) the varied complaints, each
    layer in a savepoint of one connection held for the module. A test runs in a savepoint of its
    own, rolled back after it, so every test starts from exactly the stored state it asked for."""

    def __init__(self, conn):
        self.conn = conn
        self.month = None  # (tickets, clock time) while the known month is stored
        self.settled = None  # (tickets, clock time, settled at) while the varied complaints are stored too
        self._savepoints = {}

    def _session(self) -> Session:
        return Session(bind=self.conn, join_transaction_mode="create_savepoint", expire_on_commit=False)

    def _drop(self, layer: str) -> None:
        savepoint = self._savepoints.pop(layer, None)
        if savepoint is not None:
            savepoint.rollback()
        setattr(self, layer, None)

    def ready(self, month: bool, build_settled=None) -> None:
        if build_settled is None and self.settled is not None:
            self._drop("settled")
        if not month and build_settled is None and self.month is not None:
            self._drop("month")
        if (month or build_settled) and self.month is None:
            self._savepoints["month"] = self.conn.begin_nested()
            session = self._session()
            made = build_month(session, FrozenClock(T0))
            self.month = (dict(made.tickets), made.clock.now())
            session.close()
        if build_settled is not None and self.settled is None:
            self._savepoints["settled"] = self.conn.begin_nested()
            made = self.resume(self._session(), FrozenClock(T0), self.month)
            at = build_settled(made)
            self.settled = (dict(made.tickets), made.clock.now(), at)
            made.session.close()

    @staticmethod
    def resume(session, clock, state) -> Month:
        clock.set(state[1])
        made = Month(session, clock)
        made.tickets = dict(state[0])
        return made


@pytest.fixture(scope="module")
def built(engine):
    conn = engine.connect()
    outer = conn.begin()
    yield Built(conn)
    outer.rollback()
    conn.close()


@pytest.fixture
def connection(request, built):
    """The module's connection in the state the test asks for, in a savepoint rolled back after it."""
    names = request.fixturenames
    built.ready(month="month" in names,
                build_settled=getattr(request.module, "build_settled", None) if "settled" in names else None)
    savepoint = built.conn.begin_nested()
    yield built.conn
    if savepoint.is_active:
        savepoint.rollback()


@pytest.fixture
def month(session, clock, built) -> Month:
    """The known month, as built for this module (Built)."""
    return built.resume(session, clock, built.month)


@pytest.fixture
def token(session, clock):
    def _make(role: str, agency: str | None = None, jurisdiction: str | None = None) -> dict:
        _t, secret = accounts.create_token(session, clock.now(), role=role, agency_code=agency,
                                           jurisdiction_code=jurisdiction, name=f"test {role}")
        session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return _make
