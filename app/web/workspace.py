"""Officer workspace: my agency's queue, a complaint's page with its trail and SLA timeline, the
actions on it, and the counter form for walk-in and phone reports."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.domain import lifecycle as machine
from app.domain.ladder import ladder_levels
from app.domain import privacy
from app.extensions import db_session, now
from app.i18n import t
from app.models import Jurisdiction, User
from app.services import audit, intake, lifecycle, posts
from app.services.access.visibility import unseen_tickets
from app.services.errors import ServiceError, ValidationFailed
from app.services.lifecycle import complaint_files
from app.services.messaging import notifications
from app.services.reporting import dashboard as queries
from app.web.access import ACTING_ROLES, INTAKE_ROLES, QUEUE_ROLES, WEB_ROLES, roles_required
from app.web.dashboard import _lang, filters_from, poll_seconds, scope_for
from app.web.formatting import parse_local
from app.web import trail
from app.web.views import install_error_pages

bp = Blueprint("workspace", __name__)
MAX_PHOTO_BYTES = complaint_files.MAX_BYTES  # a phone camera's photo; the app-wide body limit is smaller
# What each form action needs beyond a note; supervisors' extra actions are checked by the service too.
ACTIONS = ("acknowledge", "handle", "resolve", "assign", "transfer", "link_repeat", "reject", "reopen", "comment",
           "nudge")


@bp.get("/queue")
@roles_required(*QUEUE_ROLES)
def queue():
    session = db_session()
    scope = scope_for(current_user)
    filters = filters_from(request.args, agency_fixed=True)
    board = queries.board(session, now(), scope, filters)
    return render_template("queue.html", board=board, filters=filters, states=queries.STATES,
                           categories=queries.categories(session), lang=_lang(), poll_seconds=poll_seconds())


def _names(session, events) -> dict[str, str]:
    ids = {int(e.actor.split(":")[1]) for e in events if e.actor.startswith("user:") and e.actor[5:].isdigit()}
    names = {f"user:{uid}": name for uid, name in session.execute(select(User.id, User.name).where(User.id.in_(ids)))}
    # Escalation contacts who answered an alert by reply (app/services/conversations/alert_replies.py).
    contacts = {int(e.actor.split(":")[1]) for e in events if e.actor.startswith("contact:") and e.actor[8:].isdigit()}
    if contacts:
        from app.models.sla_engine import EscalationContact

        names.update({f"contact:{cid}": name for cid, name in session.execute(
            select(EscalationContact.id, EscalationContact.name).where(EscalationContact.id.in_(contacts)))})
    names["system"] = "Sigap"
    return names


FIRED_KINDS = ("reminded", "warned", "escalated")


def sla_timeline(complaint, at: datetime, events=()) -> list[dict]:
    """The complaint's deadlines and milestones in time order, each marked past or due, with the
    reminders, warnings and escalations the SLA engine actually sent. Once the clock has stopped
    (handled, or closed without handling) the points still ahead of it will never fire: they read
    as cancelled, not as pending."""
    policy = complaint.sla_policy
    span = complaint.handle_due_at - complaint.received_at
    fractions = sorted(policy.reminder_fractions or [0.5, 0.75])
    stopped_at = complaint.handled_at or (None if complaint.is_open else (complaint.rejected_at or complaint.closed_at
                                                                          or at))
    items = [{"key": "received", "label": _("Received"), "at": complaint.received_at, "done": True}]
    if complaint.triage_due_at:
        items.append({"key": "triage_due", "label": _("Triage due"), "at": complaint.triage_due_at,
                      "done": complaint.status != "triage"})
    items.append({"key": "ack_due", "label": _("Acknowledge due"), "at": complaint.ack_due_at,
                  "done": complaint.acknowledged_at is not None})
    if complaint.acknowledged_at:
        items.append({"key": "acknowledged", "label": _("Acknowledged"), "at": complaint.acknowledged_at, "done": True,
                      "late": complaint.acknowledged_at > complaint.ack_due_at})
    for i, fraction in enumerate(fractions):
        label = _("Reminder to the officer") if i == 0 else _("Warning to the agency head")
        items.append({"key": f"reminder_{i}", "label": f"{label} ({int(fraction * 100)} %)",
                      "at": complaint.received_at + span * fraction, "done": complaint.handled_at is not None,
                      "planned": True})
    items.append({"key": "handle_due", "label": _("Handle due"), "at": complaint.handle_due_at,
                  "done": complaint.handled_at is not None, "planned": True})
    if complaint.handled_at:
        items.append({"key": "handled", "label": _("Handled"), "at": complaint.handled_at, "done": True,
                      "late": complaint.handled_at > complaint.handle_due_at})
    if complaint.resolved_at:
        items.append({"key": "resolved", "label": _("Resolved"), "at": complaint.resolved_at, "done": True})
    breach_labels = {"acknowledge": _("Acknowledge deadline missed"), "handle": _("Handle deadline missed"),
                     "triage": _("Triage deadline missed")}
    for breach in complaint.breaches:
        items.append({"key": "breach", "label": breach_labels.get(breach.kind, breach.kind), "at": breach.due_at,
                      "done": True, "late": True})
    for event in events:
        if event.kind in FIRED_KINDS:
            items.append({"key": f"fired-{event.kind}", "label": trail.timeline_label(event), "at": event.at,
                          "done": True})
    for item in items:
        item["past"] = item["at"] <= at
        # A planned step the stopped clock will never reach.
        item["cancelled"] = bool(item.pop("planned", False) and stopped_at is not None and item["at"] > stopped_at
                                 and not (item["key"] == "handle_due" and complaint.handled_at))
    return fold_timeline(sorted(items, key=lambda item: item["at"]))


# What a phone shows of a long trail or timeline before "show all" (issue 17, item 8): the latest
# entries of the trail (who opened the page aside: the reader's own visit is usually the last); the
# timeline's latest points passed and the next ones ahead.
TRAIL_RECENT = 2
TIMELINE_PAST, TIMELINE_AHEAD = 2, 2


def folded_trail(events) -> set:
    """The ids of the trail entries a phone leaves for "show all"."""
    recent = [e.id for e in events if e.kind != "viewed"][-TRAIL_RECENT:]
    return {e.id for e in events} - set(recent)


def fold_timeline(items: list[dict]) -> list[dict]:
    """Mark `folded` the points a phone leaves for "show all": all but the last few passed and the
    first few ahead (items in time order, each with `past`)."""
    past = [i for i, item in enumerate(items) if item["past"]]
    ahead = [i for i, item in enumerate(items) if not item["past"]]
    keep = set(past[-TIMELINE_PAST:]) | set(ahead[:TIMELINE_AHEAD])
    for i, item in enumerate(items):
        item["folded"] = i not in keep
    return items


@bp.get("/complaints/<ticket>")
@roles_required(*WEB_ROLES)
def complaint(ticket: str):
    session = db_session()
    at = now()
    item = lifecycle.load_for(session, ticket, current_user.actor)
    audit.record_view(session, item, at, current_user.actor)  # "viewed by whom", once an hour per user
    events = audit.events_of(session, item.id)
    tz = item.jurisdiction.timezone
    reporter = privacy.reporter_view(current_user.actor, item)  # the API shows the same (serialize.complaint)
    photos = complaint_files.reporter_photo_refs(session, item)
    possible = set(machine.allowed_actions(item.status)) | _remarks(item)
    allowed = possible & set(lifecycle_actions_for(current_user.role))
    agencies = [a for a in queries.agencies_in(session, item.jurisdiction_id) if a.id != item.agency_id]
    officers = queries.officers_of(session, item.agency_id) if item.agency_id else []
    # Another complaint is linked by its ticket only for a reader who may see it (as the API does).
    unseen = unseen_tickets(session, current_user.actor, [privacy.linked_ticket(e.kind, e.data) for e in events]
                            + [other.ticket for other in (item.repeat_of, item.duplicate_of) if other is not None])
    elsewhere = _("a report of another agency")
    shown = {e.id: privacy.without_unseen_link(e.kind, e.data, unseen, elsewhere) for e in events}
    names = _names(session, events)
    agency_names = {a.code: a.name for a in queries.agencies_in(session, item.jurisdiction_id)}
    return render_template(
        "complaint.html", c=item, events=events, names=names, tz=tz, reporter=reporter,
        state=queries.state_of(item, at), ack_late=queries.ack_late_of(item, at), timeline=sla_timeline(item, at, events), allowed=allowed, now_at=at,
        photos=photos, agencies=agencies, officers=officers, lang=_lang(), reasons=machine.REJECT_REASONS,
        unseen=unseen, sentences={e.id: trail.sentence(e, item, names=names, agencies=agency_names, tz=tz,
                                                       data=shown[e.id]) for e in events},
        raw={e.id: trail.raw_record(e, shown[e.id], privacy.shown_actor(e.actor, item, current_user.actor))
             for e in events},
        evidence_needed={"photo": item.sla_policy.evidence_photo, "location": item.sla_policy.evidence_location},
        **_who_was_told(session, item, at),
        next_actions=NEXT_ACTIONS.get(item.status, ()), action_titles=action_titles(item),
        holder=posts.holder_at(session, agency_id=item.agency_id, jurisdiction_id=item.jurisdiction_id, at=at),
        level=_level_reached(item), escalated_for=queries.escalated_for_of(item), folded=folded_trail(events),
    )


def _who_was_told(session, item, at) -> dict:
    """Who is on duty now for this complaint, every alert attempt with its delivery state, and each
    breach's result per recipient (app/services/contacts/deliveries.py)."""
    from app.models import Breach
    from app.services import contacts
    from app.web.deliveries import delivery_words

    breaches = list(session.scalars(select(Breach).where(Breach.complaint_id == item.id).order_by(Breach.id)))
    return {
        "attempts": contacts.alert_attempts(session, item.id),
        "duty_now": contacts.on_duty_for(session, item, at) if item.is_open else [],
        "breach_results": [(b, contacts.breach_recipients(session, b.id)) for b in breaches],
        "delivery_words": delivery_words(),
    }


def _level_reached(item) -> str | None:
    """The escalation ladder's level the complaint has reached (its policy's name), None before any."""
    levels = ladder_levels(item.sla_policy.escalation_ladder or [])
    return levels[min(item.sla_level, len(levels)) - 1] if item.sla_level and levels else None


# The next sensible action by status, best first: the complaint page opens the first one the reader
# may take and folds the others (item 8 of issue 17: a phone showed all seven forms at once).
NEXT_ACTIONS = {
    "triage": ("assign",), "received": ("assign", "acknowledge"), "assigned": ("acknowledge", "handle", "nudge"),
    "acknowledged": ("handle", "nudge"), "handled": ("resolve", "reopen"), "resolved": ("reopen",),
    "closed": ("reopen",), "rejected": ("reopen",),
}


def action_titles(item) -> dict[str, str]:
    return {
        "acknowledge": _("Acknowledge"), "handle": _("Record handling"), "resolve": _("Resolve"),
        "assign": _("Assign to an agency") if item.status == "triage" else _("Reassign within the agency"),
        "transfer": _("Transfer to another agency"), "link_repeat": _("Link as a repeat"), "reject": _("Reject"),
        "reopen": _("Reopen"), "nudge": _("Nudge the agency"), "comment": _("Comment"),
    }


def _remarks(item) -> set[str]:
    """Comments are always possible; a nudge while an agency holds the complaint open."""
    return {"comment"} | ({"nudge"} if item.agency_id and item.status in ("assigned", "acknowledged") else set())


def lifecycle_actions_for(role: str) -> tuple[str, ...]:
    return tuple(name for name, roles in lifecycle.PERMISSIONS.items() if role in roles and name in ACTIONS)


def _storage_root() -> Path:
    return Path(current_app.instance_path)


def _handle(session, ticket: str, actor) -> None:
    """Handling with the form's photo: the photo is stored in the handling's own transaction, so a
    refused handling keeps neither its row nor its file (complaint_files removes the file when the
    transaction ends without a commit)."""
    evidence = {}
    upload = request.files.get("photo")
    if upload is not None and upload.filename:
        complaint = lifecycle.load_for(session, ticket, actor)
        try:
            stored = complaint_files.store(session, now(), complaint, upload.read(), actor, _storage_root())
        except complaint_files.FileTooLarge:
            raise ValidationFailed(_("The file is too large: send a photo of at most 8 MB."), field="photo") from None
        except (complaint_files.UnsupportedFile, complaint_files.UnreadableFile):
            raise ValidationFailed(_("The photo must be a JPEG or PNG image."), field="photo") from None
        evidence["photo"] = stored.ref
    if request.form.get("lat") or request.form.get("lon"):
        evidence["lat"], evidence["lon"] = request.form.get("lat"), request.form.get("lon")
    lifecycle.handle(session, now(), ticket, actor, note=request.form.get("note") or None, evidence=evidence)


@bp.post("/complaints/<ticket>/actions")
@roles_required(*ACTING_ROLES)
def act(ticket: str):
    session = db_session()
    actor = current_user.actor
    item = lifecycle.load_for(session, ticket, actor)  # 404 before anything else for complaints not ours
    action = request.form.get("action", "")
    note = request.form.get("note") or None
    if action == "reject" and "reject" in machine.allowed_actions(item.status) \
            and "reject" in lifecycle_actions_for(current_user.role):
        form = {key: (request.form.get(key) or "").strip() for key in ("reason", "note", "duplicate_of")}
        errors = reject_errors(form)
        if errors or request.form.get("confirmed") != "1":
            # A rejection closes a citizen's report: a chosen reason, a note and a second look first.
            back = request.form.get("back") if request.form.get("back") == "triage" else None
            return render_template("reject_confirm.html", c=item, form=form, errors=errors, back=back,
                                   back_url=_back(ticket), reasons=machine.REJECT_REASONS,
                                   lang=_lang()), (422 if errors else 200)
    try:
        if action == "acknowledge":
            lifecycle.acknowledge(session, now(), ticket, actor, note=note)
        elif action == "handle":
            _handle(session, ticket, actor)
        elif action == "resolve":
            lifecycle.resolve(session, now(), ticket, actor, note=note)
        elif action == "assign":
            lifecycle.assign(session, now(), ticket, actor, agency=request.form.get("agency") or None,
                             assignee=request.form.get("assignee") or None, note=note)
        elif action == "transfer":
            lifecycle.transfer(session, now(), ticket, actor, agency=request.form.get("agency", ""), note=note)
        elif action == "link_repeat":
            lifecycle.link_repeat(session, now(), ticket, actor, of_ticket=request.form.get("of_ticket", "").strip(),
                                  note=note)
        elif action == "reject":
            lifecycle.reject(session, now(), ticket, actor, reason=request.form.get("reason", ""),
                             duplicate_of=request.form.get("duplicate_of", "").strip() or None, note=note)
        elif action == "reopen":
            lifecycle.reopen(session, now(), ticket, actor, note=note)
        elif action == "comment":
            lifecycle.comment(session, now(), ticket, actor, note=note)
        elif action == "nudge":
            lifecycle.nudge(session, now(), ticket, actor, note=note)
        else:
            abort(400)
    except ServiceError as exc:
        # The complaint itself was found above: a NotFound here names another ticket (a typo in "duplicate of").
        session.rollback()
        flash(exc.message, "error")
        return redirect(_back(ticket), 303)
    flash(_("Done: %(action)s recorded.", action=action_label(action)), "success")
    return redirect(_back(ticket), 303)


def reject_errors(form: dict) -> dict[str, str]:
    """What a rejection still lacks, per field (all at once)."""
    errors = {}
    if form["reason"] not in machine.REJECT_REASONS:
        errors["reason"] = _("Choose the reason for rejecting.")
    elif form["reason"] == "duplicate" and not form["duplicate_of"]:
        errors["duplicate_of"] = _("Give the ticket this report repeats.")
    if not form["note"]:
        errors["note"] = _("Write why it is rejected: the note stays in the record.")
    return errors


def _back(ticket: str) -> str:
    target = request.form.get("back")
    if target in ("triage",) and current_user.role in ("supervisor", "admin"):
        return url_for("dashboard.triage")
    return url_for("workspace.complaint", ticket=ticket)


def action_label(action: str) -> str:
    return {
        "acknowledge": _("acknowledgement"), "handle": _("handling"), "resolve": _("resolution"),
        "assign": _("assignment"), "transfer": _("transfer"), "link_repeat": _("link to the earlier report"),
        "reject": _("rejection"), "reopen": _("reopening"), "comment": _("comment"), "nudge": _("nudge"),
    }.get(action, action)


@bp.get("/complaints/<ticket>/files/<ref>")
@roles_required(*WEB_ROLES)
def complaint_file(ticket: str, ref: str):
    """A photo of this complaint (reporter's or evidence) by its reference, only to staff who may
    see the complaint; never any other file."""
    session = db_session()
    item = lifecycle.load_for(session, ticket, current_user.actor)
    path = complaint_files.resolve(session, item, ref, _storage_root())
    if path is None:
        abort(404)
    response = send_file(path, max_age=0, conditional=False)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/intake", methods=["GET", "POST"])
@roles_required(*INTAKE_ROLES)
def counter():
    """Walk-in and phone reports, entered by staff with the real time of receipt. Every problem is
    shown at once, in the staff member's language, with near names to choose from."""
    session = db_session()
    jurisdictions = _jurisdictions_for(session)
    form = request.form.to_dict() if request.method == "POST" else {}
    errors: dict[str, str] = {}
    choices: dict[str, tuple] = {}
    fill = form.pop("fill", "") if request.method == "POST" else ""
    if fill:
        # A "did you mean" choice without JavaScript: fill the field(s) and show the form again.
        for part in fill.split("|")[:2]:
            name, _sep, value = part.partition("=")
            if name in ("village", "district"):
                form[name] = value
    elif request.method == "POST":
        jurisdiction = next((j for j in jurisdictions if j.code == form.get("jurisdiction")), None)
        if jurisdiction is None:
            errors["jurisdiction"] = _("Choose the regency.")
        received_at = None
        try:
            received_at = parse_local(form.get("received_date", ""), form.get("received_time", ""),
                                      jurisdiction.timezone if jurisdiction else "Asia/Jakarta")
        except ValueError:
            errors["received_at"] = _("Give the date and time the report was received.")
        if jurisdiction is not None:
            for problem in intake.problems(
                    session, jurisdiction_id=jurisdiction.id, category=form.get("category"),
                    description=form.get("description"), district=form.get("district"), village=form.get("village"),
                    address=form.get("address"), reporter_name=form.get("reporter_name"),
                    reporter_phone=form.get("reporter_phone"), lat=form.get("lat"), lon=form.get("lon"),
                    received_at=received_at, now=now(),
                    actor=current_user.actor):
                errors.setdefault(problem.field, problem_text(problem))
                if problem.choices:
                    choices[problem.field] = problem.choices
        if not errors:
            try:
                created = intake.submit(
                    session, now(), jurisdiction=jurisdiction.code, category=form.get("category", ""),
                    description=form.get("description", ""), district=form.get("district") or None,
                    village=form.get("village") or None, address=form.get("address") or None,
                    lat=form.get("lat") or None, lon=form.get("lon") or None,
                    reporter={"name": form.get("reporter_name") or None, "phone": form.get("reporter_phone") or None,
                              "language": form.get("reporter_language") or "id"}
                    if (form.get("reporter_name") or form.get("reporter_phone")) else None,
                    channel=form.get("channel") if form.get("channel") in ("counter", "phone") else "counter",
                    received_at=received_at, actor=current_user.actor,
                    confidentiality=form.get("confidentiality") or None)
            except ServiceError as exc:
                # Whatever the checks above did not foresee: intake's own refusal, in English only for an
                # English reader.
                session.rollback()
                errors[exc.field if exc.field in COUNTER_FIELDS else "form"] = (
                    exc.message if _lang() == "en" else _("The report was not recorded: check this and try again."))
            else:
                flash(_("Complaint %(ticket)s recorded.", ticket=created.ticket), "success")
                # The one time the code exists in clear: for the citizen's paper receipt.
                flash(t("public.counter_code", _lang(), code=created.status_code, ticket=created.ticket), "success")
                told = notifications.confidentiality_told(created, _lang())
                if told:  # what the citizen's choice means: to be told to them at the counter
                    flash(told, "success")
                link = notifications.status_link_told(session, created, _lang())
                if link:  # for the paper receipt, beside the code
                    flash(link, "success")
                return redirect(url_for("workspace.complaint", ticket=created.ticket), 303)
    tz = jurisdictions[0].timezone if jurisdictions else "Asia/Jakarta"
    local_now = now().astimezone(ZoneInfo(tz))
    return render_template(
        "intake.html", jurisdictions=jurisdictions, categories=queries.categories(session), form=form,
        errors=errors, choices=choices, fields=COUNTER_FIELDS,
        field_labels={name: field_label(name) for name in COUNTER_FIELDS},
        districts=queries.districts_in(session, jurisdictions[0].id if len(jurisdictions) == 1 else None),
        villages=queries.village_names(session, jurisdictions[0].id) if len(jurisdictions) == 1 else [],
        default_date=local_now.strftime("%Y-%m-%d"), default_time=local_now.strftime("%H:%M"), lang=_lang(),
    ), (422 if errors else 200)


# The counter form's fields in page order, each with the label its error summary links to.
COUNTER_FIELDS = ("jurisdiction", "received_at", "category", "description", "district", "village", "address", "lat",
                  "reporter_name", "reporter_phone")


def field_label(name: str) -> str:
    return {"jurisdiction": _("Regency"), "received_at": _("Date received"), "category": _("Category"),
            "description": _("What happened"), "district": _("District (kecamatan)"),
            "village": _("Village (desa/kelurahan)"), "address": _("Address or landmark"),
            "lat": _("Coordinates"), "reporter_name": _("Name"),
            "reporter_phone": _("Phone (for updates by SMS)")}.get(name, name)


def problem_text(problem: intake.Problem) -> str:
    """One problem of the counter form in the staff member's language."""
    p = problem.params
    texts = {
        ("category", "required"): lambda: _("Choose the category."),
        ("category", "unknown"): lambda: _("Choose the category from the list."),
        ("description", "required"): lambda: _("Write what happened, in the citizen's words."),
        ("description", "too_long"): lambda: _("Too long: at most %(max)s characters.", max=p["max"]),
        ("address", "too_long"): lambda: _("Too long: at most %(max)s characters.", max=p["max"]),
        ("reporter_name", "too_long"): lambda: _("Too long: at most %(max)s characters.", max=p["max"]),
        ("district", "unknown"): lambda: _("There is no district \u201c%(name)s\u201d in this regency.", name=p["name"]),
        ("district", "ambiguous"): lambda: _("There is a %(name)s in several districts: choose which one.",
                                             name=p["name"]),
        ("village", "unknown"): lambda: _("There is no village \u201c%(name)s\u201d in this regency.", name=p["name"]),
        ("village", "elsewhere"): lambda: _("%(name)s is not in %(district)s.", name=p["name"], district=p["district"]),
        ("village", "where_missing"): lambda: _("Say where: choose the district, type the village or give an address."),
        ("reporter_phone", "invalid"): lambda: _("\u201c%(phone)s\u201d is not a phone number.", phone=p["phone"]),
        ("reporter_phone", "not_mobile"): lambda: _(
            "\u201c%(phone)s\u201d is not an Indonesian mobile number (e.g. 0812 3456 7890): the reporter gets "
            "SMS there.", phone=p["phone"]),
        ("lat", "invalid"): lambda: _("The coordinates are not numbers of a place on Earth."),
        ("lat", "half"): lambda: _("Give both latitude and longitude, or neither."),
        ("lat", "outside"): lambda: _("The place is outside %(jurisdiction)s.", jurisdiction=p["jurisdiction"]),
        ("received_at", "future"): lambda: _("The time of receipt cannot be in the future."),
        ("received_at", "too_old"): lambda: _("The time of receipt is more than 30 days ago."),
        ("received_at", "backdate_elsewhere"): lambda: (
            _("This report goes to %(agency)s, not your agency: enter it as received now (or up to %(n)s minutes "
              "ago), or ask a supervisor to enter the earlier time.", agency=p["agency"], n=p["minutes"])
            if p.get("agency") else
            _("This report goes to the supervisors' triage: enter it as received now (or up to %(n)s minutes "
              "ago), or ask a supervisor to enter the earlier time.", n=p["minutes"])),
    }
    text = texts.get((problem.field, problem.code))
    return text() if text else _("Check this field.")


def _jurisdictions_for(session) -> list[Jurisdiction]:
    query = select(Jurisdiction).order_by(Jurisdiction.name)
    if current_user.jurisdiction_id is not None:
        query = query.where(Jurisdiction.id == current_user.jurisdiction_id)
    return list(session.scalars(query))


install_error_pages(bp)
