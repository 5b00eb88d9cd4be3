"""Who is signed in, what their role lets them see, and the Actor their actions are recorded as."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import wraps

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.domain.actor import Actor
from app.extensions import db_session
from app.models import Agency, Jurisdiction, User

# What each role's navigation holds; pages check the same sets.
DASHBOARD_ROLES = ("supervisor", "admin", "official", "camat")
TRIAGE_ROLES = ("supervisor", "admin")
QUEUE_ROLES = ("officer", "agency_head")
INTAKE_ROLES = ("officer", "agency_head", "supervisor", "admin")
ACTING_ROLES = ("officer", "agency_head", "supervisor", "camat", "admin")  # each action checks its own roles
SETTINGS_ROLES = ("admin",)
WEB_ROLES = ("officer", "agency_head", "supervisor", "official", "camat", "admin")


@dataclass
class StaffUser:
    """The signed-in staff member, detached from the database session."""

    id: int
    username: str
    name: str
    role: str
    agency_id: int | None
    agency_name: str | None
    jurisdiction_id: int | None
    timezone: str
    language: str
    session_version: int = 0
    district_id: int | None = None  # a camat's kecamatan
    all_jurisdictions: bool = False
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        """What the session cookie holds: the id and the session version it was issued under."""
        return f"{self.id}:{self.session_version}"

    @property
    def actor(self) -> Actor:
        return Actor(kind="user", id=self.id, role=self.role, agency_id=self.agency_id,
                     jurisdiction_id=self.jurisdiction_id, name=self.name, district_id=self.district_id,
                     all_jurisdictions=self.all_jurisdictions)

    def can(self, roles: tuple[str, ...]) -> bool:
        return self.role in roles


def _staff_user_query():
    agency_jurisdiction = aliased(Jurisdiction)
    return (select(User, Agency.name, func.coalesce(Jurisdiction.id, agency_jurisdiction.id),
                   func.coalesce(Jurisdiction.timezone, agency_jurisdiction.timezone))
            .outerjoin(Agency, Agency.id == User.agency_id)
            .outerjoin(Jurisdiction, Jurisdiction.id == User.jurisdiction_id)
            .outerjoin(agency_jurisdiction, agency_jurisdiction.id == Agency.jurisdiction_id))


def _staff_user(row) -> StaffUser:
    user, agency_name, jurisdiction_id, timezone = row
    return StaffUser(id=user.id, username=user.username, name=user.name, role=user.role, agency_id=user.agency_id,
                     agency_name=agency_name, jurisdiction_id=jurisdiction_id, timezone=timezone or "Asia/Jakarta",
                     language=user.language if user.language in ("id", "en") else "id",
                     session_version=user.session_version, district_id=user.district_id,
                     all_jurisdictions=bool(user.all_jurisdictions))


def staff_user(session, user: User) -> StaffUser:
    return _staff_user(session.execute(_staff_user_query().where(User.id == user.id)).one())


_SESSION_ID = re.compile(r"([1-9][0-9]{0,9}):([0-9]{1,10})")


def load_user(user_id: str) -> StaffUser | None:
    """One query per request: the user with their agency's name and their jurisdiction's zone, if
    the session was issued under their current session version (sign-out, a new password or role
    and deactivation raise it); anything else in the cookie is no session."""
    match = _SESSION_ID.fullmatch(user_id or "")
    if match is None or int(match.group(1)) > 2**31 - 1:
        return None
    row = db_session().execute(_staff_user_query().where(User.id == int(match.group(1)))).first()
    if row is None or not row[0].active or row[0].role not in WEB_ROLES:
        return None
    if row[0].session_version != int(match.group(2)):
        return None
    return _staff_user(row)


def unauthorized():
    if request.accept_mimetypes.best == "application/json" or request.path.endswith(".json"):
        response = jsonify({"error": {"code": "unauthorized", "message": "Sign in first"}})
        response.status_code = 401
        return response
    return redirect(url_for("auth.signin", next=request.full_path if request.query_string else request.path))


def roles_required(*roles: str):
    """Signed in with one of `roles`, or 403 (404 would hide nothing: the page itself is not secret)."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorate

