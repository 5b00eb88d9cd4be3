"""Helpers for the SLA engine tests: complaints at a chosen time, policy versions, contacts, ticks."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.models import Agency, Category, Complaint, Event, Jurisdiction, OutboxMessage, SlaPolicy, User, Village
from app.models.sla_engine import EscalationContact
from app.services import intake
from app.services.sla import escalation

LADDER = [{"level": lv} for lv in ("village_head", "camat", "agency_head", "regional_secretary", "regent_office")]


class Sla:
    """A small driver: submit complaints, add policies and contacts, run ticks at given instants."""

    def __init__(self, session, clock):
        self.session, self.clock = session, clock
        self._phone = 0

    def jurisdiction(self, code="banyuwangi") -> Jurisdiction:
        return self.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))

    def agency(self, code) -> Agency:
        return self.session.scalar(select(Agency).where(Agency.code == code))

    def user(self, username) -> User:
        return self.session.scalar(select(User).where(User.username == username))

    def policy(self, jurisdiction="banyuwangi", category=None, effective_from=None, **fields) -> SlaPolicy:
        jur = self.jurisdiction(jurisdiction)
        cat_id = self.session.scalar(select(Category.id).where(Category.code == category)) if category else None
        values = dict(acknowledge_minutes=30, handle_minutes=240, triage_minutes=30, reminder_fractions=[0.5, 0.75],
                      escalation_ladder=LADDER, repeat_minutes=60, calendar="24x7")
        values.update(fields)
        policy = SlaPolicy(jurisdiction_id=jur.id, category_id=cat_id,
                           effective_from=effective_from or self.clock.now() - timedelta(days=1),
                           created_at=self.clock.now(), **values)
        self.session.add(policy)
        self.session.commit()  # a savepoint here; the test's transaction is rolled back
        return policy

    def phone(self) -> str:
        self._phone += 1
        return f"+6281230{self._phone:06d}"

    def reach(self, username, telegram=None):
        """Give a demo user a phone (or a Telegram chat) so alerts can reach them."""
        user = self.user(username)
        if telegram:
            user.telegram_chat_id = telegram
        else:
            user.phone = self.phone()
        self.session.commit()  # a savepoint here; the test's transaction is rolled back
        return user

    def contact(self, level, name=None, jurisdiction="banyuwangi", village=None, district=None, agency=None,
                **fields) -> EscalationContact:
        jur = self.jurisdiction(jurisdiction)
        contact = EscalationContact(jurisdiction_id=jur.id, level=level, name=name or level,
                                    village_id=village.id if village else None,
                                    district_id=district.id if district else None,
                                    agency_id=agency.id if agency else None,
                                    phone=fields.pop("phone", self.phone()), created_at=self.clock.now(), **fields)
        self.session.add(contact)
        self.session.commit()  # a savepoint here; the test's transaction is rolled back
        return contact

    def submit(self, category="hunger", village="Kampunganyar", jurisdiction="banyuwangi", at=None, **kw) -> Complaint:
        kw.setdefault("reporter", {"name": "Bu Sri", "phone": self.phone()})
        kw.setdefault("description", "Nenek tinggal sendiri, tidak makan sejak kemarin")
        complaint = intake.submit(self.session, at or self.clock.now(), jurisdiction=jurisdiction, category=category,
                                  village=village, **kw)
        return complaint

    def tick(self, at: datetime) -> int:
        self.clock.set(at)
        return escalation.run_due_steps(self.session, at)

    def events(self, complaint, kinds=("reminded", "warned", "breached", "escalated")) -> list[Event]:
        return list(self.session.scalars(select(Event).where(Event.complaint_id == complaint.id,
                                                            Event.kind.in_(kinds)).order_by(Event.seq)))

    def messages(self, complaint, template=None) -> list[OutboxMessage]:
        query = select(OutboxMessage).where(OutboxMessage.complaint_id == complaint.id)
        if template:
            query = query.where(OutboxMessage.template == template)
        return list(self.session.scalars(query.order_by(OutboxMessage.id)))

    def village(self, name) -> Village:
        return self.session.scalar(select(Village).where(Village.name == name))


@pytest.fixture
def sla(session, clock):
    return Sla(session, clock)
