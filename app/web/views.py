"""The staff web's frame: home per role, sign-out, language switch, static files and HTML error pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.domain.ladder import ACKNOWLEDGE, HANDLE
from app.extensions import db_session, now
from app.services.access import web_auth
from app.services.errors import ServiceError

bp = Blueprint("web", __name__, static_folder="static", static_url_path="/web/static",
               template_folder="templates")


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site relative paths: never an open redirect."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


def has_performance_pages() -> bool:
    return "performance" in current_app.blueprints


def home_for(role: str) -> str:
    if role in ("officer", "agency_head"):
        return url_for("workspace.queue")
    if role == "official" and has_performance_pages():
        return url_for("performance.report_page")
    return url_for("dashboard.dashboard")


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.signin"))
    return redirect(home_for(current_user.role))


@bp.post("/signout")
def signout():
    if current_user.is_authenticated:  # server-side: a copy of this cookie stops working too
        web_auth.sign_out(db_session(), now(), current_user.id)
    logout_user()
    cookie.clear()
    return redirect(url_for("auth.signin"))


@bp.post("/language")
def language():
    lang = request.form.get("lang", "")
    if lang in ("id", "en"):
        if current_user.is_authenticated:
            web_auth.set_language(db_session(), now(), current_user.id, lang)
        cookie["lang"] = lang
    return redirect(safe_next(request.form.get("next"), url_for("web.home")))


def render_error(status: int, title: str, message: str):
    return render_template("error.html", status=status, title=title, message=message), status


def labels() -> dict:
    """Translated names of roles, SLA states and statuses, for every staff template."""
    return {
        "role_names": {"officer": _("Officer"), "agency_head": _("Agency head"), "supervisor": _("Supervisor"),
                       "official": _("Official"), "camat": _("Camat"), "admin": _("Administrator"),
                       "partner": _("Partner")},
        "state_names": {"on_track": _("On track"), "reminder": _("Reminder sent"), "warned": _("Warned"),
                        "breached": _("Late to handle"), "ack_late": _("Late to acknowledge"),
                        "stopped": _("Clock stopped")},
        "status_names": {"received": _("Received"), "triage": _("Triage"), "assigned": _("Assigned"),
                         "acknowledged": _("Acknowledged"), "handled": _("Handled"), "resolved": _("Resolved"),
                         "closed": _("Closed"), "rejected": _("Rejected")},
        "reason_names": {"spam": _("Spam"), "duplicate": _("Duplicate of another ticket"),
                         "out_of_scope": _("Out of scope")},
        "event_names": {"received": _("Received"), "routed": _("Routed"), "triaged": _("Sent to triage"),
                        "assigned": _("Assigned"), "transferred": _("Transferred"), "acknowledged": _("Acknowledged"),
                        "handled": _("Handled"), "resolved": _("Resolved"), "reopened": _("Reopened"),
                        "rejected": _("Rejected"), "closed": _("Closed"), "linked_repeat": _("Linked as a repeat"),
                        "reminded": _("Reminder sent"), "warned": _("Warning sent"), "breached": _("Deadline missed"),
                        "escalated": _("Escalated"), "message_sent": _("Message sent"),
                        "message_failed": _("Message failed"), "viewed": _("Viewed"),
                        "reporter_detached": _("Anonymous reporter's contact erased"),
                        "breach_met": _("Missed deadline met"), "breach_withdrawn": _("Breach withdrawn"),
                        "commented": _("Comment"), "nudged": _("Agency nudged")},
        "level_names": {"village_head": _("village head"), "camat": _("camat"), "agency_head": _("agency head"),
                        "regional_secretary": _("regional secretary"), "regent_office": _("regent's office"),
                        "regent": _("regent"), "supervisors": _("supervisors")},
        "channel_names": {"api": "API", "telegram": "Telegram", "sms": "SMS", "whatsapp": "WhatsApp",
                          "web": "Web", "counter": _("Walk-in counter"), "phone": _("Phone call"),
                          "open311": "Open311"},
    }


ESCALATED_FOR = ("", ACKNOWLEDGE, HANDLE)


def escalation_words(level, escalated_for: str | None = None) -> str:
    """"Escalated to <level>", naming the deadline whose miss drove it (BoardRow.escalated_for) in the
    words of the row's own late badges, when known; the board's rows and the complaint's page say it alike."""
    if escalated_for == ACKNOWLEDGE:
        return _("Escalated to %(level)s · late to acknowledge", level=level)
    if escalated_for == HANDLE:
        return _("Escalated to %(level)s · late to handle", level=level)
    return _("Escalated to %(level)s", level=level)


def board_labels(level_names: dict) -> dict:
    """The words of one row of the open-complaints list, translated once per list instead of once per
    row (the poll renders up to 200 rows every 15 seconds per open dashboard), and the link prefix of a
    complaint's page (tickets are URL-safe)."""
    return {
        "handle": _("Handle:"), "triage": _("Triage:"), "acknowledge": _("Acknowledge:"),
        "reopened_title": _("Citizen said it was not handled"), "reopened": _("reopened"), "repeat": _("repeat"),
        "in_triage": _("(triage)"), "accountable": _("Accountable:"), "nobody_named": _("nobody named"),
        "officer": _("Officer:"), "nobody_yet": _("nobody yet"), "not_escalated": _("Not escalated"),
        # Per deadline whose miss drove the escalation ("" when not recorded), per level code.
        "escalated": {clock: {code: escalation_words(name, clock) for code, name in level_names.items()}
                      for clock in ESCALATED_FOR},
        "complaint_url": url_for("workspace.complaint", ticket="T")[:-1],
    }


def demo_citizen_open() -> bool:
    """Whether the menu links /demo/citizen: console mode (no Twilio, not production), for the roles it serves."""
    from app.extensions import state

    settings = state().settings
    return ("sms_demo" in current_app.blueprints and not settings.production and not settings.twilio_account_sid
            and current_user.is_authenticated and current_user.role in ("supervisor", "admin"))


def _page_context() -> dict:
    locale = get_locale()
    return {"lang": "en" if locale is not None and locale.language == "en" else "id", "server_now": now(),
            "has_performance": has_performance_pages(), "demo_citizen": demo_citizen_open(), "map_tiles": map_tiles(),
            "board_labels": board_labels, "escalation_words": escalation_words, **labels()}


def map_tiles() -> dict:
    """The operator's tile server for the staff maps (URL template and attribution), or None for both: no base map."""
    from app.extensions import state

    settings = state().settings
    return {"url": getattr(settings, "map_tile_url", None), "attribution": getattr(settings, "map_tile_attribution", None)}


def install_error_pages(blueprint: Blueprint) -> None:
    """HTML error pages and the shared template context for a staff blueprint (the app-wide
    handlers answer JSON for machines)."""
    blueprint.context_processor(_page_context)

    @blueprint.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, _("This form has expired"),
                            _("The page was open too long or came from elsewhere. Go back, reload it and try again."))

    @blueprint.errorhandler(ServiceError)
    def _service(exc: ServiceError):
        status = exc.status if exc.status in (403, 404, 409, 422) else 400
        if status == 404:
            return render_error(404, _("Not found"), _("There is no such page or complaint, or it is not yours to see."))
        return render_error(status, _("That did not work"), exc.message)

    @blueprint.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        if status == 404:
            return render_error(404, _("Not found"), _("There is no such page or complaint, or it is not yours to see."))
        if status == 403:
            return render_error(403, _("Not for your role"), _("Your role does not open this page."))
        if status == 429:
            return render_error(429, _("Too many attempts"), _("Wait a minute, then try again."))
        if status == 413:
            return render_error(413, _("Too large"), _("The file is too large: send a photo of at most 8 MB."))
        if status == 405:
            return render_error(405, _("Not allowed"), _("This page cannot be used that way."))
        return render_error(status, _("Something is wrong with the request"), exc.description or exc.name)


install_error_pages(bp)
