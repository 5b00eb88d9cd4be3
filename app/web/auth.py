"""Sign-in: argon2-checked passwords, throttled per typed username and address (app/services/access/web_auth.py)
and rate limited per address; unknown and known usernames get the same answer."""
from __future__ import annotations

import math

from flask import Blueprint, redirect, render_template, request
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.extensions import db_session, now
from app.services.access import web_auth
from app.web.access import staff_user
from app.web.views import home_for, install_error_pages, safe_next

bp = Blueprint("auth", __name__)


def _wait_text(seconds: int) -> str:
    if seconds < 60:
        return _("%(seconds)s seconds", seconds=seconds)
    return _("%(minutes)s minutes", minutes=math.ceil(seconds / 60))


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user.role))
    error = None
    username = ""
    status = 200
    headers = {}
    if request.method == "POST":
        username = request.form.get("username", "")
        session = db_session()
        result = web_auth.sign_in(session, now(), username, request.form.get("password", ""), request.remote_addr)
        if result.outcome == "ok":
            user = staff_user(session, result.user)
            cookie.clear()  # a fresh session: no fixation of a cookie set before sign-in
            login_user(user)
            cookie["lang"] = user.language
            cookie.permanent = True
            return redirect(safe_next(request.args.get("next"), home_for(user.role)))
        if result.outcome == "throttled":
            # The same words for every username, existing or not: the throttle is the typed name's.
            error = _("Too many failed sign-in attempts for this username. Try again in %(wait)s, "
                      "or ask an administrator to clear the sign-in block.", wait=_wait_text(result.retry_after))
            status = 429
            headers["Retry-After"] = str(result.retry_after)
        else:
            error = _("Wrong username or password.")
            status = 401
    return render_template("signin.html", error=error, username=username), status, headers


install_error_pages(bp)
