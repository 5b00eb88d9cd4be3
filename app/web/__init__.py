"""Staff web: sign-in, supervisor dashboard, officer workspace, counter intake and admin settings.

`register_web(app)` wires Flask-Login, CSRF (not on the machine paths), Flask-Babel, the sign-in
rate limit, security headers and the blueprints."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask, request, send_from_directory, session as cookie
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from app.services.access.web_auth import client_key

# Machine-facing paths: Bearer tokens, webhook signatures; never a browser form. And the public
# pages, which change nothing and keep no cookie (app/web/public.py).
CSRF_EXEMPT_BLUEPRINTS = ("api", "telegram", "sms", "open311", "public")
CSRF_EXEMPT_PREFIXES = ("/api/", "/webhooks/", "/open311/")
WEB_BLUEPRINTS = ("web", "auth", "dashboard", "workspace", "settings", "sms_demo", "performance")
SIGN_IN_LIMIT = "10 per minute;60 per hour"
LEAFLET_DIR = Path(__file__).resolve().parents[2] / "node_modules" / "leaflet" / "dist"


class _NoCookieOnMachinePaths(SecureCookieSessionInterface):
    """Machine paths (API, webhooks, Open311) never sign in nor keep a cookie: no session is opened
    for them (reads find it empty), which spares every partner call and webhook the cookie's
    parse, signature check and save check."""

    def open_session(self, app, request):
        if request.path.startswith(CSRF_EXEMPT_PREFIXES):
            return self.null_session_class()
        return super().open_session(app, request)


def _locale() -> str:
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.language
    chosen = cookie.get("lang")
    if chosen in LANGUAGES:
        return chosen
    # Indonesian until someone chooses otherwise (the button on every page): staff browsers set to
    # English still see the regency's language first, as the signed-in pages follow the user's own.
    return DEFAULT_LANGUAGE


def _is_machine_path() -> bool:
    root = (request.blueprint or "").split(".")[0]
    return root in CSRF_EXEMPT_BLUEPRINTS or request.path.startswith(CSRF_EXEMPT_PREFIXES)


def register_web(app: Flask) -> None:
    """Register the staff web: extensions, blueprints, templates and static files."""
    from app.web import access, auth, dashboard, search, settings, views, workspace
    from app.web.formatting import register_filters

    settings_obj = app.extensions["sigap"].settings
    production = bool(getattr(settings_obj, "production", False))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=production,
        REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=production,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12), WTF_CSRF_TIME_LIMIT=12 * 3600,
    )
    # Checked in our own before_request so that machine paths stay exempt by name and prefix.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)

    app.session_interface = _NoCookieOnMachinePaths()
    login = LoginManager()
    login.login_view = "auth.signin"
    login.login_message = None
    login.session_protection = "basic"
    login.user_loader(access.load_user)
    login.unauthorized_handler(access.unauthorized)
    login.init_app(app)

    csrf = CSRFProtect(app)

    @app.before_request
    def _csrf_for_browser_paths():
        if request.endpoint == "workspace.act":  # before the form is read: a phone photo is larger than the default
            request.max_content_length = workspace.MAX_PHOTO_BYTES + 64 * 1024
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and not _is_machine_path():
            csrf.protect()

    Babel(app, locale_selector=_locale)

    # The app's one Flask-Limiter (app/security.py: same store, shared between workers when the
    # deployment names one); a second instance would cost every request its hooks again.
    limiter = app.extensions.get("sigap_security_limiter")
    if limiter is None:
        storage = getattr(settings_obj, "ratelimit_storage_uri", None) or app.config["RATELIMIT_STORAGE_URI"]
        limiter = Limiter(get_remote_address, app=app, storage_uri=storage,
                          default_limits=[], strategy="fixed-window")
    # Per client as the sign-in throttle counts it (an IPv6 client by its /64), not per full address.
    limiter.limit(SIGN_IN_LIMIT, methods=["POST"], key_func=lambda: client_key(get_remote_address()))(auth.bp)
    app.extensions["sigap_web_limiter"] = limiter

    for blueprint in (views.bp, auth.bp, dashboard.bp, workspace.bp, search.bp, settings.bp):
        app.register_blueprint(blueprint)
    from app.web import public

    public.install(app, limiter)
    register_filters(app)

    @app.get("/favicon.ico")
    def favicon():
        """Browsers ask for it at the root whatever the page says: the same mark as the page's own icon link."""
        return send_from_directory(Path(__file__).resolve().parent / "static", "favicon.svg",
                                   mimetype="image/svg+xml", max_age=86400)

    @app.get("/web/vendor/leaflet/<path:filename>")
    def leaflet_asset(filename: str):
        return send_from_directory(LEAFLET_DIR, filename, max_age=86400)
