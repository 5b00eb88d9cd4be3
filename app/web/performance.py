"""Performance pages: report tables with server-drawn SVG charts, officials' contracts with the
breaches as evidence, CSV exports of every table and a printable contract review."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Flask, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
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
from app.web.formatting import local_time
from app.web.views import install_error_pages

bp = Blueprint("performance", __name__, url_prefix="/performance", template_folder="templates",
               static_folder="static/performance", static_url_path="/static")
install_error_pages(bp)

PALETTE = ("#0b5d57", "#b45309", "#1d4ed8", "#9d174d", "#4d7c0f", "#6d28d9", "#0e7490", "#b91c1c")
COLUMNS = (
    ("received", "Received"), ("handled_on_time", "Handled on time"), ("handled_late", "Handled late"),
    ("open_late", "Open past deadline"), ("late", "Late in all"), ("open_not_due", "Open, not yet due"),
    ("open_backlog", "Open backlog"), ("on_time_rate", "On-time rate"), ("judged", "Rate over"),
    ("too_few_to_judge", "Too few to judge"), ("ack_on_time", "Acknowledged on time"),
    ("ack_late", "Acknowledged late"), ("ack_median_minutes", "Median min. to acknowledge"),
    ("ack_p90_minutes", "P90 min. to acknowledge"), ("ack_breaches_staff_told", "Ack. breaches, staff alerted"),
    ("ack_breaches_notify_failed", "Ack. breaches, alert failed"), ("handle_median_minutes", "Median min. to handle"),
    ("handle_p90_minutes", "P90 min. to handle"), ("handle_breaches_staff_told", "Handle breaches, staff alerted"),
    ("handle_breaches_notify_failed", "Handle breaches, alert failed"), ("reopened", "Reopened"),
    ("reopened_share", "Reopened share"), ("satisfaction_mean", "Satisfaction (1-4)"),
    ("satisfaction_answered", "Satisfaction answers"), ("satisfaction_response_rate", "Survey response rate"),
    ("satisfaction_too_few", "Satisfaction: too few to judge"),
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
        "too_few_to_judge": "yes" if figures["on_time_rate"]["too_few_to_judge"] else "no",
        "ack_on_time": ack["on_time"], "ack_late": ack["late"],
        "ack_median_minutes": ack["median_minutes"], "ack_p90_minutes": ack["p90_minutes"],
        "ack_breaches_staff_told": ack["breaches"]["staff_told"],
        "ack_breaches_notify_failed": ack["breaches"]["notify_failed"],
        "handle_median_minutes": handle["median_minutes"], "handle_p90_minutes": handle["p90_minutes"],
        "handle_breaches_staff_told": handle["breaches"]["staff_told"],
        "handle_breaches_notify_failed": handle["breaches"]["notify_failed"],
        "reopened": figures["reopened"], "reopened_share": _share(figures["reopened_share"]["value"]),
        **_satisfaction(figures.get("satisfaction")),
    }


def _satisfaction(sat: dict | None) -> dict:
    if sat is None:  # a trend point or contract row: no survey figures there
        return {"satisfaction_mean": None, "satisfaction_answered": None, "satisfaction_response_rate": None,
                "satisfaction_too_few": None}
    return {"satisfaction_mean": sat["mean_score"], "satisfaction_answered": sat["answered"],
            "satisfaction_response_rate": _share(sat["response_rate"]["value"]),
            "satisfaction_too_few": "yes" if sat["too_few_to_judge"] else "no"}


def _share(value) -> str | None:
    return None if value is None else f"{value * 100:.1f}%"


def group_label(group: dict) -> str:
    if group.get("code") and group.get("name"):
        return f"{group['name']} ({group['code']})"
    return group.get("name") or group.get("username") or str(group.get("id"))


def csv_response(filename: str, header: list[str], rows) -> Response:
    """A CSV download, written by the one safe writer (formula cells neutralised, UTF-8 with BOM)."""
    return Response(spreadsheet.csv_text(header, rows), content_type=spreadsheet.CONTENT_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ---- charts (inline SVG, drawn here; no script) ------------------------------------------------

def line_chart(title: str, x_labels: list[str], series: list[tuple[str, list]], width=640, height=260) -> Markup:
    """Shares (0..1, None for no data) over time, one line per series, with a legend."""
    left, right, top, bottom = 44, 12, 16, 40 + 16 * ((len(series) + 2) // 3)
    plot_w, plot_h = width - left - right, height - top - 56
    height = top + plot_h + bottom
    step = plot_w / max(len(x_labels) - 1, 1)
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dde2e7"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#555">{pct}%</text>')
    for i, label in enumerate(x_labels):
        x = left + step * i
        parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="10" '
                     f'fill="#555">{escape(label)}</text>')
    for n, (name, values) in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        points = [(left + step * i, top + plot_h * (1 - v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        for (x, y), v in zip(points, [v for v in values if v is not None]):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"><title>{escape(name)}: '
                         f'{v * 100:.1f}%</title></circle>')
        lx, ly = left + (n % 3) * (plot_w / 3), top + plot_h + 34 + 16 * (n // 3)
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{lx + 14:.1f}" y="{ly}" font-size="11" fill="#222">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(title: str, bars: list[tuple[str, int | float]], width=640, bar_h=22, color=PALETTE[0],
              unit: str = "") -> Markup:
    """Horizontal bars with their values written beside them."""
    left, right = 170, 60
    height = 12 + bar_h * max(len(bars), 1)
    top = max((v for _l, v in bars), default=0) or 1
    parts = [f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(bars):
        y = 6 + i * bar_h
        w = (width - left - right) * (value / top)
        parts.append(f'<text x="{left - 6}" y="{y + bar_h * 0.65:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#222">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="{color}"/>'
                     f'<text x="{left + w + 4:.1f}" y="{y + bar_h * 0.65:.1f}" font-size="11" '
                     f'fill="#222">{escape(str(value))}{escape(unit)}</text>')
    if not bars:
        parts.append(f'<text x="{left}" y="20" font-size="12" fill="#555">{escape(_("Nothing to show"))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _histogram_label(bucket: dict) -> str:
    def hours(m):
        return f"{m // 60} h" if m % 60 == 0 else f"{m} min"

    if bucket["to_minutes"] is None:
        return f"≥ {hours(bucket['from_minutes'])}"
    return f"{hours(bucket['from_minutes'])} – {hours(bucket['to_minutes'])}"


# ---- the report page ---------------------------------------------------------------------------

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
        "trend": line_chart(_("On-time rate per agency"), [b[5:] for b in trend["buckets"]],
                            [(s["group"].get("code") or s["group"]["name"],
                              [p["on_time_rate"]["value"] if p else None for p in s["points"]])
                             for s in trend["series"]]),
        "histogram": bar_chart(_("Time to handle"), [(_histogram_label(b), b["count"]) for b in histogram]),
        "districts": bar_chart(_("Breaches by district"), [(b["district"]["name"], b["total"])
                                                            for b in by_district[:25]], color="#b91c1c"),
    }
    jurisdictions = list(session.scalars(select(Jurisdiction).order_by(Jurisdiction.code))) \
        if actor.role == "admin" else []
    rows = [(group_label(item["group"]), flat(item), item) for item in report["items"]]
    report["as_of_local"] = local_time(at, current_user.timezone)
    return render_template("performance/report.html", report=report, rows=rows, total=flat(report["total"]),
                           columns=COLUMNS, params=params, charts=charts, group_names=GROUP_NAMES(),
                           jurisdictions=jurisdictions, trend=trend, histogram=histogram, by_district=by_district)


def GROUP_NAMES() -> dict:  # noqa: N802 (translated at request time)
    return {"agency": _("Agency"), "official": _("Official"), "category": _("Category"), "district": _("District"),
            "jurisdiction": _("Jurisdiction")}


@bp.get("/report.csv")
@roles_required(*WEB_ROLES)
def report_csv():
    params = _params()
    report = performance.report(db_session(), now(), current_user.actor, **params)
    header = [params["group_by"], "code"] + [name for name, _label in COLUMNS]
    rows = [[item["group"].get("name") or item["group"].get("username"), item["group"].get("code") or
             item["group"].get("username") or ""] + list(flat(item).values()) for item in report["items"]]
    rows.append(["total", ""] + list(flat(report["total"]).values()))
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
            rows.append([group_label(s["group"]), start] + (list(flat(point).values()) if point else
                                                             [0] * len(COLUMNS)))
    return csv_response(f"performance-trend-{params['period']}.csv",
                        [params["group_by"], "from"] + [name for name, _l in COLUMNS], rows)


@bp.get("/histogram.csv")
@roles_required(*WEB_ROLES)
def histogram_csv():
    params = _params()
    buckets = performance.histogram(db_session(), now(), current_user.actor, period=params["period"],
                                    jurisdiction=params["jurisdiction"])
    return csv_response(f"time-to-handle-{params['period']}.csv", ["from_minutes", "to_minutes", "complaints"],
                        [[b["from_minutes"], b["to_minutes"], b["count"]] for b in buckets])


@bp.get("/breaches-by-district.csv")
@roles_required(*WEB_ROLES)
def districts_csv():
    params = _params()
    rows = performance.breaches_by_district(db_session(), now(), current_user.actor, period=params["period"],
                                            jurisdiction=params["jurisdiction"])
    return csv_response(f"breaches-by-district-{params['period']}.csv",
                        ["district", "code", "ack_staff_alerted", "ack_alert_failed", "handle_staff_alerted",
                         "handle_alert_failed", "total"],
                        [[r["district"]["name"], r["district"].get("code"), r["acknowledge"]["staff_told"],
                          r["acknowledge"]["notify_failed"], r["handle"]["staff_told"], r["handle"]["notify_failed"],
                          r["total"]] for r in rows])


# ---- per kecamatan: the camats compared ----------------------------------------------------------

DISTRICT_COLUMNS = (
    ("received", "Received"), ("on_time_rate", "On-time rate"), ("too_few_to_judge", "Too few to judge"),
    ("handle_median_minutes", "Median min. to handle"), ("handle_p90_minutes", "P90 min. to handle"),
    ("ack_breaches", "Acknowledge breaches"), ("handle_breaches", "Handle breaches"),
    ("breaches_alert_failed", "Breaches, alert failed"), ("reopened", "Reopened"), ("disputed", "Disputed"),
    ("open_late", "Open past deadline"),
)


def district_row(item: dict) -> dict:
    """One kecamatan's figures as plain columns (the table and its CSV)."""
    ack, handle = item["acknowledge"], item["handle"]
    return {
        "received": item["received"], "on_time_rate": _share(item["on_time_rate"]["value"]),
        "too_few_to_judge": "yes" if item["on_time_rate"]["too_few_to_judge"] else "no",
        "handle_median_minutes": handle["median_minutes"], "handle_p90_minutes": handle["p90_minutes"],
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
                      [(item["district"]["name"], round(item["on_time_rate"]["value"] * 100, 1))
                       for item in ranked[:25]], unit="%")
    return render_template("performance/districts.html", report=report, params=params, chart=chart,
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
    header = ["district", "code", "camats"] + [name for name, _label in DISTRICT_COLUMNS] + [
        "jurisdiction", "period_from_local", "period_until_local", "as_of_local"]

    def when(code: str) -> list:
        tz = zones.get(code, current_user.timezone)
        start, end = (datetime.fromisoformat(b.replace("Z", "+00:00")) for b in report["period"]["bounds"][code])
        return [code] + [clock_text(moment, tz, "iso") for moment in (start, end, at)]

    only = report["jurisdictions"][0] if len(report["jurisdictions"]) == 1 else None
    tail = when(only) if only else ["", "", "", clock_text(at, current_user.timezone, "iso")]
    rows = [[item["district"].get("name"), item["district"].get("code") or "", "; ".join(item["camats"])]
            + list(district_row(item).values()) + tail for item in report["items"]]
    rows.append(["total", "", ""] + list(district_row(report["total"]).values()) + tail)
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
    return render_template("performance/contracts.html", items=items, heads=heads, camats=camats,
                           default_period=rules.period_containing(now(), current_user.timezone, "quarter").label)


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
        return float(str(raw).strip().rstrip("%")) / 100
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
    for breach in review["breaches"]:
        for name in ("due_at", "met_at"):
            breach[f"{name}_local"] = _local(breach[name], tz)
    return review


TARGET_NAMES = {"on_time_rate": "On-time handling rate (at least)", "median_handle_minutes": "Median minutes to handle (at most)",
                "p90_handle_minutes": "90th percentile minutes to handle (at most)",
                "max_breaches": "Handle breaches (at most)", "max_reopened_share": "Share reopened (at most)"}


def _verdict_rows(review: dict) -> list[dict]:
    rows = []
    for v in review["verdicts"]:
        share = v["target"] in ("on_time_rate", "max_reopened_share")
        rows.append({"name": _(TARGET_NAMES[v["target"]]), "status": v["status"],
                     "wanted": _share(v["wanted"]) if share else v["wanted"],
                     "actual": _share(v["actual"]) if share else v["actual"]})
    return rows


def _contract_chart(review: dict) -> Markup:
    points = review["trend"]["points"]
    labels = [p["start"][5:] for p in points]
    target = review["contract"]["targets"]["on_time_rate"]
    series = [(_("On-time rate"), [p["on_time_rate"]["value"] for p in points])]
    if target is not None:
        series.append((_("Target"), [target] * len(points)))
    return line_chart(_("On-time rate by week"), labels, series)


@bp.get("/contracts/<int:contract_id>")
@roles_required(*WEB_ROLES)
def contract_page(contract_id: int):
    review = _shown(_review(contract_id))
    return render_template("performance/contract.html", r=review, verdicts=_verdict_rows(review),
                           chart=_contract_chart(review), actual=flat(review["actuals"]), columns=COLUMNS,
                           printable=False)


@bp.get("/contracts/<int:contract_id>/print")
@roles_required(*WEB_ROLES)
def contract_print(contract_id: int):
    review = _shown(_review(contract_id))
    return render_template("performance/contract.html", r=review, verdicts=_verdict_rows(review),
                           chart=_contract_chart(review), actual=flat(review["actuals"]), columns=COLUMNS,
                           printable=True)


@bp.get("/contracts/<int:contract_id>/breaches.csv")
@roles_required(*WEB_ROLES)
def contract_breaches_csv(contract_id: int):
    review = _review(contract_id)
    fields = ["ticket", "kind", "district", "due_at", "detected_at", "met_at", "minutes_late", "open",
              "notify_failed", "staff_notified", "official"]
    return csv_response(f"contract-{contract_id}-breaches.csv", fields,
                        [[b[f] for f in fields] for b in review["breaches"]])


@bp.get("/contracts/<int:contract_id>/review.csv")
@roles_required(*WEB_ROLES)
def contract_review_csv(contract_id: int):
    review = _review(contract_id)
    rows = [[v["target"], v["wanted"], v["actual"], v["status"]] for v in review["verdicts"]]
    rows += [[f"week {p['start']}", "", p["on_time_rate"]["value"], f"received {p['received']}, "
              f"handle breaches {p['handle_breaches']}"] for p in review["trend"]["points"]]
    return csv_response(f"contract-{contract_id}-review.csv", ["target", "wanted", "actual", "status"], rows)
