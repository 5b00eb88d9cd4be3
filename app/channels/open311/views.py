"""Open311 GeoReport v2 routes: discovery, services, service definitions, requests (GET, POST) and
one request, each as .json and .xml. docs/open311.md says how our complaints map onto the spec."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from flask import current_app, request, url_for
from sqlalchemy import select
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from app.channels.api import idempotent, ratelimit
from app.channels.open311 import bp, definitions
from app.channels.open311.formats import Open311Error, error_response, respond
from app.clock import in_service_years
from app.domain import privacy
from app.domain.actor import Actor
from app.domain.local_time import local_time as clock_text
from app.extensions import db_session, now
from app.i18n import t
from app.models import Agency, Category, Complaint, District, Event, Jurisdiction, RoutingRule, Village
from app.services.access import accounts
from app.services.access.visibility import visible
from app.services.errors import ServiceError
from app.services.intake import open311 as open311_intake
from app.services.reference import places

FMT = "<any(json, xml):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-23T00:00:00Z"  # when this endpoint's shape last changed
STATUS = {"received": "open", "triage": "open", "assigned": "open", "acknowledged": "open",
          "handled": "closed", "resolved": "closed", "closed": "closed", "rejected": "closed"}
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
# status_notes is what the citizen was told (app.domain.privacy.public_note); a reopening withdraws it.
STATUS_NOTE_KINDS = privacy.PUBLIC_NOTE_KINDS + ("reopened",)
CREATORS = ("officer", "agency_head", "supervisor", "admin", "partner")
REJECT_REASONS = ("spam", "duplicate", "out_of_scope")


# --- errors, rate limits, languages -----------------------------------------------------------

@bp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error):
    return error_response(exc.status, exc.description, exc.code, exc.headers)


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    # The spec: 404 for what does not exist, 403 for the api_key, 400 for anything else.
    status = exc.status if exc.status in (403, 404, 409) else 400
    return error_response(status, exc.message)


@bp.errorhandler(DataError)
def _unstorable(_exc: DataError):
    db_session().rollback()
    return error_response(400, "a value cannot be stored (a NUL character, or a number out of range)")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    status = exc.code or 400
    message = "request body is too large" if status == 413 else (exc.description or exc.name)
    return error_response(status, message)


@bp.before_request
def _rate_limit():
    limited = ratelimit.check()
    if limited is not None:
        raise Open311Error(429, limited.message("api_key"), headers={"Retry-After": str(limited.seconds)})


def _lang() -> str:
    """Our extension: locale=en for English names and texts (default Indonesian)."""
    locale = (request.values.get("locale") or "id").strip().lower()
    return "en" if locale.startswith("en") else "id"


def _arg(name: str) -> str | None:
    """A parameter; empty counts as absent (the spec's "Optional Arguments")."""
    value = request.values.get(name)
    if value is None:
        return None
    value = value.replace("\x00", "").strip()
    return value or None


# --- who is asking, and for which jurisdiction ------------------------------------------------

def _actor(required_roles: tuple[str, ...] | None = None) -> Actor:
    secret = ratelimit.presented_secret()
    if not secret:
        raise Open311Error(403, "api_key was not provided: requests are private, ask the regency for a partner api_key")
    session = db_session()
    # The API's rule: a token bound to a staff user speaks as that user is now, while they are active.
    token = accounts.token_identity(session, secret, now())
    if token is None:
        ratelimit.refused_token()  # counted against the address, like the API's
        raise Open311Error(403, "Invalid api_key received -- can't proceed")
    ratelimit.accepted_token(secret)
    actor = accounts.token_actor(token)
    if token.touched:
        session.commit()  # last_used_at
    if required_roles and token.role not in required_roles:
        raise Open311Error(403, f"a {token.role} api_key may not submit requests")
    return actor


def _jurisdiction(actor: Actor | None = None) -> Jurisdiction:
    """jurisdiction_id, else the api_key's own jurisdiction, else the configured default
    (app.config OPEN311_DEFAULT_JURISDICTION or Settings.open311_default_jurisdiction), else the
    first jurisdiction set up."""
    session = db_session()
    given = _arg("jurisdiction_id")
    if given is not None:
        found = session.scalar(select(Jurisdiction).where(Jurisdiction.code == given.lower()))
        if found is None:
            raise Open311Error(404, f"jurisdiction_id {given!r} was not found")
        if actor is not None and actor.jurisdiction_id not in (None, found.id):
            raise Open311Error(403, f"this api_key is not for jurisdiction_id {given!r}")
        return found
    if actor is not None and actor.jurisdiction_id is not None:
        return session.get(Jurisdiction, actor.jurisdiction_id)
    default = (current_app.config.get("OPEN311_DEFAULT_JURISDICTION")
               or getattr(current_app.extensions["sigap"].settings, "open311_default_jurisdiction", None))
    query = select(Jurisdiction)
    query = query.where(Jurisdiction.code == default) if default else query.order_by(Jurisdiction.id)
    found = session.scalars(query.limit(1)).first()
    if found is None:
        raise Open311Error(400, "jurisdiction_id was not provided")
    return found


def _local(dt: datetime | None, jurisdiction: Jurisdiction) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(ZoneInfo(jurisdiction.timezone)).isoformat(timespec="seconds")


def _deadline_text(dt: datetime, jurisdiction: Jurisdiction) -> str:
    return clock_text(dt, jurisdiction.timezone, "iso")


# --- discovery and services -------------------------------------------------------------------

@bp.get(f"/discovery.{FMT}")
def discovery(fmt: str):
    # The endpoint partners are sent to: the configured public address, never a request's Host header.
    public = getattr(current_app.extensions["sigap"].settings, "public_base_url", None)
    path = url_for("open311.discovery", fmt=fmt).rsplit("/discovery.", 1)[0]
    base = public.rstrip("/") + path if public else url_for("open311.discovery", fmt=fmt,
                                                            _external=True).rsplit("/discovery.", 1)[0]
    return respond(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": current_app.config.get("OPEN311_CONTACT") or "The regency's Sigap administrator",
        "key_service": current_app.config.get("OPEN311_KEY_SERVICE")
        or "api_key: a partner token from `flask --app wsgi tokens create --role partner`",
        "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": CHANGESET, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    })


def _groups(session, jurisdiction: Jurisdiction) -> dict[int, str]:
    """category id -> the name of the agency its jurisdiction-wide routing rule sends it to."""
    rows = session.execute(
        select(RoutingRule.category_id, Agency.name).join(Agency, Agency.id == RoutingRule.agency_id)
        .where(RoutingRule.jurisdiction_id == jurisdiction.id, RoutingRule.district_id.is_(None))
    ).all()
    return {category_id: name for category_id, name in rows}


def _categories(session) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.code)))


@bp.get(f"/services.{FMT}")
def services(fmt: str):
    session = db_session()
    jurisdiction = _jurisdiction()
    lang = _lang()
    groups = _groups(session, jurisdiction)
    return respond(fmt, "services", [
        {"service_code": c.code, "service_name": c.name(lang),
         "description": (c.description_en if lang == "en" else c.description_id) or c.name(lang),
         "metadata": bool(definitions.attributes_of(c.code)), "type": "realtime",
         "keywords": ", ".join(k.lower() for k in (c.keywords or [])),
         "group": groups.get(c.id) or t("open311.group_triage", lang)}
        for c in _categories(session)
    ])


def _category(code: str) -> Category:
    found = db_session().scalar(select(Category).where(Category.code == code.strip().lower(),
                                                       Category.active.is_(True)))
    if found is None:
        raise Open311Error(404, f"service_code {code!r} was not found")
    return found


@bp.get(f"/services/<service_code>.{FMT}")
def service_definition(service_code: str, fmt: str):
    _jurisdiction()
    category = _category(service_code)
    return respond(fmt, "service_definition", definitions.definition(category.code, _lang()))


# --- requests ---------------------------------------------------------------------------------

def _status_notes(session, complaints: list[Complaint], lang: str) -> dict[int, str]:
    notes: dict[int, str] = {}
    ids = [c.id for c in complaints]
    if not ids:
        return notes
    for event in session.scalars(select(Event).where(Event.complaint_id.in_(ids), Event.kind.in_(STATUS_NOTE_KINDS))
                                 .order_by(Event.complaint_id, Event.seq)):
        notes[event.complaint_id] = privacy.public_note(event.kind, event.note)
    for c in complaints:
        if c.status == "rejected" and c.reject_reason in REJECT_REASONS:
            notes[c.id] = t(f"open311.rejected.{c.reject_reason}", lang)  # the reason, never the staff note
    return notes


def _address(c: Complaint) -> str | None:
    parts = [c.address] if c.address else []
    if c.village and (not c.address or c.village.name.lower() not in c.address.lower()):
        parts.append(c.village.name)
    if c.district and not c.address:
        parts.append(c.district.name)
    if parts:
        parts.append(c.jurisdiction.name)
    return ", ".join(parts) or None


def _notice(c: Complaint, lang: str) -> str:
    deadline = _deadline_text(c.handle_due_at, c.jurisdiction)
    hours = f"{c.sla_policy.handle_minutes / 60:g}"
    if c.agency is None:
        return t("open311.notice_triage", lang, deadline=deadline, hours=hours)
    return t("open311.notice", lang, agency=c.agency.name, deadline=deadline, hours=hours)


def _request_shape(c: Complaint, notes: dict, details: dict, lang: str) -> dict:
    extra = details.get(c.id)
    return {
        "service_request_id": c.ticket,
        "status": STATUS.get(c.status, "open"),
        "status_notes": notes.get(c.id),
        "service_name": c.category.name(lang),
        "service_code": c.category.code,
        "description": c.description,
        "agency_responsible": c.agency.name if c.agency else None,
        "service_notice": _notice(c, lang),
        "requested_datetime": _local(c.received_at, c.jurisdiction),
        "updated_datetime": _local(c.updated_at, c.jurisdiction),
        "expected_datetime": _local(c.handle_due_at, c.jurisdiction),
        "address": _address(c),
        "address_id": c.village.code if c.village else None,
        "zipcode": None,
        "lat": c.lat,
        "long": c.lon,
        "media_url": extra.media_url if extra else None,
    }


def _shapes(session, complaints: list[Complaint]) -> list[dict]:
    lang = _lang()
    notes = _status_notes(session, complaints, lang)
    details = open311_intake.details_of(session, [c.id for c in complaints])
    return [_request_shape(c, notes, details, lang) for c in complaints]


def _when(name: str, jurisdiction: Jurisdiction, end: bool = False) -> datetime | None:
    """A w3 date-time (with Z or an offset), or a bare date in the jurisdiction's time zone."""
    raw = _arg(name)
    if raw is None:
        return None
    text = raw.replace(" ", "+") if "T" in raw and " " in raw else raw  # a "+" left unescaped in a query
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if not 2000 <= day.year < 2100:  # before any arithmetic: 9999-12-31 has no next day
                raise ValueError(day)
            parsed = datetime.combine(day + timedelta(days=1) if end else day, time(0),
                                      tzinfo=ZoneInfo(jurisdiction.timezone))
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise Open311Error(400, f"{name} must be a w3 date-time such as 2026-11-23T00:00:00Z") from None
    if parsed.tzinfo is None:
        raise Open311Error(400, f"{name} needs a time zone: Z or an offset such as +07:00")
    if not in_service_years(parsed):
        raise Open311Error(400, f"{name} must lie between 2000 and 2099")
    return parsed.astimezone(timezone.utc)


def _window(jurisdiction: Jurisdiction) -> tuple[datetime, datetime]:
    start, end = _when("start_date", jurisdiction), _when("end_date", jurisdiction, end=True)
    if start is None and end is None:
        end = now()
        start = end - DEFAULT_WINDOW
    elif start is None:
        start = end - DEFAULT_WINDOW
    elif end is None:
        end = start + DEFAULT_WINDOW
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > DEFAULT_WINDOW:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return start, end


def _list_arg(name: str) -> list[str]:
    return [part.strip() for part in (_arg(name) or "").split(",") if part.strip()]


@bp.get(f"/requests.{FMT}")
def list_requests(fmt: str):
    actor = _actor()
    session = db_session()
    jurisdiction = _jurisdiction(actor)
    query = (select(Complaint).where(visible(actor), Complaint.jurisdiction_id == jurisdiction.id)
             .order_by(Complaint.received_at.desc(), Complaint.id.desc()).limit(MAX_REQUESTS))
    ids = _list_arg("service_request_id")
    if ids:  # "This overrides all other arguments."
        query = query.where(Complaint.ticket.in_([i.upper() for i in ids[:MAX_REQUESTS]]))
    else:
        codes = _list_arg("service_code")
        if codes:
            categories = list(session.scalars(select(Category).where(Category.code.in_([c.lower() for c in codes]))))
            unknown = sorted({c.lower() for c in codes} - {c.code for c in categories})
            if unknown:
                raise Open311Error(400, f"unknown service_code {unknown[0]!r}")
            query = query.where(Complaint.category_id.in_([c.id for c in categories]))
        start, end = _window(jurisdiction)
        query = query.where(Complaint.received_at >= start, Complaint.received_at <= end)
        statuses = [s.lower() for s in _list_arg("status")]
        if statuses:
            wrong = [s for s in statuses if s not in ("open", "closed")]
            if wrong:
                raise Open311Error(400, f"status must be open or closed, got {wrong[0]!r}")
            ours = [ours for ours, theirs in STATUS.items() if theirs in statuses]
            query = query.where(Complaint.status.in_(ours))
    return respond(fmt, "service_requests", _shapes(session, list(session.scalars(query))))


@bp.get(f"/requests/<service_request_id>.{FMT}")
def get_request(service_request_id: str, fmt: str):
    actor = _actor()
    session = db_session()
    jurisdiction = _jurisdiction(actor)
    complaint = session.scalar(select(Complaint).where(
        Complaint.ticket == service_request_id.strip().upper(), Complaint.jurisdiction_id == jurisdiction.id,
        visible(actor)))
    if complaint is None:
        raise Open311Error(404, f"service_request_id {service_request_id!r} was not found")
    return respond(fmt, "service_requests", _shapes(session, [complaint]))


def _where(session, jurisdiction: Jurisdiction) -> dict:
    """The location fields for intake from lat/long, address_id (a village's Kemendagri code) or
    address_string (its village and district names matched against the gazetteer)."""
    lat, lon = _arg("lat"), _arg("long")
    address_id, address_string = _arg("address_id"), _arg("address_string")
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long both need to be sent")
    if lat is None and address_id is None and address_string is None:
        raise Open311Error(400, "a location is required: lat & long, address_string or address_id")
    where: dict = {}
    if lat is not None:
        where["lat"], where["lon"] = lat, lon
    if address_string is not None:
        if len(address_string) > 300:
            raise Open311Error(400, "address_string is longer than 300 characters")
        where["address"] = address_string
    if address_id is not None:
        village = session.scalar(select(Village).join(District).where(
            District.jurisdiction_id == jurisdiction.id, Village.code == address_id))
        if village is None:
            raise Open311Error(400, f"address_id {address_id!r} is not a village code in {jurisdiction.name}")
        where["village"] = village.code
        return where
    if address_string is not None:
        parts = [p.strip() for p in address_string.split(",") if p.strip()]
        district = next((d for d in (places.find_district(session, jurisdiction.id, p) for p in parts) if d), None)
        for part in parts:
            village = places.find_village(session, jurisdiction.id, part, district_id=district.id if district else None)
            if village is not None:
                where["village"] = village.code
                break
        if district is not None:
            where["district"] = district.code
    return where


def _optional(name: str, limit: int) -> str | None:
    value = _arg(name)
    if value is not None and len(value) > limit:
        raise Open311Error(400, f"{name} is longer than {limit} characters")
    return value


@bp.post(f"/requests.{FMT}")
def create_request(fmt: str):
    actor = _actor(CREATORS)
    return idempotent.run(actor.id, lambda: _create_request(actor, fmt))


def _create_request(actor: Actor, fmt: str):
    session = db_session()
    jurisdiction = _jurisdiction(actor)
    code = _arg("service_code")
    if code is None:
        raise Open311Error(400, "service_code was not provided")
    category = _category(code)
    lang = _lang()
    answers = definitions.check(category.code, definitions.parse_form(request.form))
    where = _where(session, jurisdiction)
    description = _optional("description", 4000) or category.name("id")
    lines = definitions.describe(category.code, answers)
    if lines:
        description = description + "\n\n" + "\n".join(lines)
    media_url = _optional("media_url", 1000)
    if media_url is not None and urlparse(media_url).scheme not in ("http", "https"):
        raise Open311Error(400, "media_url must be an http(s) URL")
    email = _optional("email", 200)
    if email is not None and "@" not in email:
        raise Open311Error(400, f"email {email!r} is not an e-mail address")
    name = " ".join(p for p in (_optional("first_name", 100), _optional("last_name", 100)) if p) or None
    phone = _optional("phone", 40)
    reporter = {"name": name, "phone": phone, "language": lang} if (name or phone) else None
    account_id = _optional("account_id", 200)
    # Sigap's extension: the citizen's choice (normal, rahasia, anonim). An anonymous request keeps
    # none of the citizen's contact details: the partner answers its citizen itself.
    confidentiality = _optional("confidentiality", 20)
    try:
        anonymous = privacy.confidentiality_of(confidentiality) == privacy.ANONIM
    except ValueError as exc:
        raise Open311Error(400, str(exc)) from None
    device_id = _optional("device_id", 200)
    if anonymous:
        reporter = email = device_id = account_id = None
    # Staged: idempotent.run commits it, with the Idempotency-Key's stored answer when there is one.
    complaint = open311_intake.stage(
        session, now(), actor=actor, jurisdiction=jurisdiction.code, category=category.code,
        description=description[:4000], reporter=reporter, confidentiality=confidentiality, **where,
        details={"attributes": answers, "email": email, "device_id": device_id,
                 "account_id": account_id, "media_url": media_url},
    )
    return respond(fmt, "service_requests", [{
        "service_request_id": complaint.ticket, "service_notice": _notice(complaint, lang), "account_id": account_id,
        # Sigap's extension: the public status page's code, shown this once (see docs/partner-api.md).
        "tracking_code": complaint.status_code,
    }], status=201)


@bp.route("/<path:anything>", methods=["GET", "POST"])
def not_found(anything: str):
    raise Open311Error(404, f"there is no Open311 resource at {request.path}; start from discovery.xml")

