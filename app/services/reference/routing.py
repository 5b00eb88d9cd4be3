"""Routing: (jurisdiction, category, optional district) -> agency; the most specific rule wins.
Admins add, change and remove rules; a change never moves complaints already received."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.domain.actor import Actor
from app.domain.ids import row_id
from app.domain.routing import winning_rule
from app.models import Agency, Category, District, Jurisdiction, RoutingRule
from app.services.errors import NotFound, ValidationFailed
from app.services.reference import agencies, places


def route(session: Session, jurisdiction_id: int, category_id: int, district_id: int | None) -> Agency | None:
    """The responsible agency, or None (the complaint then goes to the supervisors' triage)."""
    rules = session.scalars(
        select(RoutingRule).where(
            RoutingRule.jurisdiction_id == jurisdiction_id,
            RoutingRule.category_id == category_id,
            (RoutingRule.district_id == district_id) | (RoutingRule.district_id.is_(None)),
        )
    ).all()
    best = winning_rule(rules, category_id, district_id)
    return best.agency if best else None


# ---- admin changes to the rules, and the table of who receives what ----------------------------
# A change applies to complaints received after it: complaints already received keep their agency.

@dataclass(frozen=True)
class Winner:
    """The rule that routes one (category, district), or None: the supervisors' triage."""

    rule: RoutingRule | None

    @property
    def agency(self) -> Agency | None:
        return self.rule.agency if self.rule else None

    @property
    def district_specific(self) -> bool:
        return self.rule is not None and self.rule.district_id is not None


@dataclass
class RoutingTable:
    jurisdiction: Jurisdiction
    categories: list[Category]
    districts: list[District]
    rules: list[RoutingRule]

    def wide(self, category_id: int) -> Winner:
        """Complaints of the category with no district, or in a district without its own rule."""
        return Winner(winning_rule(self.rules, category_id, None))

    def cell(self, category_id: int, district_id: int) -> Winner:
        return Winner(winning_rule(self.rules, category_id, district_id))

    def exceptions(self, category_id: int) -> list[RoutingRule]:
        return [r for r in self.rules if r.category_id == category_id and r.district_id is not None]


def table(session: Session, jurisdiction: Jurisdiction) -> RoutingTable:
    """Every rule of the jurisdiction and, for each category and district, which one wins."""
    rules = list(session.scalars(
        select(RoutingRule).options(selectinload(RoutingRule.agency), selectinload(RoutingRule.category),
                                    selectinload(RoutingRule.district))
        .where(RoutingRule.jurisdiction_id == jurisdiction.id)
        .order_by(RoutingRule.category_id, RoutingRule.district_id.is_not(None), RoutingRule.district_id)))
    rules.sort(key=lambda r: (r.category_id, r.district is not None, r.district.name if r.district else ""))
    categories = list(session.scalars(select(Category).order_by(Category.code)))
    districts = list(session.scalars(select(District).where(District.jurisdiction_id == jurisdiction.id)
                                     .order_by(District.name)))
    return RoutingTable(jurisdiction, categories, districts, rules)


def _category(session: Session, code) -> Category:
    category = session.scalar(select(Category).where(Category.code == (code or "").strip())) \
        if isinstance(code, str) else None
    if category is None:
        known = ", ".join(session.scalars(select(Category.code).order_by(Category.code)))
        raise ValidationFailed(f"unknown category {code!r} (known: {known})", code="unknown_category",
                               field="category")
    return category


def _district(session: Session, jurisdiction: Jurisdiction, name_or_code) -> District | None:
    if name_or_code is None or (isinstance(name_or_code, str) and not name_or_code.strip()):
        return None
    district = places.find_district(session, jurisdiction.id, name_or_code) if isinstance(name_or_code, str) else None
    if district is None:
        raise ValidationFailed(f"{jurisdiction.name} has no district {name_or_code!r}", code="unknown_district",
                               field="district")
    return district


def _target(session: Session, jurisdiction: Jurisdiction, agency_code) -> Agency:
    agency = agencies.agency_by_code(session, agency_code if isinstance(agency_code, str) else None)
    if agency.jurisdiction_id != jurisdiction.id:
        raise ValidationFailed(f"{agency.name} ({agency.code}) is not an agency of {jurisdiction.name}",
                               code="agency_elsewhere", field="agency")
    if agency.is_supervisor:
        raise ValidationFailed(f"{agency.name} ({agency.code}) is a supervisors' office: complaints without an "
                               f"agency go to triage by having no rule", code="supervisor_agency", field="agency")
    return agency


def _clashing(session: Session, jurisdiction_id: int, category_id: int, district_id: int | None,
              rule_id: int | None = None) -> RoutingRule | None:
    # The unique constraint does not cover district NULL (NULLs are distinct): checked here.
    query = select(RoutingRule).where(
        RoutingRule.jurisdiction_id == jurisdiction_id, RoutingRule.category_id == category_id,
        RoutingRule.district_id.is_(None) if district_id is None else RoutingRule.district_id == district_id)
    if rule_id is not None:
        query = query.where(RoutingRule.id != rule_id)
    return session.scalar(query.limit(1))


def add_rule(session: Session, now: datetime, actor: Actor, *, jurisdiction_code: str, category_code: str,
             agency_code: str, district: str | None = None) -> RoutingRule:
    """A rule sending new complaints of a category (in one district, or jurisdiction-wide) to an agency.
    Complaints already received are not moved. Commits."""
    agencies.require_admin(actor, "routing rules")
    jurisdiction = agencies.jurisdiction_by_code(session, jurisdiction_code)
    category = _category(session, category_code)
    place = _district(session, jurisdiction, district)
    agency = _target(session, jurisdiction, agency_code)
    existing = _clashing(session, jurisdiction.id, category.id, place.id if place else None)
    if existing is not None:
        where = place.name if place else "all districts"
        raise ValidationFailed(f"there is already a rule for {category.code} in {where} of {jurisdiction.name} "
                               f"(to {existing.agency.code}): change or remove it", code="duplicate_rule",
                               field="category")
    rule = RoutingRule(jurisdiction_id=jurisdiction.id, category_id=category.id,
                       district_id=place.id if place else None, agency_id=agency.id)
    session.add(rule)
    try:
        session.commit()
    except IntegrityError:  # the same rule added by another admin at the same moment
        session.rollback()
        raise ValidationFailed("that rule was just added by someone else", code="duplicate_rule",
                               field="category") from None
    return rule


def _rule(session: Session, rule_id) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id) if isinstance(rule_id, int) and row_id(rule_id) else None
    if rule is None:
        raise NotFound(f"no routing rule #{rule_id}", code="unknown_rule")
    return rule


def change_rule(session: Session, now: datetime, actor: Actor, rule_id: int, *, agency_code: str) -> RoutingRule:
    """Send the rule's new complaints to another agency of the same jurisdiction. Commits."""
    agencies.require_admin(actor, "routing rules")
    rule = _rule(session, rule_id)
    jurisdiction = session.get(Jurisdiction, rule.jurisdiction_id)
    rule.agency_id = _target(session, jurisdiction, agency_code).id
    session.commit()
    session.refresh(rule)
    return rule


def remove_rule(session: Session, now: datetime, actor: Actor, rule_id: int) -> None:
    """Remove a rule: its new complaints follow the wide rule, or go to triage when there is none. Commits."""
    agencies.require_admin(actor, "routing rules")
    session.delete(_rule(session, rule_id))
    session.commit()
