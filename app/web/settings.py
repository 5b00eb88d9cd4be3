"""Admin settings: agencies, routing rules, SLA policy versions (with a preview of what a new
version will and will not touch), accountable posts and their holders, staff users, API tokens and
WhatsApp templates' content SIDs."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.domain.ids import row_id, whole_number
from app.extensions import db_session, now
from app.models import (
    OPEN_STATUSES, ROLES, Agency, ApiToken, Category, Complaint, District, Jurisdiction, SlaPolicy, User,
)
from app.models.post import POST_KINDS
from app.services import posts as post_service
from app.services.access import web_auth
from app.services.errors import ServiceError
from app.services.messaging import whatsapp
from app.services.reference import agencies as agency_service
from app.services.reference import routing
from app.services.sla import policies
from app.web.access import SETTINGS_ROLES, roles_required, staff_user
from app.web.formatting import parse_local
from app.web.views import install_error_pages

bp = Blueprint("settings", __name__, url_prefix="/settings")
PREVIEW_ROWS = 50


def _jurisdictions(session) -> list[Jurisdiction]:
    return list(session.scalars(select(Jurisdiction).order_by(Jurisdiction.name)))


@bp.get("/")
@roles_required(*SETTINGS_ROLES)
def index():
    return redirect(url_for("settings.policies_page"))


# Supervisors may look at agencies and routing (their own regency); only admins change them.
AGENCY_VIEW_ROLES = SETTINGS_ROLES + ("supervisor",)


def service_error_text(exc: ServiceError) -> str:
    """A service's refusal in the user's language (the service speaks English to machines)."""
    texts = {
        "forbidden": _("Only an administrator may change agencies and routing rules."),
        "unknown_jurisdiction": _("Choose a regency from the list."),
        "unknown_category": _("Unknown category: choose one from the list."),
        "unknown_district": _("That district is not in this regency: choose one from the list."),
        "unknown_agency": _("Unknown agency: choose one from the list."),
        "unknown_rule": _("That routing rule no longer exists: reload the page."),
        "agency_elsewhere": _("That agency belongs to another regency: a rule sends complaints only to an agency "
                              "of its own regency."),
        "supervisor_agency": _("A supervisors' office cannot receive routed complaints. To send a category to the "
                               "supervisors' triage, remove its rule."),
        "duplicate_rule": _("There is already a rule for this category and district in this regency: change or "
                            "remove that rule instead."),
        "bad_code": _("The code takes 2 to 40 lower-case letters, digits and hyphens, e.g. bwi-dinsos."),
        "duplicate_code": _("Another agency already has this code."),
        "bad_name": _("Give the agency's name (at most 200 characters)."),
        "duplicate_name": _("Another agency in this regency already has this name."),
        "bad_head": _("The accountable head must be an active agency head of this agency."),
        "bad_head_name": _("The head's name is at most 200 characters."),
        "bad_head_title": _("The head's title is at most 200 characters."),
        "unknown_post": _("Unknown post: choose one from the list."),
        "future_tenure": _("A holder is named from now or from a moment in the past, not the future."),
        "unknown_user": _("Unknown or inactive user: choose one from the list."),
        "no_holder": _("Name a holder: choose a user or type a name."),
        "tenure_order": _("A later holder is already recorded for this post: a new holder starts after them."),
        "same_holder": _("This person already holds the post."),
        "bad_time": _("The date is not valid: use the date picker."),
        "bad_duty_phone": _("The duty phone is not a valid phone number (e.g. 0333 424242 or +62 812 3456 7890)."),
    }
    return texts.get(exc.code, exc.message)


def _agencies_page(error: str | None = None, form=None, form_for: str | None = None, status: int = 422):
    session = db_session()
    jurisdictions = _jurisdictions(session)
    if current_user.role != "admin":
        jurisdictions = [j for j in jurisdictions if j.id == current_user.jurisdiction_id]
    ids = [j.id for j in jurisdictions]
    rows = list(session.scalars(select(Agency).options(selectinload(Agency.jurisdiction), selectinload(Agency.head_user))
                                .where(Agency.jurisdiction_id.in_(ids)).order_by(Agency.jurisdiction_id, Agency.name)))
    tables = [routing.table(session, j) for j in jurisdictions]
    return render_template(
        "settings/agencies.html", agencies=rows, tables=tables, jurisdictions=jurisdictions,
        heads=agency_service.heads_by_agency(session), can_edit=current_user.role in SETTINGS_ROLES,
        error=error, form=form or {}, form_for=form_for), (status if error else 200)


@bp.get("/agencies")
@roles_required(*AGENCY_VIEW_ROLES)
def agencies():
    return _agencies_page()


def _agency_change(form_for: str, change):
    """Runs one admin change; on success back to the page with a message, else the page with the reason."""
    session = db_session()
    try:
        message = change(session)
    except ServiceError as exc:
        session.rollback()
        return _agencies_page(error=service_error_text(exc), form=request.form, form_for=form_for, status=exc.status)
    flash(message, "success")
    return redirect(url_for("settings.agencies") + "#" + form_for, 303)


@bp.post("/agencies")
@roles_required(*SETTINGS_ROLES)
def create_agency():
    form = request.form

    def change(session):
        agency = agency_service.create_agency(
            session, now(), current_user.actor, jurisdiction_code=form.get("jurisdiction", ""),
            code=form.get("code", ""), name=form.get("name", ""), is_supervisor=form.get("is_supervisor") == "1",
            head_name=form.get("head_name"), head_title=form.get("head_title"), duty_phone=form.get("duty_phone"))
        return _("Agency %(name)s (%(code)s) added.", name=agency.name, code=agency.code)
    return _agency_change("new-agency", change)


@bp.post("/agencies/<code>")
@roles_required(*SETTINGS_ROLES)
def update_agency(code: str):
    form = request.form

    def change(session):
        # An unknown or malformed code is the service's 404 below; never a query with it here.
        current = session.scalar(select(Agency).where(Agency.code == code)) if agency_service.CODE.match(code) else None
        head_user = form.get("head_user") or None
        if current is not None and head_user:
            user = session.scalar(select(User).where(User.username == head_user))
            if user is not None and user.id != current.head_user_id:
                # A new head is a new tenure of the agency's head post (the old one closes now).
                post_service.assign(session, now(), current_user.actor, f"agency_head:{current.code}",
                                    username=head_user, title=form.get("head_title") or None, commit=False)
        agency = agency_service.update_agency(
            session, now(), current_user.actor, code, name=form.get("name", ""),
            head_username=form.get("head_user") or None, head_name=form.get("head_name"),
            head_title=form.get("head_title"), duty_phone=form.get("duty_phone"))
        return _("Agency %(name)s saved.", name=agency.name)
    return _agency_change(f"agency-{code}", change)


@bp.post("/routing")
@roles_required(*SETTINGS_ROLES)
def add_rule():
    form = request.form

    def change(session):
        routing.add_rule(session, now(), current_user.actor, jurisdiction_code=form.get("jurisdiction", ""),
                         category_code=form.get("category", ""), agency_code=form.get("agency", ""),
                         district=form.get("district") or None)
        return _("Rule added. It applies to complaints received from now on; complaints already received keep "
                 "their agency.")
    return _agency_change(f"new-rule-{form.get('jurisdiction', '')}", change)


@bp.post("/routing/<int:rule_id>")
@roles_required(*SETTINGS_ROLES)
def change_rule(rule_id: int):
    form = request.form

    def change(session):
        if form.get("remove"):
            routing.remove_rule(session, now(), current_user.actor, rule_id)
            return _("Rule removed. New complaints it covered now follow the regency-wide rule, or go to triage "
                     "when there is none; complaints already received keep their agency.")
        routing.change_rule(session, now(), current_user.actor, rule_id, agency_code=form.get("agency", ""))
        return _("Rule changed. It applies to complaints received from now on; complaints already received keep "
                 "their agency.")
    return _agency_change(f"rule-{rule_id}", change)


def _parse_effective(form, tz: str) -> datetime:
    return parse_local(form.get("effective_date", ""), form.get("effective_time", "00:00"), tz)


def _int_or_none(value):
    return whole_number(value or "")


@bp.route("/policies", methods=["GET", "POST"])
@roles_required(*SETTINGS_ROLES)
def policies_page():
    """Policy versions; POST with `preview` shows what a new version changes, with `save` adds it."""
    session = db_session()
    jurisdictions = _jurisdictions(session)
    categories = list(session.scalars(select(Category).order_by(Category.code)))
    form = request.form if request.method == "POST" else {}
    preview = None
    error = None
    if request.method == "POST":
        jurisdiction = next((j for j in jurisdictions if j.code == form.get("jurisdiction")), None)
        category = next((c for c in categories if c.code == form.get("category")), None)
        try:
            if jurisdiction is None:
                raise ValueError(_("Choose the regency."))
            try:
                effective_from = _parse_effective(form, jurisdiction.timezone)
            except ValueError:
                raise ValueError(_("Give the date and time from which the new target applies.")) from None
            handle_minutes = _int_or_none(form.get("handle_minutes"))
            if handle_minutes is None:
                raise ValueError(_("Give the handle target in minutes (120 for the 2-hour rule)."))
            ack_minutes = _int_or_none(form.get("acknowledge_minutes"))
            if "save" in form:
                policy = policies.set_target(
                    session, now(), jurisdiction_code=jurisdiction.code, handle_minutes=handle_minutes,
                    acknowledge_minutes=ack_minutes, effective_from=effective_from,
                    category_code=category.code if category else None, note=form.get("note") or None,
                    evidence_photo=form.get("evidence_photo") == "1",
                    evidence_location=form.get("evidence_location") == "1")
                flash(_("Policy version #%(id)s added: complaints received from %(when)s get %(minutes)s minutes.",
                        id=policy.id, when=form.get("effective_date") + " " + form.get("effective_time", "00:00"),
                        minutes=handle_minutes), "success")
                return redirect(url_for("settings.policies_page"), 303)
            preview = _preview(session, jurisdiction, category, effective_from, handle_minutes)
        except ValueError as exc:
            error = str(exc)
        except ServiceError as exc:
            session.rollback()
            error = exc.message
    versions = list(session.scalars(select(SlaPolicy).options(
        selectinload(SlaPolicy.jurisdiction), selectinload(SlaPolicy.category))
        .order_by(SlaPolicy.jurisdiction_id, SlaPolicy.category_id.is_not(None), SlaPolicy.category_id,
                  SlaPolicy.effective_from.desc())))
    at = now()
    in_force = set()
    seen = set()
    for v in versions:
        scope = (v.jurisdiction_id, v.category_id)
        if scope not in seen and v.effective_from <= at:
            in_force.add(v.id)
            seen.add(scope)
    return render_template("settings/policies.html", versions=versions, in_force=in_force, jurisdictions=jurisdictions,
                           categories=categories, form=form, preview=preview, error=error), (422 if error else 200)


@bp.post("/policies/<int:policy_id>/proof")
@roles_required(*SETTINGS_ROLES)
def policy_proof(policy_id: int):
    """Proof of action (photo and/or location check-in) and the repeat alerts' daily cap of one version."""
    session = db_session()
    form = request.form
    cap = form.get("repeat_daily_cap", "").strip()
    try:
        cap_value = _int_or_none(cap) if cap else None
        if cap and cap_value is None:
            raise ValueError(_("Repeat alerts a day must be a whole number from 0 to 48."))
        policy = policies.set_proof(session, now(), row_id(policy_id) or 0, photo=form.get("photo") == "1",
                                    location=form.get("location") == "1", repeat_daily_cap=cap_value)
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("settings.policies_page"), 303)
    except ServiceError as exc:
        session.rollback()
        if exc.status == 404:
            abort(404)
        flash(_("Repeat alerts a day must be a whole number from 0 to 48."), "error")
        return redirect(url_for("settings.policies_page"), 303)
    flash(_("Policy version #%(id)s saved: proof of action and repeat alerts.", id=policy.id), "success")
    return redirect(url_for("settings.policies_page"), 303)


def _preview(session, jurisdiction: Jurisdiction, category: Category | None, effective_from: datetime,
             handle_minutes: int) -> dict:
    summary = policies.affected_summary(session, jurisdiction, effective_from, category)
    query = (select(Complaint).options(selectinload(Complaint.sla_policy), selectinload(Complaint.category))
             .where(Complaint.jurisdiction_id == jurisdiction.id, Complaint.status.in_(OPEN_STATUSES))
             .order_by(Complaint.handle_due_at).limit(PREVIEW_ROWS))
    if category is not None:
        query = query.where(Complaint.category_id == category.id)
    current = policies.latest_version(session, jurisdiction.id, category.id if category else None)
    return {
        "jurisdiction": jurisdiction, "category": category, "effective_from": effective_from,
        "handle_minutes": handle_minutes, "summary": summary, "unaffected": list(session.scalars(query)),
        "current": current, "past": effective_from < now(),
    }


def _users_page(error: str | None = None, form=None, form_for: str | None = None, status: int = 422):
    session = db_session()
    rows = list(session.scalars(select(User).options(selectinload(User.agency)).order_by(User.role, User.username)))
    return render_template("settings/users.html", users=rows, roles=[r for r in ROLES if r != "partner"],
                           agencies=list(session.scalars(select(Agency).order_by(Agency.code))),
                           jurisdictions=_jurisdictions(session), form=form or {}, form_for=form_for, error=error,
                           throttles=web_auth.throttles(session, now()), now_at=now(),
                           district_names=dict(session.execute(select(District.id, District.name).where(
                               District.id.in_([u.district_id for u in rows if u.district_id]))).all())), \
        (status if error else 200)


ALL_JURISDICTIONS = "*all"  # the Regency list's "every regency (province-wide)" choice


def _binding(form) -> dict:
    """The form's regency, kecamatan and explicit province-wide choice, as the services take them."""
    jurisdiction = form.get("jurisdiction") or None
    wide = jurisdiction == ALL_JURISDICTIONS
    return {"jurisdiction_code": None if wide else jurisdiction, "all_jurisdictions": wide,
            "district": (form.get("district") or "").strip() or None}


def _user_error_text(exc: ServiceError) -> str:
    if exc.code == "own_account":
        return _("You cannot change your own role or deactivate yourself: ask another administrator.")
    return exc.message


@bp.route("/users", methods=["GET", "POST"])
@roles_required(*SETTINGS_ROLES)
def users():
    if request.method == "GET":
        return _users_page()
    session = db_session()
    form = request.form
    try:
        if form.get("clear_throttle"):
            user_id = row_id(form["clear_throttle"])
            if user_id is None:
                raise ValueError(_("No such user."))
            user = web_auth.clear_user_throttle(session, now(), user_id)
            flash(_("%(name)s can try to sign in again at once, from any address.", name=user.name), "success")
        else:
            user = web_auth.create_staff_user(
                session, now(), username=form.get("username", ""), name=form.get("name", ""),
                role=form.get("role", ""), password=form.get("password", ""),
                agency_code=form.get("agency") or None, **_binding(form),
                email=form.get("email") or None, phone=form.get("phone") or None)
            flash(_("User %(username)s created.", username=user.username), "success")
    except (ServiceError, ValueError) as exc:
        session.rollback()
        return _users_page(error=getattr(exc, "message", str(exc)), form=form, form_for="new-user")
    return redirect(url_for("settings.users"), 303)


@bp.post("/users/<int:user_id>")
@roles_required(*SETTINGS_ROLES)
def edit_user(user_id: int):
    """Role and scope, active flag, a new password: any of them ends the user's earlier sessions."""
    if row_id(user_id) is None:
        abort(404)
    session = db_session()
    form = request.form
    try:
        user, ended = web_auth.update_staff_user(
            session, now(), current_user.actor, user_id, role=form.get("role", ""),
            agency_code=form.get("agency") or None, **_binding(form),
            active=form.get("active") == "1", password=form.get("password") or None)
    except ServiceError as exc:
        session.rollback()
        return _users_page(error=_user_error_text(exc), form=form, form_for=f"user-{user_id}", status=exc.status)
    if ended and user.id == current_user.id:
        login_user(staff_user(session, user))  # the admin's own new password: this session goes on
    if ended:
        flash(_("%(name)s saved. Their earlier sessions have ended: they sign in again.", name=user.name), "success")
    else:
        flash(_("%(name)s saved.", name=user.name), "success")
    return redirect(url_for("settings.users") + f"#user-{user.id}", 303)


@bp.route("/posts", methods=["GET", "POST"])
@roles_required(*SETTINGS_ROLES)
def posts_page():
    """Who holds each accountable post, since when; naming a new holder closes the current tenure."""
    session = db_session()
    jurisdictions = _jurisdictions(session)
    args = request.form if request.method == "POST" else request.args
    jcode = args.get("jurisdiction") or (jurisdictions[0].code if jurisdictions else "")
    kind = args.get("kind") if args.get("kind") in POST_KINDS else "agency_head"
    jurisdiction = next((j for j in jurisdictions if j.code == jcode), jurisdictions[0] if jurisdictions else None)
    error = None
    if request.method == "POST" and jurisdiction is not None:
        form = request.form
        try:
            from_at = None
            if form.get("from_date"):
                try:
                    from_at = parse_local(form.get("from_date", ""), form.get("from_time") or "00:00",
                                          jurisdiction.timezone)
                except ValueError:
                    raise post_service.holders.ValidationFailed("bad date", code="bad_time") from None
            holder = post_service.assign(
                session, now(), current_user.actor, form.get("post", ""), username=form.get("username") or None,
                name=form.get("name") or None, title=form.get("title") or None, from_at=from_at,
                note=form.get("note") or None)
            flash(_("%(name)s now holds the post; the previous tenure closed at that moment.", name=holder.name),
                  "success")
            return redirect(url_for("settings.posts_page", jurisdiction=jurisdiction.code, kind=kind), 303)
        except ServiceError as exc:
            session.rollback()
            error = service_error_text(exc)
    rows = post_service.list_posts(session, now(), jurisdiction=jurisdiction.code if jurisdiction else None,
                                   kind=kind) if jurisdiction else []
    session.commit()  # posts made for places added since
    users = list(session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)))
    names = {"agency_head": _("Agency head"), "camat": _("Camat (district head)"), "village_head": _("Village head"),
             "regional_secretary": _("Regional secretary (sekda)"), "regent": _("Regent"),
             "triage_desk": _("Triage desk")}
    kinds = [(k, names[k]) for k in POST_KINDS]
    return render_template("settings/posts.html", rows=rows, jurisdictions=jurisdictions, jurisdiction=jurisdiction,
                           kind=kind, kinds=kinds, users=users, error=error,
                           form=request.form if error else {}), (422 if error else 200)


@bp.route("/tokens", methods=["GET", "POST"])
@roles_required(*SETTINGS_ROLES)
def tokens():
    session = db_session()
    error = None
    secret = None
    form = request.form if request.method == "POST" else {}
    if request.method == "POST":
        try:
            if form.get("revoke"):
                token = web_auth.revoke_api_token(session, now(), form["revoke"])
                flash(_("Token %(prefix)s revoked.", prefix=token.prefix), "success")
                return redirect(url_for("settings.tokens"), 303)
            token, secret = web_auth.create_api_token(
                session, now(), role=form.get("role", ""), name=form.get("name") or None,
                agency_code=form.get("agency") or None, **_binding(form))
        except ServiceError as exc:
            session.rollback()
            error = exc.message
    rows = list(session.scalars(select(ApiToken).options(selectinload(ApiToken.agency)).order_by(ApiToken.id.desc())))
    response = render_template("settings/tokens.html", tokens=rows, roles=ROLES, secret=secret, error=error,
                               agencies=list(session.scalars(select(Agency).order_by(Agency.code))),
                               jurisdictions=_jurisdictions(session), form=form)
    return response, (422 if error else 200)




@bp.route("/whatsapp", methods=["GET", "POST"])
@roles_required(*SETTINGS_ROLES)
def whatsapp_templates():
    """The WhatsApp templates Sigap needs and the content SID each got once approved."""
    session = db_session()
    error = None
    if request.method == "POST":
        form = request.form
        try:
            entry = whatsapp.set_content_sid(session, now(), name=form.get("name", ""), language=form.get("language", ""),
                                             sid=form.get("content_sid", ""), by=current_user.username)
        except ServiceError as exc:
            session.rollback()
            error = exc.message
        else:
            flash(_("%(name)s (%(language)s) saved.", name=entry.template.name, language=entry.template.language),
                  "success")
            return redirect(url_for("settings.whatsapp_templates") + f"#wa-{entry.template.name}-"
                            f"{entry.template.language}", 303)
    entries = whatsapp.registry(session)
    response = render_template("settings/whatsapp.html", entries=entries, error=error,
                               missing=sum(1 for e in entries if not e.content_sid))
    return response, (422 if error else 200)


# ---- contacts and duty rosters ------------------------------------------------------------------

def _contacts_page(jurisdiction_code: str | None, *, problems: list[str] | None = None, form=None, status: int = 200):
    from app.domain import duty
    from app.services import contacts
    from app.web.dashboard import _lang

    session = db_session()
    jurisdictions = _jurisdictions(session)
    jurisdiction = next((j for j in jurisdictions if j.code == jurisdiction_code),
                        jurisdictions[0] if jurisdictions else None)
    rows = contacts.list_contacts(session, now(), jurisdiction.code, lang=_lang()) if jurisdiction else []
    agencies = list(session.scalars(select(Agency).where(Agency.jurisdiction_id == jurisdiction.id)
                                    .order_by(Agency.name))) if jurisdiction else []
    session.commit()  # posts made for places added since
    level_names = {"village_head": _("Village head"), "camat": _("Camat (district head)"),
                   "agency_duty": _("Duty desk (piket)"), "agency_head": _("Agency head"),
                   "regional_secretary": _("Regional secretary (sekda)"), "regent_office": _("Regent's office"),
                   "supervisor": _("Supervisors")}
    holiday_names = {"include": _("also on public holidays"), "exclude": _("not on public holidays"),
                     "only": _("public holidays only")}
    response = render_template("settings/contacts.html", rows=rows, jurisdictions=jurisdictions,
                               jurisdiction=jurisdiction, agencies=agencies, levels=duty.LEVELS,
                               level_names=level_names, holiday_names=holiday_names, problems=problems or [],
                               form=form or {}, columns=contacts.COLUMNS)
    return response, status


@bp.get("/contacts")
@roles_required(*SETTINGS_ROLES)
def contacts_page():
    """The escalation ladder's people of a regency: who, channels in order, post, duty roster lines."""
    return _contacts_page(request.args.get("jurisdiction"))


def _contacts_change(change, success: str):
    """Run a contacts change for the form's regency; its problems are shown on the page in the
    staff member's language, nothing stored."""
    from app.services import contacts
    from app.web.dashboard import _lang

    session = db_session()
    form = request.form
    jcode = form.get("jurisdiction", "")
    try:
        message = change(session, contacts, jcode, _lang())
        session.commit()
    except contacts.ContactsProblem as exc:
        session.rollback()
        return _contacts_page(jcode, problems=exc.problems, form=form, status=422)
    except ServiceError as exc:
        session.rollback()
        return _contacts_page(jcode, problems=[exc.message], form=form, status=422)
    flash(message or success, "success")
    return redirect(url_for("settings.contacts_page", jurisdiction=jcode), 303)


def _moment(session, contacts, form, jcode: str, lang: str):
    if not form.get("from_date"):
        return None
    jurisdiction = session.scalar(select(Jurisdiction).where(Jurisdiction.code == jcode))
    if jurisdiction is None:
        return None
    try:
        return parse_local(form.get("from_date", ""), form.get("from_time") or "00:00", jurisdiction.timezone)
    except ValueError:
        raise contacts.ContactsProblem("bad date", [_("The date is not valid: use the date picker.")]) from None


@bp.post("/contacts/import")
@roles_required(*SETTINGS_ROLES)
def contacts_import():
    """One CSV for the whole regency: all or nothing, each problem named by its line."""
    def change(session, contacts, jcode, lang):
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise contacts.ContactsProblem("no file", [_("Choose the CSV file to import.")])
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise contacts.ContactsProblem("not utf-8", [_("The file is not UTF-8 text: save it as CSV UTF-8.")]) from None
        at = _moment(session, contacts, request.form, jcode, lang)
        result = contacts.import_csv(session, now(), jcode, text, name=upload.filename[:120], effective_from=at,
                                     lang=lang)
        return result.summary(lang)
    return _contacts_change(change, _("Contacts imported."))


@bp.post("/contacts/add")
@roles_required(*SETTINGS_ROLES)
def contacts_add():
    def change(session, contacts, jcode, lang):
        at = _moment(session, contacts, request.form, jcode, lang)
        contact = contacts.add_contact(session, now(), jcode, request.form.to_dict(), lang=lang, effective_from=at)
        return _("%(name)s saved.", name=contact.name)
    return _contacts_change(change, _("Contact saved."))


@bp.post("/contacts/handover")
@roles_required(*SETTINGS_ROLES)
def contacts_handover():
    def change(session, contacts, jcode, lang):
        at = _moment(session, contacts, request.form, jcode, lang)
        count = contacts.handover(session, now(), request.form.get("from_contact"), request.form.get("to_contact"),
                                  at, lang=lang)
        return _("%(count)s roster line(s) handed over.", count=count)
    return _contacts_change(change, _("Roster handed over."))


@bp.post("/contacts/retire")
@roles_required(*SETTINGS_ROLES)
def contacts_retire():
    def change(session, contacts, jcode, lang):
        contact = contacts.retire(session, now(), request.form.get("contact"), lang=lang)
        return _("%(name)s is no longer alerted.", name=contact.name)
    return _contacts_change(change, _("Contact retired."))


@bp.get("/contacts/export.csv")
@roles_required(*SETTINGS_ROLES)
def contacts_export():
    from app.domain.spreadsheet import CONTENT_TYPE
    from app.services import contacts
    from app.web.dashboard import _lang

    session = db_session()
    jcode = request.args.get("jurisdiction", "")
    if not jcode:  # the reader's own regency; a province-wide reader gets the first one
        from app.models import Jurisdiction

        own = session.get(Jurisdiction, current_user.jurisdiction_id) if current_user.jurisdiction_id else None
        own = own or session.scalar(select(Jurisdiction).order_by(Jurisdiction.code).limit(1))
        jcode = own.code if own is not None else ""
    try:
        text = contacts.export_csv(session, now(), jcode)
    except ServiceError:
        abort(404)
    session.commit()
    filename = f"kontak-{jcode}.csv" if _lang() == "id" else f"contacts-{jcode}.csv"
    return text, 200, {"Content-Type": CONTENT_TYPE, "Content-Disposition": f'attachment; filename="{filename}"'}


install_error_pages(bp)
