"""Who may see which complaint: one rule, from which both the check on a loaded complaint
(`admits`) and the SQL condition over many (app/services/access/visibility.py) are derived, so
that a page, the API, Open311 and the dashboard never disagree.

- the system sees everything; an admin everything, or their jurisdiction's when bound to one;
- a citizen (reporter) their own complaints;
- officers and agency heads their agency's (none without an agency);
- a partner system the complaints it submitted;
- a camat the complaints located in their kecamatan, whichever agency holds them (none without one);
- supervisors and officials their jurisdiction's; every jurisdiction's only when explicitly
  province-wide (`all_jurisdictions`): bound to none by mistake, they see nothing."""
from __future__ import annotations

from dataclasses import dataclass

from app.domain.actor import Actor

JURISDICTION_ROLES = ("supervisor", "official")


@dataclass(frozen=True)
class Scope:
    """The complaints an actor may see, as values: every field that is set must match; `nothing`
    matches no complaint. Scope() (nothing set) is everything."""

    jurisdiction_id: int | None = None
    agency_id: int | None = None
    reporter_id: int | None = None
    submitted_by: str | None = None
    district_id: int | None = None
    nothing: bool = False


NOTHING = Scope(nothing=True)
FIELDS = ("jurisdiction_id", "agency_id", "reporter_id", "submitted_by", "district_id")


def scope_of(actor: Actor) -> Scope:
    if actor.kind == "system":
        return Scope()
    if actor.kind == "reporter":
        return Scope(reporter_id=actor.id) if actor.id is not None else NOTHING
    if actor.role == "admin":
        return Scope(jurisdiction_id=actor.jurisdiction_id)
    if actor.is_agency_scoped:
        if actor.agency_id is None:
            return NOTHING
        return Scope(jurisdiction_id=actor.jurisdiction_id, agency_id=actor.agency_id)
    if actor.role == "partner":
        return Scope(submitted_by=actor.label)
    if actor.role == "camat":
        if actor.district_id is None or actor.jurisdiction_id is None:
            return NOTHING
        return Scope(jurisdiction_id=actor.jurisdiction_id, district_id=actor.district_id)
    if actor.role in JURISDICTION_ROLES:
        if actor.jurisdiction_id is None and not actor.all_jurisdictions:
            return NOTHING
        return Scope(jurisdiction_id=actor.jurisdiction_id)
    return NOTHING


def admits(scope: Scope, complaint) -> bool:
    """Whether `complaint` (anything with the FIELDS as attributes) is in scope."""
    if scope.nothing:
        return False
    return all(getattr(scope, name) is None or getattr(complaint, name) == getattr(scope, name) for name in FIELDS)


def can_see(actor: Actor, complaint) -> bool:
    return admits(scope_of(actor), complaint)
