"""Admin changes to agencies: create one, rename it, name its accountable head and its duty phone.
None of these touch complaints already received."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.actor import Actor
from app.domain.phone import to_e164
from app.models import Agency, Jurisdiction, User
from app.services.errors import Forbidden, NotFound, ValidationFailed

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
MAX_TEXT = 200
UNCHANGED = object()  # update_agency: leave this field as it is


def require_admin(actor: Actor, what: str) -> None:
    """Only administrators (and the system itself, e.g. the seed) change agencies and routing."""
    if actor.kind != "system" and actor.role != "admin":
        raise Forbidden(f"only an administrator may change {what}", code="forbidden")


def jurisdiction_by_code(session: Session, code: str | None) -> Jurisdiction:
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == (code or "").strip()))
    if jurisdiction is None:
        known = ", ".join(session.scalars(select(Jurisdiction.code).order_by(Jurisdiction.code)))
        raise ValidationFailed(f"unknown jurisdiction {code!r} (known: {known or 'none'})",
                               code="unknown_jurisdiction", field="jurisdiction")
    return jurisdiction


def agency_by_code(session: Session, code: str | None, field: str = "agency") -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == (code or "").strip()))
    if agency is None:
        raise ValidationFailed(f"unknown agency {code!r}", code="unknown_agency", field=field)
    return agency


def _text(value, field: str, *, required: bool = False) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(f"{field} must be text", code=f"bad_{field}", field=field)
    value = " ".join((value or "").split()) or None
    if required and not value:
        raise ValidationFailed(f"{field} is required", code=f"bad_{field}", field=field)
    if value and len(value) > MAX_TEXT:
        raise ValidationFailed(f"{field} is longer than {MAX_TEXT} characters", code=f"bad_{field}", field=field)
    return value


def _phone(raw) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    phone = to_e164(raw) if isinstance(raw, str) else None
    if phone is None:
        raise ValidationFailed(f"duty phone {raw!r} is not a valid phone number", code="bad_duty_phone",
                               field="duty_phone")
    return phone


def _unique_name(session: Session, jurisdiction_id: int, name: str, agency_id: int | None) -> None:
    query = select(Agency.id).where(Agency.jurisdiction_id == jurisdiction_id,
                                    func.lower(Agency.name) == name.lower())
    if agency_id is not None:
        query = query.where(Agency.id != agency_id)
    if session.scalar(query.limit(1)) is not None:
        raise ValidationFailed(f"another agency in this jurisdiction is already called {name!r}",
                               code="duplicate_name", field="name")


def _head(session: Session, agency: Agency, username) -> User | None:
    username = (username or "").strip() if isinstance(username, str) else username
    if not username:
        return None
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.role != "agency_head" or user.agency_id != agency.id or not user.active:
        raise ValidationFailed(f"the accountable head must be an active agency head of {agency.code}; "
                               f"{username!r} is not", code="bad_head", field="head")
    return user


def create_agency(session: Session, now: datetime, actor: Actor, *, jurisdiction_code: str, code: str, name: str,
                  is_supervisor: bool = False, head_name: str | None = None, head_title: str | None = None,
                  duty_phone: str | None = None) -> Agency:
    """A new agency in a jurisdiction. Commits."""
    require_admin(actor, "agencies")
    jurisdiction = jurisdiction_by_code(session, jurisdiction_code)
    code = (code or "").strip().lower() if isinstance(code, str) else ""
    if not CODE.match(code):
        raise ValidationFailed("code takes 2 to 40 lower-case letters, digits and hyphens, e.g. bwi-dinsos",
                               code="bad_code", field="code")
    if session.scalar(select(Agency.id).where(Agency.code == code)) is not None:
        raise ValidationFailed(f"another agency already has the code {code!r}", code="duplicate_code", field="code")
    name = _text(name, "name", required=True)
    _unique_name(session, jurisdiction.id, name, None)
    agency = Agency(jurisdiction_id=jurisdiction.id, code=code, name=name, is_supervisor=bool(is_supervisor),
                    head_name=_text(head_name, "head_name"), head_title=_text(head_title, "head_title"),
                    duty_phone=_phone(duty_phone))
    session.add(agency)
    try:
        session.commit()
    except IntegrityError:  # another admin took the code at the same moment
        session.rollback()
        raise ValidationFailed(f"another agency already has the code {code!r}", code="duplicate_code",
                               field="code") from None
    return agency


def update_agency(session: Session, now: datetime, actor: Actor, code: str, *, name=UNCHANGED, head_username=UNCHANGED,
                  head_name=UNCHANGED, head_title=UNCHANGED, duty_phone=UNCHANGED) -> Agency:
    """Rename an agency, set its accountable head (an agency head of that agency, or none) with the
    name and title printed on contracts, or its duty phone (E.164). Commits."""
    require_admin(actor, "agencies")
    wanted = code.strip() if isinstance(code, str) else ""
    agency = session.scalar(select(Agency).where(Agency.code == wanted)) if CODE.match(wanted) else None
    if agency is None:
        raise NotFound(f"no agency {code!r}", code="unknown_agency")
    # Everything is checked before anything changes: bad input stores nothing.
    changes = {}
    if name is not UNCHANGED:
        changes["name"] = _text(name, "name", required=True)
        _unique_name(session, agency.jurisdiction_id, changes["name"], agency.id)
    head = UNCHANGED
    if head_username is not UNCHANGED:
        head = _head(session, agency, head_username)
        changes["head_user_id"] = head.id if head else None
    if head_name is not UNCHANGED:
        changes["head_name"] = _text(head_name, "head_name")
    if head_title is not UNCHANGED:
        changes["head_title"] = _text(head_title, "head_title")
    if duty_phone is not UNCHANGED:
        changes["duty_phone"] = _phone(duty_phone)
    for key, value in changes.items():
        setattr(agency, key, value)
    if head not in (UNCHANGED, None) and not agency.head_name:
        agency.head_name = head.name  # the contract names someone: the user, unless told otherwise
    session.commit()
    return agency


def heads_by_agency(session: Session) -> dict[int, list[User]]:
    """Active agency-head users, per agency: the people who may be named accountable head."""
    found: dict[int, list[User]] = {}
    for user in session.scalars(select(User).where(User.role == "agency_head", User.active.is_(True),
                                                   User.agency_id.is_not(None)).order_by(User.name)):
        found.setdefault(user.agency_id, []).append(user)
    return found
