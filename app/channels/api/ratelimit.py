"""Per-token rate limits for the partner-facing paths (/api/v1 and /open311/v2), with Retry-After.

Settings: app.config SIGAP_API_RATE_LIMIT or Settings.api_rate_limit (default "120/minute"; several
limits are separated by ";", e.g. "120/minute;2000/hour"; "off" disables) and app.config
RATELIMIT_STORAGE_URI (set by app.security from Settings.ratelimit_storage_uri; default "memory://",
one counter per process; "redis://host:6379/0" shares the counters between workers)."""
from __future__ import annotations

import base64
import binascii
import hashlib
import math

from flask import current_app, request
from limits import parse_many, storage, strategies

from app.extensions import now

DEFAULT_LIMIT = "120/minute"
STATE_KEY = "sigap_ratelimit"


def _limiter() -> strategies.FixedWindowRateLimiter:
    app = current_app._get_current_object()
    limiter = app.extensions.get(STATE_KEY)
    if limiter is None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        limiter = strategies.FixedWindowRateLimiter(storage.storage_from_string(uri))
        app.extensions[STATE_KEY] = limiter
    return limiter


def presented_secret() -> str | None:
    """The API token the caller presented: a Bearer token, a Basic password, or an api_key parameter."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        _user, _, password = decoded.partition(":")
        return password or None
    key = request.args.get("api_key")
    if not key and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        key = request.form.get("api_key")
    return key or None


def caller_key() -> str:
    secret = presented_secret()
    if secret:
        return "token:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:32]
    return "ip:" + (request.remote_addr or "unknown")


def retry_after() -> int | None:
    """Count this request against the caller's limits; None when allowed, else seconds to wait."""
    settings = current_app.extensions["sigap"].settings
    configured = (current_app.config.get("SIGAP_API_RATE_LIMIT") or getattr(settings, "api_rate_limit", None)
                  or DEFAULT_LIMIT)
    if str(configured).strip().lower() in ("off", "none", "0"):
        return None
    limiter = _limiter()
    key = caller_key()
    for item in parse_many(str(configured)):
        if not limiter.hit(item, "sigap", key):
            reset = limiter.get_window_stats(item, "sigap", key).reset_time
            # The counters run on real seconds; the app clock is real time outside tests.
            return min(item.get_expiry(), max(1, math.ceil(reset - now().timestamp())))
    return None
