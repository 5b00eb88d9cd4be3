"""Performance pages: report tables with server-drawn SVG charts, officials' contracts with the
breaches as evidence, CSV exports of every table and a printable contract review."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date
from flask import Blueprint, Flask, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from app.domain import performance as rules
from app.domain import spreadsheet
from app.domain.local_time import local_time as clock_text
from app.extensions import db_session, now
from app.models import Agency, District, Jurisdiction, User
from app.services.errors import ServiceError
from app.services.reporting import performance
from app.web.access import WEB_ROLES, roles_required
from app.web.formatting import babel_locale, local_date, local_time, number, share
from app.web.views import install_error_pages

bp = Blueprint("performance", __name__, url_prefix="/performance", template_folder="templates",
               static_folder="static/performance", static_url_path="/static")
install_error_pages(bp)

PALETTE = ("#0b5d57", "#b45309", "#1d4ed8", "#9d174d", "#4d7c0f", "#6d28d9", "#0e7490", "#b91c1c")
# Column keys and their headings (the page's table and the CSV's header row, in the reader's language).
COLUMNS = (
    ("received", _l("Received")), ("handled_on_time", _l("Handled on time")), ("handled_late", _l("Handled late")),
    ("open_late", _l("Open past deadline")), ("late", _l("Late in all")), ("open_not_due", _l("Open, not yet due")),
    ("open_backlog", _l("Open backlog")), ("on_time_rate", _l("On-time rate")), ("judged", _l("Rate over")),
    ("too_few_to_judge", _l("Too few to judge")), ("ack_on_time", _l("Acknowledged on time")),
    ("ack_late", _l("Acknowledged late")), ("ack_median_minutes", _l("Median min. to acknowledge")),
    ("ack_p90_minutes", _l("P90 min. to acknowledge")), ("ack_breaches_staff_told", _l("Ack. breaches, staff alerted")),
    ("ack_breaches_notify_failed", _l("Ack. breaches, alert failed")),
    ("handle_median_minutes", _l("Median min. to handle")),
    ("handle_p90_minutes", _l("P90 min. to handle")), ("handle_breaches_staff_told", _l("Handle breaches, staff alerted")),
    ("handle_breaches_notify_failed", _l("Handle breaches, alert failed")), ("reopened", _l("Reopened")),
    ("reopened_share", _l("Reopened share")), ("satisfaction_mean", _l("Satisfaction (1-4)")),
    ("satisfaction_answered", _l("Satisfaction answers")), ("satisfaction_response_rate", _l("Survey response rate")),
    ("satisfaction_too_few", _l("Satisfaction: too few to judge")),
)


def install(app: Flask) -> None:
    """Register the pages on an app (create_app does `app.register_blueprint(performance.bp)`)."""
    app.register_blueprint(bp)


# ---- figures as table rows -------------------------------------------------------------------

def flat(figures: dict) -> dict:
    """One report row as plain columns (the table and its CSV)."""
    ack, handle = figures["acknowledge"], figures["handle"]
    return {
        "received": figures["received"], "handled_on_time": figures["handled_on_time"],
        "handled_late": figures["handled_late"], "open_late": figures["open_late"], "late": figures["late"],
        "open_not_due": figures["open_not_due"], "open_backlog": figures["open_backlog"],
        "on_time_rate": _share(figures["on_time_rate"]["value"]), "judged": figures["on_time_rate"]["of"],
        "too_few_to_judge": bool(figures["on_time_rate"]["too_few_to_judge"]),
        "ack_on_time": ack["on_time"], "ack_late": ack["late"],
        "ack_median_minutes": number(ack["median_minutes"]), "ack_p90_minutes": number(ack["p90_minutes"]),
        "ack_breaches_staff_told": ack["breaches"]["staff_told"],
        "ack_breaches_notify_failed": ack["breaches"]["notify_failed"],
        "handle_median_minutes": number(handle["median_minutes"]), "handle_p90_minutes": number(handle["p90_minutes"]),
        "handle_breaches_staff_told": handle["breaches"]["staff_told"],
        "handle_breaches_notify_failed": handle["breaches"]["notify_failed"],
        "reopened": figures["reopened"], "reopened_share": _share(figures["reopened_share"]["value"]),
        **_satisfaction(figures.get("satisfaction")),
    }


def _satisfaction(sat: dict | None) -> dict:
    if sat is None:  # a trend point or contract row: no survey figures there
        return {"satisfaction_mean": None, "satisfaction_answered": None, "satisfaction_response_rate": None,
                "satisfaction_too_few": None}
    return {"satisfaction_mean": number(sat["mean_score"], 2), "satisfaction_answered": sat["answered"],
            "satisfaction_response_rate": _share(sat["response_rate"]["value"]),
            "satisfaction_too_few": bool(sat["too_few_to_judge"])}


def _share(value) -> str | None:
    """A share (0..1) as the reader writes a percentage: '62,4 %' in Indonesian, '62.4%' in English."""
    return share(value)


def csv_cells(values) -> list:
    """Row values for a CSV in the reader's language: yes/no written out, nothing as an empty cell."""
    out = []
    for value in values:
        if value is True or value is False:
            out.append(_("yes") if value else _("no"))
        else:
            out.append("" if value is None else value)
    return out


def column_headings(columns=COLUMNS) -> list[str]:
    return [str(label) for _key, label in columns]


def NO_GROUP_NAMES() -> dict:  # noqa: N802 (translated at request time)
    """The group of the figures without a key (the service names it in English for the API)."""
    return {"agency": _("no agency (in triage)"), "official": _("no accountable official"),
            "district": _("no district"), "category": _("none"), "jurisdiction": _("none"), None: _("all")}


def group_name(group: dict, group_by: str | None = None) -> str:
    """A group as people call it (a chart's legend): the agency's or official's name, never a code;
    a category in the reader's language; the figures without a group in words."""
    if group.get("id") is None:
        return NO_GROUP_NAMES().get(group_by, _("none"))
    if group.get("name_id") and babel_locale() != "en":
        return group["name_id"]
    return group.get("name") or group.get("username") or str(group.get("id"))


def group_label(group: dict, group_by: str | None = None) -> str:
    name = group_name(group, group_by)
    return f"{name} ({group['code']})" if group.get("code") and group.get("id") is not None else name


def district_name(district: dict) -> str:
    return district.get("name") if district.get("id") is not None else NO_GROUP_NAMES()["district"]


def csv_response(filename: str, header: list[str], rows) -> Response:
    """A CSV download, written by the one safe writer (formula cells neutralised, UTF-8 with BOM)."""
    return Response(spreadsheet.csv_text(header, rows), content_type=spreadsheet.CONTENT_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ---- charts (inline SVG, drawn here; no script) ------------------------------------------------

def line_chart(title: str, x_labels: list[str], series: list[tuple[str, list]], width=760, height=320) -> Markup:
    """Shares (0..1, None for no data) over time, one line per series, with a legend of names (one a line)."""
    left, right, top = 56, 40, 16  # room for the last date's label
    plot_w, plot_h = width - left - right, height - top - 40
    legend_h = 22 * len(series)
    total_h = top + plot_h + 40 + legend_h
    step = plot_w / max(len(x_labels) - 1, 1)
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {total_h}" width="100%" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde2e7"/>'
                     f'<text x="{left - 8}" y="{y + 5:.1f}" text-anchor="end" font-size="14" '
                     f'fill="#444">{escape(share(pct / 100).replace(",0", "").replace(".0", ""))}</text>')
    every = max(1, (len(x_labels) + 11) // 12)  # at most about twelve dates under the axis
    for i, label in enumerate(x_labels):
        if i % every:
            continue
        x = left + step * i
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 22}" text-anchor="middle" font-size="14" '
                     f'fill="#444">{escape(label)}</text>')
    for n, (name, values) in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        dash = ' stroke-dasharray="8 5"' if n >= len(PALETTE) else ""
        points = [(left + step * i, top + plot_h * (1 - v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="3"{dash}/>')
        for (x, y), v in zip(points, [v for v in values if v is not None]):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{color}"><title>{escape(name)}: '
                         f'{escape(share(v))}</title></circle>')
        ly = top + plot_h + 40 + 22 * n + 14
        parts.append(f'<rect x="{left}" y="{ly - 12}" width="22" height="6" fill="{color}"/>'
                     f'<text x="{left + 30}" y="{ly - 4}" font-size="15" fill="#222">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(title: str, bars: list[tuple[str, int | float]], width=760, bar_h=30, color=PALETTE[0],
              percent: bool = False) -> Markup:
    """Horizontal bars with their values written beside them (percent: values are shares 0..1)."""
    left = min(320, 20 + 8 * max((len(label) for label, _v in bars), default=10))
    right = 80
    height = 12 + bar_h * max(len(bars), 1)
    top = 1 if percent else (max((v for _l, v in bars), default=0) or 1)
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(bars):
        y = 6 + i * bar_h
        w = (width - left - right) * (value / top)
        text = share(value) if percent else number(value)
        parts.append(f'<text x="{left - 8}" y="{y + bar_h * 0.62:.1f}" text-anchor="end" font-size="15" '
                     f'fill="#222">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{bar_h - 8}" fill="{color}"/>'
                     f'<text x="{left + w + 6:.1f}" y="{y + bar_h * 0.62:.1f}" font-size="15" '
                     f'fill="#222">{escape(str(text))}</text>')
    if not bars:
        parts.append(f'<text x="{left}" y="20" font-size="15" fill="#555">{escape(_("Nothing to show"))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _histogram_label(bucket: dict) -> str:
    def hours(m):
        if m == 0:
            return "0"
        return _("%(h)s h", h=m // 60) if m % 60 == 0 else _("%(m)s min", m=m)

    if bucket["to_minutes"] is None:
        return f"≥ {hours(bucket['from_minutes'])}"
    return f"{hours(bucket['from_minutes'])} – {hours(bucket['to_minutes'])}"


def _short_date(iso: str) -> str:
    """A bucket's first day under a chart's axis: '23 Nov' / '23 Nov' in the reader's language."""
    return format_date(date.fromisoformat(iso[:10]), "d MMM", locale=babel_locale())


# ---- the report page ---------------------------------------------------------------------------

def period_choices(current: str, at: datetime, tz: str, *, ahead: int = 0) -> list[tuple[str, list[tuple[str, str]]]]:
    """The month/quarter/year picker: (group heading, [(period label, text in the reader's language)]), newest
    first; `ahead` months past today too (a contract may be signed for the coming quarter). The period shown
    now stays among the choices even when it is older."""
    today = rules.period_containing(at, tz).start
    months, quarters, years = [], [], []
    for back in range(-ahead, 24):
        index = today.year * 12 + today.month - 1 - back
        first = today.replace(year=index // 12, month=index % 12 + 1, day=1)
        months.append((f"{first.year}-{first.month:02d}",
                       format_date(first, "LLLL yyyy", locale=babel_locale()).capitalize()))
        label = f"{first.year}-Q{(first.month - 1) // 3 + 1}"
        if not quarters or quarters[-1][0] != label:
            quarters.append((label, _("Quarter %(q)s %(year)s", q=label[-1], year=first.year)))
        if not years or years[-1][0] != str(first.year):
            years.append((str(first.year), str(first.year)))
    groups = [(_("Month"), months), (_("Quarter"), quarters), (_("Year"), years)]
    if current and not any(current == value for _h, options in groups for value, _t in options):
        groups.insert(0, (_("Chosen"), [(current, current)]))
    return groups


def period_text(label: str, periods) -> str:
    """The chosen period as the picker writes it ('Triwulan 4 2026'), else its label."""
    return next((text for _h, options in periods for value, text in options if value == label), label)


def _params() -> dict:
    period = (request.args.get("period") or "").strip() or rules.period_containing(
        now(), current_user.timezone).label
    return {"period": period, "group_by": request.args.get("group_by") or "agency",
            "jurisdiction": request.args.get("jurisdiction") or None}


@bp.get("/")
@roles_required(*WEB_ROLES)
def report_page():
    session, at, actor = db_session(), now(), current_user.actor
    params = _params()
    try:
        report = performance.report(session, at, actor, **params)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("performance.report_page"))
    jur_args = {"period": params["period"], "jurisdiction": params["jurisdiction"]}
    trend = performance.trend(session, at, actor, group_by="agency", **jur_args)
    histogram = performance.histogram(session, at, actor, **jur_args)
    by_district = performance.breaches_by_district(session, at, actor, **jur_args)
    charts = {
        "trend": line_chart(_("On-time rate per agency"), [_short_date(b) for b in trend["buckets"]],
                            [(group_name(s["group"], "agency"), [p["on_time_rate"]["value"] if p else None for p in s["points"]])
                             for s in trend["series"]]),
        "histogram": bar_chart(_("Time to handle"), [(_histogram_label(b), b["count"]) for b in histogram]),
        "districts": bar_chart(_("Breaches by district"), [(district_name(b["district"]), b["total"])
                                                            for b in by_district[:25]], color="#b91c1c"),
    }
    jurisdictions = list(session.scalars(select(Jurisdiction).order_by(Jurisdiction.code))) \
        if actor.role == "admin" else []
    rows = [(group_label(item["group"], params["group_by"]), flat(item), item) for item in report["items"]]
    report["as_of_local"] = local_time(at, current_user.timezone)
    return render_template("performance/report.html", report=report, rows=rows, total=flat(report["total"]),
                           columns=COLUMNS, params=params, charts=charts, group_names=GROUP_NAMES(),
                           periods=(periods := period_choices(params["period"], at, current_user.timezone)),
                           period_text=period_text(params["period"], periods),
                           jurisdictions=jurisdictions, trend=trend, histogram=histogram, by_district=by_district)


def GROUP_NAMES() -> dict:  # noqa: N802 (translated at request time)
    return {"agency": _("Agency"), "official": _("Official"), "category": _("Category"), "district": _("District"),
            "jurisdiction": _("Jurisdiction")}


@bp.get("/report.csv")
@roles_required(*WEB_ROLES)
def report_csv():
    params = _params()
    report = performance.report(db_session(), now(), current_user.actor, **params)
    header = [GROUP_NAMES().get(params["group_by"], params["group_by"]), _("Code")] + column_headings()
    rows = [[group_name(item["group"], params["group_by"]), item["group"].get("code") or
             item["group"].get("username") or ""] + csv_cells(flat(item).values()) for item in report["items"]]
    rows.append([_("Total"), ""] + csv_cells(flat(report["total"]).values()))
    return csv_response(f"performance-{report['period']['label']}-by-{params['group_by']}.csv", header, rows)


@bp.get("/trend.csv")
@roles_required(*WEB_ROLES)
def trend_csv():
    params = _params()
    trend = performance.trend(db_session(), now(), current_user.actor, period=params["period"],
                              group_by=params["group_by"], jurisdiction=params["jurisdiction"])
    rows = []
    for s in trend["series"]:
        for start, point in zip(trend["buckets"], s["points"]):
            rows.append([group_label(s["group"], params["group_by"]), start] + (csv_cells(flat(point).values()) if point else
                                                             [0] * len(COLUMNS)))
    return csv_response(f"performance-trend-{params['period']}.csv",
                        [GROUP_NAMES().get(params["group_by"], params["group_by"]), _("From (local date)")]
                        + column_headings(), rows)


@bp.get("/histogram.csv")
@roles_required(*WEB_ROLES)
def histogram_csv():
    params = _params()
    buckets = performance.histogram(db_session(), now(), current_user.actor, period=params["period"],
                                    jurisdiction=params["jurisdiction"])
    return csv_response(f"time-to-handle-{params['period']}.csv",
                        [_("Time to handle"), _("From (minutes)"), _("Until (minutes)"), _("Complaints")],
                        [[_histogram_label(b), b["from_minutes"], b["to_minutes"], b["count"]] for b in buckets])


@bp.get("/breaches-by-district.csv")
@roles_required(*WEB_ROLES)
def districts_csv():
    params = _params()
    rows = performance.breaches_by_district(db_session(), now(), current_user.actor, period=params["period"],
                                            jurisdiction=params["jurisdiction"])
    return csv_response(f"breaches-by-district-{params['period']}.csv",
                        [_("District"), _("Code"), _("Late to acknowledge: staff alerted"),
                         _("Late to acknowledge: alert failed"), _("Late to handle: staff alerted"),
                         _("Late to handle: alert failed"), _("Total")],
                        [[district_name(r["district"]), r["district"].get("code"), r["acknowledge"]["staff_told"],
                          r["acknowledge"]["notify_failed"], r["handle"]["staff_told"], r["handle"]["notify_failed"],
                          r["total"]] for r in rows])


# ---- per kecamatan: the camats compared ----------------------------------------------------------

DISTRICT_COLUMNS = (
    ("received", _l("Received")), ("on_time_rate", _l("On-time rate")), ("too_few_to_judge", _l("Too few to judge")),
    ("handle_median_minutes", _l("Median min. to handle")), ("handle_p90_minutes", _l("P90 min. to handle")),
    ("ack_breaches", _l("Acknowledge breaches")), ("handle_breaches", _l("Handle breaches")),
    ("breaches_alert_failed", _l("Breaches, alert failed")), ("reopened", _l("Reopened")), ("disputed", _l("Disputed")),
    ("open_late", _l("Open past deadline")),
)


def district_row(item: dict) -> dict:
    """One kecamatan's figures as plain columns (the table and its CSV)."""
    ack, handle = item["acknowledge"], item["handle"]
    return {
        "received": item["received"], "on_time_rate": _share(item["on_time_rate"]["value"]),
        "too_few_to_judge": bool(item["on_time_rate"]["too_few_to_judge"]),
        "handle_median_minutes": number(handle["median_minutes"]), "handle_p90_minutes": number(handle["p90_minutes"]),
        "ack_breaches": ack["breaches"]["total"], "handle_breaches": handle["breaches"]["total"],
        "breaches_alert_failed": ack["breaches"]["notify_failed"] + handle["breaches"]["notify_failed"],
        "reopened": item["reopened"], "disputed": item["disputed"], "open_late": item["open_late"],
    }


def _district_report():
    params = _params()
    report = performance.districts(db_session(), now(), current_user.actor, period=params["period"],
                                   jurisdiction=params["jurisdiction"])
    return params, report


@bp.get("/districts")
@roles_required(*WEB_ROLES)
def districts_page():
    try:
        params, report = _district_report()
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("performance.report_page"))
    session = db_session()
    jurisdictions = list(session.scalars(select(Jurisdiction).order_by(Jurisdiction.code))) \
        if current_user.role == "admin" else []
    report["as_of_local"] = local_time(now(), current_user.timezone)
    ranked = sorted((item for item in report["items"] if item["on_time_rate"]["value"] is not None),
                    key=lambda item: item["on_time_rate"]["value"])
    chart = bar_chart(_("On-time rate per kecamatan (lowest first)"),
                      [(district_name(item["district"]), item["on_time_rate"]["value"]) for item in ranked[:25]], percent=True)
    return render_template("performance/districts.html", report=report, params=params, chart=chart,
                           periods=(periods := period_choices(params["period"], now(), current_user.timezone)),
                           period_text=period_text(params["period"], periods),
                           rows=[(item, district_row(item)) for item in report["items"]],
                           total=district_row(report["total"]), jurisdictions=jurisdictions)


@bp.get("/districts.csv")
@roles_required(*WEB_ROLES)
def districts_report_csv():
    """The kecamatan table; the period's bounds and the time of the report in each jurisdiction's local time."""
    params, report = _district_report()
    session = db_session()
    zones = dict(session.execute(select(Jurisdiction.code, Jurisdiction.timezone)
                                 .where(Jurisdiction.code.in_(report["jurisdictions"]))).all())
    at = now()
    header = [_("Kecamatan"), _("Code"), _("Camat")] + column_headings(DISTRICT_COLUMNS) + [
        _("Jurisdiction"), _("Period from (local time)"), _("Period until (local time)"), _("As of (local time)")]

    def when(code: str) -> list:
        tz = zones.get(code, current_user.timezone)
        start, end = (datetime.fromisoformat(b.replace("Z", "+00:00")) for b in report["period"]["bounds"][code])
        return [code] + [clock_text(moment, tz, "iso") for moment in (start, end, at)]

    only = report["jurisdictions"][0] if len(report["jurisdictions"]) == 1 else None
    tail = when(only) if only else ["", "", "", clock_text(at, current_user.timezone, "iso")]
    rows = [[item["district"].get("name"), item["district"].get("code") or "", "; ".join(item["camats"])]
            + csv_cells(district_row(item).values()) + tail for item in report["items"]]
    rows.append([_("Total"), "", ""] + csv_cells(district_row(report["total"]).values()) + tail)
    return csv_response(f"performance-{report['period']['label']}-by-kecamatan.csv", header, rows)


# ---- contracts -------------------------------------------------------------------------------

@bp.get("/contracts")
@roles_required(*WEB_ROLES)
def contracts():
    session = db_session()
    items = performance.contracts_visible(session, current_user.actor)
    heads, camats = [], []
    if current_user.role == "admin":
        heads = list(session.execute(select(User, Agency).join(Agency, Agency.head_user_id == User.id)
                                     .order_by(Agency.code)))
        camats = list(session.execute(select(User, District).join(District, District.id == User.district_id)
                                      .where(User.role == "camat", User.active.is_(True))
                                      .order_by(District.code, User.name)))
    default_period = rules.period_containing(now(), current_user.timezone, "quarter").label
    return render_template("performance/contracts.html", items=items, heads=heads, camats=camats,
                           default_period=default_period,
                           periods=period_choices(default_period, now(), current_user.timezone, ahead=12))


@bp.post("/contracts")
@roles_required("admin")
def create_contract():
    form = request.form
    try:
        contract = performance.create_contract(
            db_session(), now(), current_user.actor, official=form.get("official", ""),
            period=form.get("period", ""), agency=form.get("agency") or None, district=form.get("district") or None,
            note=form.get("note") or None,
            on_time_rate=_percent(form.get("on_time_rate")), median_handle_minutes=form.get("median_handle_minutes"),
            p90_handle_minutes=form.get("p90_handle_minutes"), max_breaches=form.get("max_breaches"),
            max_reopened_share=_percent(form.get("max_reopened_share")))
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("performance.contracts"))
    flash(_("Contract saved."), "success")
    return redirect(url_for("performance.contract_page", contract_id=contract.id))


def _percent(raw):
    """Shares are typed as percentages on the form (95 means 95 %)."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return float(str(raw).strip().rstrip("%").strip().replace(",", ".")) / 100
    except ValueError:
        return raw  # the service names the field


def _review(contract_id: int) -> dict:
    return performance.contract_review(db_session(), now(), current_user.actor, contract_id)


def _local(iso: str | None, tz: str) -> str | None:
    """An API time ('...Z') as the jurisdiction's local time, for people."""
    return None if iso is None else local_time(datetime.fromisoformat(iso.replace("Z", "+00:00")), tz)


def _shown(review: dict) -> dict:
    tz = review["jurisdiction"]["timezone"]
    review["as_of_local"] = _local(review["as_of"], tz)
    review["period_last_day"] = date.fromisoformat(review["contract"]["period_end"]) - timedelta(days=1)
    for breach in review["breaches"]:
        for name in ("due_at", "met_at"):
            breach[f"{name}_local"] = _local(breach[name], tz)
    return review


TARGET_NAMES = {"on_time_rate": _l("On-time handling rate (at least)"),
                "median_handle_minutes": _l("Median minutes to handle (at most)"),
                "p90_handle_minutes": _l("90th percentile minutes to handle (at most)"),
                "max_breaches": _l("Handle breaches (at most)"), "max_reopened_share": _l("Share reopened (at most)")}
SHARE_TARGETS = ("on_time_rate", "max_reopened_share")


def verdict_names() -> dict:
    return {"met": _("Met"), "at_risk": _("At risk"), "missed": _("Missed"), "too_few": _("Too few to judge")}


def _target_value(target: str, value):
    return _share(value) if target in SHARE_TARGETS else number(value)


def _verdict_rows(review: dict) -> list[dict]:
    return [{"name": str(TARGET_NAMES[v["target"]]), "status": v["status"],
             "wanted": _target_value(v["target"], v["wanted"]), "actual": _target_value(v["target"], v["actual"])}
            for v in review["verdicts"]]


def _contract_chart(review: dict) -> Markup:
    points = review["trend"]["points"]
    labels = [_short_date(p["start"]) for p in points]
    target = review["contract"]["targets"]["on_time_rate"]
    series = [(_("On-time rate"), [p["on_time_rate"]["value"] for p in points])]
    if target is not None:
        series.append((_("Target"), [target] * len(points)))
    title = _("On-time rate by week") if review["trend"]["bucket"] == "week" else _("On-time rate by month")
    return line_chart(title, labels, series)


def _signatures(review: dict) -> dict:
    """The print view's signature block: where and when, the official reviewed (name and post), the reviewer."""
    place = review["jurisdiction"]["name"].replace("Kabupaten ", "").replace("Kota ", "")
    tenure = review["contract"].get("tenure") or {}
    return {"place": place, "date": local_date(review["as_of"][:10] if review["as_of"] else None),
            "official": tenure.get("name") or review["contract"]["official"]["name"],
            "title": tenure.get("title") or review["contract"]["agency"]["name"]}


def _contract_page(contract_id: int, printable: bool):
    review = _shown(_review(contract_id))
    return render_template("performance/contract.html", r=review, verdicts=_verdict_rows(review),
                           chart=_contract_chart(review), actual=flat(review["actuals"]), columns=COLUMNS,
                           printable=printable, verdict_names=verdict_names(), signatures=_signatures(review))


@bp.get("/contracts/<int:contract_id>")
@roles_required(*WEB_ROLES)
def contract_page(contract_id: int):
    return _contract_page(contract_id, printable=False)


@bp.get("/contracts/<int:contract_id>/print")
@roles_required(*WEB_ROLES)
def contract_print(contract_id: int):
    return _contract_page(contract_id, printable=True)


@bp.get("/contracts/<int:contract_id>/breaches.csv")
@roles_required(*WEB_ROLES)
def contract_breaches_csv(contract_id: int):
    """The breaches as evidence, times in the jurisdiction's local time (ISO 8601 with its offset)."""
    review = _review(contract_id)
    tz = review["jurisdiction"]["timezone"]

    def local(iso):
        return "" if iso is None else clock_text(datetime.fromisoformat(iso.replace("Z", "+00:00")), tz, "iso")

    kinds = {"acknowledge": _("acknowledge"), "handle": _("handle")}
    header = [_("Complaint"), _("Deadline"), _("District"), _("Due (local time)"), _("Detected (local time)"),
              _("Met (local time)"), _("Minutes late"), _("Still open"), _("Staff alert failed"),
              _("Staff alerted"), _("Official")]
    rows = [[b["ticket"], kinds.get(b["kind"], b["kind"]), b["district"], local(b["due_at"]), local(b["detected_at"]),
             local(b["met_at"]), b["minutes_late"]] + csv_cells([b["open"], b["notify_failed"], b["staff_notified"]])
            + [b["official"]] for b in review["breaches"]]
    return csv_response(f"contract-{contract_id}-breaches.csv", header, rows)


@bp.get("/contracts/<int:contract_id>/review.csv")
@roles_required(*WEB_ROLES)
def contract_review_csv(contract_id: int):
    review = _review(contract_id)
    names = verdict_names()
    rows = [[str(TARGET_NAMES[v["target"]]), _target_value(v["target"], v["wanted"]),
             _target_value(v["target"], v["actual"]), names.get(v["status"], v["status"])] for v in review["verdicts"]]
    rows += [[_("From %(date)s", date=local_date(p["start"])), "", _share(p["on_time_rate"]["value"]),
              _("received %(n)s, handle breaches %(b)s", n=p["received"], b=p["handle_breaches"])]
             for p in review["trend"]["points"]]
    return csv_response(f"contract-{contract_id}-review.csv", [_("Target"), _("Promised"), _("Actual"), _("Verdict")],
                        rows)
