"""Public pages, no sign-in: a citizen following their report (`/lacak`, ticket plus the code on
the receipt) and a regency's figures (`/publik/<jurisdiction>`, with its open data). Texts come from the citizens'
message catalogues (Indonesian first), not the staff translations.

The lookup is a POST (the code never lands in a URL, a log line or a Referer), carries no CSRF
token (it changes nothing, and a citizen's phone need not keep a cookie), and is rate-limited per
client and, for wrong codes, per ticket. Its answer keeps the app-wide `Cache-Control: no-store`."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from flask_limiter.util import get_remote_address

from app.domain.local_time import local_time
from app.extensions import db_session, now
from app.i18n import LANGUAGES, normalise_language, t
from app.services.access.web_auth import client_key
from app.services.errors import ServiceError
from app.services.reporting import public_figures, public_status

bp = Blueprint("public", __name__, template_folder="templates")

LOOKUP_LIMIT = "10 per minute;60 per hour"  # per client (an IPv6 client by its /64)
WRONG_CODE_LIMIT = "20 per hour"  # per ticket, wrong codes only: guessing from many addresses
FIGURES_LIMIT = "120 per minute"  # per client: the figures are cached, this keeps one client from hogging
# The figures are aggregates with nothing personal in them, the same for everyone: browsers and
# proxies may keep them for a while (the one deliberate exception to the app-wide no-store).
FIGURES_CACHE_CONTROL = "public, max-age=300"


def page_language(chosen: str | None = None, fallback: str | None = None) -> str:
    """The visitor's choice, else `fallback` (the citizen's own language, or Indonesian first), else the browser's."""
    if chosen in LANGUAGES:
        return chosen
    if fallback in LANGUAGES:
        return fallback
    return request.accept_languages.best_match(LANGUAGES) or "id"


def texts(lang: str):
    return lambda key, **params: t(key, lang, **params)


@bp.get("/lacak")
def track_form():
    lang = page_language(request.args.get("lang"), "id")
    ticket = public_status.normal_ticket(request.args.get("tiket"))
    # The result page speaks the citizen's own language unless the visitor chose one here.
    chosen = request.args.get("lang") if request.args.get("lang") in LANGUAGES else None
    return render_template("public/track_form.html", lang=lang, tr=texts(lang), ticket=ticket, error=None,
                           chosen=chosen)


def _ticket_key() -> str:
    return "lacak-ticket:" + (public_status.normal_ticket(request.form.get("ticket")) or "-")


@bp.post("/lacak")
def track():
    form = request.form
    status = public_status.find(db_session(), form.get("ticket"), form.get("code"), now())
    if status is None:
        lang = page_language(form.get("lang"), "id")
        return render_template("public/track_form.html", lang=lang, tr=texts(lang), chosen=form.get("lang"),
                               ticket=public_status.normal_ticket(form.get("ticket")),
                               error=t("public.track.not_found", lang)), 404
    lang = normalise_language(page_language(form.get("lang"), status.language))
    tr = texts(lang)

    def when(at):
        return local_time(at, status.timezone, "long", lang)

    steps = []
    for step in status.steps:
        reason = t(f"core.reason.{step.reason}", lang, other="-") if step.reason else ""
        steps.append({"at": when(step.at), "text": tr(f"public.step.{step.kind}",
                                                       agency=step.agency or tr("public.track.agency_pending"),
                                                       note=step.note or "-", reason=reason)})
    return render_template("public/track.html", lang=lang, tr=tr, status=status, steps=steps, when=when,
                           code=form.get("code", ""))


def _document_or_error(parse: bool = True):
    try:
        return public_figures.document(db_session(), now(), request.view_args["jurisdiction"],
                                       request.args.get("year") or request.args.get("tahun"), parse=parse), None
    except ServiceError as exc:
        return (None, None), exc


def _figures_or_error():
    (_payload, data), error = _document_or_error()
    return data, error


def _cacheable(response):
    response.headers["Cache-Control"] = FIGURES_CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@bp.get("/publik/<jurisdiction>/data.json")
def figures_json(jurisdiction: str):
    (payload, _data), error = _document_or_error(parse=False)
    if error is not None:
        return jsonify({"error": {"code": error.code, "message": error.message}}), error.status
    return _cacheable(Response(payload, mimetype="application/json"))  # the stored document as it is


@bp.get("/publik/<jurisdiction>/data.csv")
def figures_csv(jurisdiction: str):
    data, error = _figures_or_error()
    if error is not None:
        return Response(error.message + "\n", status=error.status, mimetype="text/plain")
    response = Response(public_figures.as_csv(data), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="sigap-{data["jurisdiction"]["code"]}-{data["year"]}.csv"'
    return _cacheable(response)


@bp.get("/publik/<jurisdiction>")
def figures_page(jurisdiction: str):
    lang = page_language(request.args.get("lang"), "id")
    data, error = _figures_or_error()
    if error is not None:
        return render_template("public/message.html", lang=lang, tr=texts(lang), message=error.message), error.status
    with_reports = [c["month"] for c in data["total"] if c["reports"] is not None or c["handled_within_rule"]["of"]]
    month = request.args.get("bulan") or request.args.get("month")
    if month not in data["months"]:
        month = with_reports[-1] if with_reports else data["months"][-1]
    label = month_label(month, lang)

    def in_month(item):
        return next((c for c in item["months"] if c["month"] == month), None)

    agencies = [(i, in_month(i)) for i in data["agencies"] if in_month(i)]
    districts = [(i, in_month(i)) for i in data["districts"] if in_month(i)]
    return _cacheable(Response(render_template(
        "public/figures.html", lang=lang, tr=texts(lang), data=data, month=month, month_label=label,
        month_label_of=lambda m: month_label(m, lang), agencies=agencies, districts=districts,
        rules=[rule_text(r, lang) for r in data["rules"]])))


def month_label(month: str, lang: str) -> str:
    from app.domain.local_time import MONTHS

    year, number = month.split("-")
    return f"{MONTHS['en' if lang == 'en' else 'id'][int(number) - 1]} {year}"


def rule_text(rule: dict, lang: str) -> str:
    hours = rule["handle_minutes"] / 60
    category = t("public.figures.rule_category", lang, category=rule["category"]) if rule["category"] else ""
    return t("public.figures.rule_line", lang, since=rule["effective_from_local"],
             hours=f"{hours:g}" if lang == "en" else f"{hours:g}".replace(".", ","), category=category)


def install(app, limiter) -> None:
    """Register the public pages with the app's one limiter."""
    app.register_blueprint(bp)
    # Wrapped where the app looks the view up (as app/security.py does for /metrics): the blueprint
    # is shared by every app made in one process, the limiter is this app's.
    view = app.view_functions["public.track"]
    view = limiter.limit(WRONG_CODE_LIMIT, key_func=_ticket_key,
                         deduct_when=lambda response: response.status_code == 404)(view)
    view = limiter.limit(LOOKUP_LIMIT, key_func=lambda: client_key(get_remote_address()))(view)
    app.view_functions["public.track"] = view
    for name in ("public.figures_page", "public.figures_json", "public.figures_csv"):
        app.view_functions[name] = limiter.limit(FIGURES_LIMIT, key_func=lambda: client_key(get_remote_address()))(
            app.view_functions[name])


@bp.errorhandler(429)
def _too_many(exc):
    lang = page_language(request.form.get("lang") or request.args.get("lang"), "id")
    return render_template("public/track_form.html", lang=lang, tr=texts(lang), ticket="", chosen=None,
                           error=t("public.track.too_many", lang)), 429
