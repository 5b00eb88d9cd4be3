"""Security for every route (wired by create_app): response headers, request size limits, per-IP rate
limits on the webhook, health and metrics paths, and the client address as seen through a trusted proxy.

One Flask-Limiter for the app (health, metrics; app/web adds the staff sign-in limit to it); the
webhooks' per-address limit is counted directly (_webhook_limit) and the per-token API and Open311
limits live with the API; all count in the app's RateLimitStore (app/ratelimit_store.py), which
keeps serving while Redis is away. Settings read here, all optional: ratelimit_storage_uri
("memory://"; "redis://127.0.0.1:6379/0" to share counts between workers), webhook_rate_limit,
proxy_count (how many proxies in front that set X-Forwarded-*)."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many, strategies

from app.ratelimit_store import EXTENSION_KEY, GUARDED_SCHEME, RateLimitStore, retry_after
from app.services.lifecycle.complaint_files import MAX_BYTES as PHOTO_MAX_BYTES

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")


def tile_source(url: str | None) -> str | None:
    """The CSP source that allows a tile server's images: its scheme and host, a {s} subdomain as '*'."""
    if not url:
        return None
    from urllib.parse import urlparse

    parsed = urlparse(url.replace("{s}", "SUBDOMAIN"))
    host = parsed.netloc.replace("SUBDOMAIN", "*")
    return f"{parsed.scheme}://{host}"


def csp_for(settings) -> str:
    """The Content-Security-Policy: the app's own origin, plus the operator's map tile server if one is set."""
    source = tile_source(getattr(settings, "map_tile_url", None))
    if not source:
        return CSP
    return CSP.replace("img-src 'self' data: blob:;", f"img-src 'self' data: blob: {source};")


HSTS = "max-age=31536000; includeSubDomains"
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
}

# Answers carry personal data (pages, API, Open311, exports, photos): no shared or browser cache
# keeps them ("Cache-Control: no-store"); static assets say their own max-age first.
HEADERS_ALWAYS = (*HEADERS.items(), ("Cache-Control", "no-store"))
HTTPS_HEADERS = (*HEADERS_ALWAYS, ("Strict-Transport-Security", HSTS))

# Largest body accepted per path prefix (the app-wide MAX_CONTENT_LENGTH still caps the rest).
# A Telegram update or a Twilio form is a few kilobytes; photos arrive as file ids, not bytes.
BODY_LIMITS = (("/webhooks/", 64 * 1024), ("/api/", 256 * 1024), ("/open311/", 256 * 1024), ("/metrics", 0),
               ("/healthz", 0))
# Endpoints that take a photo: the service's own limit plus room for a multipart envelope. They
# come before the path prefixes above (the upload lives under /api/).
ENDPOINT_BODY_LIMITS = {"api.upload_complaint_file": PHOTO_MAX_BYTES + 64 * 1024}
MAX_FORM_PARTS = 200

DEFAULT_WEBHOOK_LIMIT = "1200 per minute"  # per source address: Telegram and Twilio post from few hosts
HEALTH_LIMIT = "600 per minute"
METRICS_LIMIT = "120 per minute"
PER_TOKEN_BLUEPRINTS = frozenset({"api", "open311"})
# Counted by _webhook_limit below, not by Flask-Limiter (whose per-request resolution of limits cost
# a webhook about a tenth of its CPU); Kannel's smsbox carries every citizen, so it has no such limit.
WEBHOOK_BLUEPRINTS = ("telegram", "sms")
NOT_FLASK_LIMITED = PER_TOKEN_BLUEPRINTS | {"telegram", "sms", "kannel"}
WEBHOOK_LIMITER_KEY = "sigap_webhook_limiter"


def _headers(response):
    """The one place response headers are set, for every path (pages, API, webhooks, files)."""
    settings = _settings()
    headers = response.headers
    # One pass over what the view set (werkzeug's setdefault scans the headers once per name).
    present = {key.lower() for key, _value in headers.items()}
    headers.extend([(name, value) for name, value in
                    (HTTPS_HEADERS if request.is_secure or settings.production else HEADERS_ALWAYS)
                    if name.lower() not in present])
    if getattr(settings, "map_tile_url", None) and headers.get("Content-Security-Policy") == CSP:
        headers["Content-Security-Policy"] = csp_for(settings)
    return response


def _body_limits():
    if request.endpoint in ENDPOINT_BODY_LIMITS:
        request.max_content_length = ENDPOINT_BODY_LIMITS[request.endpoint]
        request.max_form_parts = MAX_FORM_PARTS
        return
    for prefix, limit in BODY_LIMITS:
        if request.path.startswith(prefix):
            request.max_content_length = limit
            request.max_form_parts = MAX_FORM_PARTS
            break


def _rate_limited(exc: RateLimitExceeded):
    from app.errors import error_response

    try:
        window = int(exc.limit.limit.get_expiry())
    except Exception:  # noqa: BLE001 - the window is a hint; a minute is a safe default
        window = 60
    return error_response(429, "rate_limited", f"Too many requests from this address: {exc.description}",
                          {"Retry-After": str(window)})


def _flask_limited(check):
    def check_unless_limited_elsewhere():
        if request.blueprint not in NOT_FLASK_LIMITED:
            check()
    return check_unless_limited_elsewhere


def _webhook_limit():
    """The per-address webhook limit (SIGAP_WEBHOOK_RATE_LIMIT), one counter per webhook and address
    in the app's RateLimitStore, as Flask-Limiter counted it; refused with 429 and Retry-After."""
    limits = current_app.extensions.get(WEBHOOK_LIMITER_KEY)
    if limits is None:  # taken away (tests that send many requests from one address)
        return None
    limiter, items = limits
    address = get_remote_address()
    for item in items:
        if not limiter.hit(item, "sigap-sec", request.blueprint, address):
            from app.errors import error_response
            from app.extensions import now

            wait = retry_after(limiter, item, "sigap-sec", request.blueprint, address, now=now())
            return error_response(429, "rate_limited", f"Too many requests from this address: {item}",
                                  {"Retry-After": str(wait)})
    return None


def _settings():
    from app.extensions import state

    return state().settings


def init_app(app: Flask) -> None:
    settings = app.extensions["sigap"].settings
    proxies = int(getattr(settings, "proxy_count", 0) or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client address and the scheme only: a client's X-Forwarded-Host/-Port would pass through
        # a proxy that does not clear them and name another host in URLs we build.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0)
    storage = getattr(settings, "ratelimit_storage_uri", None) or app.config.get("RATELIMIT_STORAGE_URI") \
        or "memory://"
    app.config["RATELIMIT_STORAGE_URI"] = storage
    # One store for every limiter of the app (this one, the sign-in limit on it, the per-token API limits).
    store = RateLimitStore(storage, clock=app.extensions["sigap"].clock)
    app.extensions[EXTENSION_KEY] = store
    limiter = Limiter(get_remote_address, app=app, storage_uri=f"{GUARDED_SCHEME}://",
                      storage_options={"store": store}, default_limits=[], strategy="fixed-window",
                      headers_enabled=False, key_prefix="sigap-sec", swallow_errors=True)
    # The partner paths count per token (app/channels/api/ratelimit.py), not per address: skip
    # Flask-Limiter's per-request resolution of limits for them (a measurable part of an API call).
    limiter.request_filter(lambda: request.blueprint in NOT_FLASK_LIMITED)
    webhook_limit = getattr(settings, "webhook_rate_limit", None) or DEFAULT_WEBHOOK_LIMIT
    app.extensions[WEBHOOK_LIMITER_KEY] = (strategies.FixedWindowRateLimiter(store.storage()),
                                           tuple(parse_many(webhook_limit)))
    for name in WEBHOOK_BLUEPRINTS:
        app.before_request_funcs.setdefault(name, []).append(_webhook_limit)
    from app.web.health import bp as health_bp

    limiter.limit(HEALTH_LIMIT)(health_bp)
    if "metrics" in app.view_functions:  # added by observability.init_app, which runs first
        app.view_functions["metrics"] = limiter.limit(METRICS_LIMIT)(app.view_functions["metrics"])
    app.extensions["sigap_security_limiter"] = limiter
    # Its request filter still resolves the endpoint's name and view first: paths it never limits
    # skip its hook altogether.
    hooks = app.before_request_funcs.setdefault(None, [])
    for index, hook in enumerate(hooks):
        if hook == limiter._check_request_limit:
            hooks[index] = _flask_limited(hook)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.before_request(_body_limits)
    app.after_request(_headers)

