"""Search and lists of every complaint a staff member may see, open and closed, with filters,
pages and a CSV of the same list (app/services/reporting/search.py does the finding)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.domain import spreadsheet
from app.domain.ids import row_id
from app.extensions import db_session, now
from app.services.reporting import dashboard as queries
from app.services.reporting import search as finder
from app.web.access import WEB_ROLES, roles_required
from app.web.dashboard import _lang
from app.web.formatting import local_time
from app.web.views import install_error_pages, labels

bp = Blueprint("search", __name__)
FIELDS = ("q", "state", "from", "to", "agency", "district", "category", "mine")


def _day(text: str, tz: str) -> datetime | None:
    """Midnight at the start of a typed date (YYYY-MM-DD) in the staff member's zone, as UTC."""
    day = date.fromisoformat(text)
    if not 2000 <= day.year < 2100:
        raise ValueError(text)
    return datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(timezone.utc)


def criteria_from(args) -> tuple[finder.Criteria, dict[str, str]]:
    """The search from a query string, and what in it could not be used (field -> message)."""
    errors: dict[str, str] = {}
    tz = current_user.timezone
    start = end = None
    try:
        start = _day(args["from"], tz) if args.get("from") else None
    except ValueError:
        errors["from"] = _("Give the date as day, month and year.")
    try:
        end = _day(args["to"], tz) + timedelta(days=1) if args.get("to") else None
    except ValueError:
        errors["to"] = _("Give the date as day, month and year.")
    if start and end and end <= start:
        errors["to"] = _("The end date comes before the start date.")
        end = None
    district = (args.get("district") or "").strip()
    district_id = row_id(district) if district else None
    if district and district_id is None:
        errors["district"] = _("Choose the district from the list.")
    state = args.get("state") or None
    return finder.Criteria(
        text=(args.get("q") or "").strip()[:200], state=state if state in finder.STATES else None,
        received_from=start, received_until=end, agency=args.get("agency") or None, district_id=district_id,
        category=args.get("category") or None, assignee_id=current_user.id if args.get("mine") == "1" else None,
    ), errors


def _kept_args() -> dict[str, str]:
    return {key: request.args[key] for key in FIELDS if request.args.get(key)}


@bp.get("/complaints")
@roles_required(*WEB_ROLES)
def search_page():
    session = db_session()
    criteria, errors = criteria_from(request.args)
    try:
        page_no = int(request.args.get("page", "1"))
    except ValueError:
        page_no = 1
    found = finder.search(session, current_user.actor, criteria, page=page_no)
    jurisdiction_id = current_user.jurisdiction_id
    kept = _kept_args()
    return render_template(
        "search.html", found=found, errors=errors, args=kept, lang=_lang(), states=finder.STATES,
        agencies=[] if current_user.agency_id else queries.agencies_in(session, jurisdiction_id),
        districts=queries.districts_in(session, jurisdiction_id), categories=queries.categories(session),
        page_url=lambda n: "?" + urlencode({**kept, "page": n}),
        csv_url="/complaints.csv" + ("?" + urlencode(kept) if kept else ""),
    )


def csv_header() -> list[str]:
    return [_("Ticket"), _("Received (local time)"), _("Category"), _("District"), _("Village"), _("Agency"),
            _("Assigned to"), _("Status"), _("Acknowledge by"), _("Acknowledged"), _("Handle by"), _("Handled"),
            _("Handled on time"), _("Rejection reason"), _("Reopened"), _("Channel"), _("Description")]


def csv_row(row: finder.Found, lang: str, names: dict) -> list:
    tz = row.timezone

    def at(moment):
        return local_time(moment, tz) if moment else ""

    on_time = "" if row.handled_at is None else (_("yes") if row.handled_at <= row.handle_due_at else _("no"))
    return [row.ticket, at(row.received_at), row.category_name(lang), row.district_name, row.village_name,
            row.agency_name, row.assignee_name, names["status_names"].get(row.status, row.status),
            at(row.ack_due_at), at(row.acknowledged_at), at(row.handle_due_at), at(row.handled_at), on_time,
            names["reason_names"].get(row.reject_reason, row.reject_reason or ""), row.reopened_count,
            names["channel_names"].get(row.channel, row.channel), row.description]


@bp.get("/complaints.csv")
@roles_required(*WEB_ROLES)
def export_csv():
    """The list as filtered, every page of it (up to the export cap), in the reader's language and local times."""
    session = db_session()
    criteria, _errors = criteria_from(request.args)
    lang = _lang()
    names = labels()
    rows = finder.export(session, current_user.actor, criteria)
    stamp = now().astimezone(ZoneInfo(current_user.timezone)).strftime("%Y%m%d-%H%M")
    return Response(spreadsheet.csv_text(csv_header(), (csv_row(row, lang, names) for row in rows)),
                    content_type=spreadsheet.CONTENT_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="sigap-{_("complaints")}-{stamp}.csv"',
                             "Cache-Control": "private, no-store"})


install_error_pages(bp)
