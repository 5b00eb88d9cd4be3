"""Sign-in: argon2-checked passwords, a lockout after repeated failures, rate limited per address."""
from __future__ import annotations

import math

from flask import Blueprint, redirect, render_template, request, session as cookie, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.extensions import db_session, now
from app.services import web_auth
from app.web.access import staff_user
from app.web.views import home_for, install_error_pages, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user.role))
    error = None
    username = ""
    status = 200
    if request.method == "POST":
        username = request.form.get("username", "")
        session = db_session()
        result = web_auth.sign_in(session, now(), username, request.form.get("password", ""))
        if result.outcome == "ok":
            user = staff_user(session, result.user)
            cookie.clear()  # a fresh session: no fixation of a cookie set before sign-in
            login_user(user)
            cookie["lang"] = user.language
            cookie.permanent = True
            return redirect(safe_next(request.args.get("next"), home_for(user.role)))
        if result.outcome == "locked":
            minutes = max(1, math.ceil((result.locked_until - now()).total_seconds() / 60))
            error = _("Too many failed attempts: this account is locked for %(minutes)s more minutes. "
                      "An administrator can unlock it.", minutes=minutes)
            status = 423
        else:
            error = _("Wrong username or password.")
            status = 401
    return render_template("signin.html", error=error, username=username), status


install_error_pages(bp)
