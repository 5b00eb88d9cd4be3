"""Supervisor dashboard (open complaints by time left, counts, map, live updates) and the triage queue."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.clock import isoformat_z
from app.domain.ids import row_id
from app.domain.visibility import scope_of
from app.extensions import db_session, now
from app.services.reporting import dashboard as queries
from app.web.access import DASHBOARD_ROLES, QUEUE_ROLES, TRIAGE_ROLES, roles_required
from app.web.formatting import local_time
from app.web.views import install_error_pages, map_tiles

bp = Blueprint("dashboard", __name__)
POLL_SECONDS = 15  # app.config["SIGAP_DASHBOARD_POLL_SECONDS"] overrides (the browser tests poll faster)


def poll_seconds() -> int:
    return int(current_app.config.get("SIGAP_DASHBOARD_POLL_SECONDS", POLL_SECONDS))


def scope_for(user) -> queries.Scope:
    """What the signed-in staff member may see: the one visibility rule (app/domain/visibility.py)."""
    return scope_of(user.actor)


def filters_from(args, *, agency_fixed: bool = False) -> queries.Filters:
    """The board's filters from a query string; a district that is not a district id is a 400."""
    district = args.get("district", "").strip()
    district_id = row_id(district) if district else None
    if district and district_id is None:
        abort(400, description=_("Choose the district from the list."))
    return queries.Filters(
        agency=None if agency_fixed else (args.get("agency") or None),
        category=args.get("category") or None,
        district_id=district_id,
        state=args.get("state") if args.get("state") in queries.FILTER_STATES else None,
        status=args.get("status") if args.get("status") in ("received", "triage", "assigned", "acknowledged") else None,
        # "Assigned to me" (ditugaskan ke saya): the staff member's own complaints.
        assignee_id=current_user.id if args.get("mine") == "1" and current_user.is_authenticated else None,
    )


def _lang() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "id"


def row_json(row: queries.BoardRow, lang: str) -> dict:
    return {
        "ticket": row.ticket, "status": row.status, "state": row.state, "category": row.category_code,
        "category_name": row.category_name(lang), "agency": row.agency_code, "agency_name": row.agency_name,
        "assignee": row.assignee_name, "district": row.district_name, "village": row.village_name,
        "received_at": isoformat_z(row.received_at), "ack_due_at": isoformat_z(row.ack_due_at),
        "handle_due_at": isoformat_z(row.handle_due_at), "triage_due_at": isoformat_z(row.triage_due_at),
        "acknowledged_at": isoformat_z(row.acknowledged_at), "timezone": row.timezone,
        "reopened": row.reopened_count > 0, "repeat": row.repeat_of_id is not None,
        "ack_late": row.ack_late, "triage_late": row.triage_late,
        "escalation_level": row.sla_level, "escalated_to": row.level, "escalated_for": row.escalated_for,
        "accountable": {"name": row.holder_name, "title": row.holder_title} if row.holder_name else None,
    }


def updated_text(at) -> str:
    return _("Updated %(time)s", time=local_time(at, current_user.timezone, False))


@bp.get("/dashboard")
@roles_required(*DASHBOARD_ROLES)
def dashboard():
    session = db_session()
    filters = filters_from(request.args)
    scope = scope_for(current_user)
    board = queries.board(session, now(), scope, filters)
    return render_template(
        "dashboard.html", board=board, filters=filters, poll_seconds=poll_seconds(),
        agencies=queries.agencies_in(session, scope.jurisdiction_id),
        districts=queries.districts_in(session, scope.jurisdiction_id),
        categories=queries.categories(session), states=queries.FILTER_STATES, lang=_lang(),
        data_url=request.full_path.replace("/dashboard", "/dashboard/data.json", 1),
        **_duty_and_alerts(session, scope, board),
        landmarks=[] if map_tiles()["url"] else queries.district_centres(session, scope.jurisdiction_id),
    )


def _duty_and_alerts(session, scope, board) -> dict:
    """Who of the duty desks is on duty now in the reader's regency, and the latest alerts about the
    complaints on the board with their delivery state."""
    from app.models import Jurisdiction
    from app.services import contacts
    from app.web.deliveries import delivery_words

    query = select(Jurisdiction).order_by(Jurisdiction.name)
    if scope.jurisdiction_id is not None:
        query = query.where(Jurisdiction.id == scope.jurisdiction_id)
    at = now()
    duty = [row for jur in session.scalars(query) for row in contacts.on_duty_now(session, jur.id, jur.timezone, at)]
    return {"duty_now": duty, "recent_alerts": contacts.recent_alerts(session, [r.id for r in board.rows]),
            "delivery_words": delivery_words()}


@bp.get("/dashboard/data.json")
@roles_required(*DASHBOARD_ROLES, "officer", "agency_head")
def data():
    """What the dashboard polls: the same rows and counts, plus map points when asked (map=1); map=only
    answers the points alone (the map follows the list's poll without computing the list again)."""
    session = db_session()
    at = now()
    scope = scope_for(current_user)
    filters = filters_from(request.args, agency_fixed=scope.agency_id is not None)
    if request.args.get("map") == "only":
        response = jsonify({"now": isoformat_z(at), "points": queries.map_points(session, at, scope, filters)})
        response.headers["Cache-Control"] = "no-store"
        return response
    board = queries.board(session, at, scope, filters)
    lang = _lang()
    body = {
        "now": isoformat_z(at), "counts": board.counts, "truncated": board.truncated,
        "complaints": [row_json(row, lang) for row in board.rows],
        # The list's rows as the page renders them (one template), and the "updated" line in the
        # staff member's zone: the browser only swaps them in.
        "rows_html": render_template("_board_rows.html", rows=board.rows, lang=lang,
                                     show_agency=current_user.role not in QUEUE_ROLES),
        "updated_text": updated_text(at),
    }
    if request.args.get("map") == "1":
        body["points"] = queries.map_points(session, at, scope, filters)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/triage")
@roles_required(*TRIAGE_ROLES)
def triage():
    session = db_session()
    scope = scope_for(current_user)
    rows = queries.triage_queue(session, now(), scope.jurisdiction_id)
    return render_template("triage.html", rows=rows, agencies=queries.agencies_in(session, scope.jurisdiction_id),
                           lang=_lang())


install_error_pages(bp)
