"""Rate limits for the partner-facing paths (/api/v1 and /open311/v2), with Retry-After.

A valid token is counted per token; a call without a token per client address. A token that is
unknown or revoked (Bearer, Basic password or api_key) is counted against the client address in
its own, smaller allowance, and past it the address is refused with 429 before any token lookup,
so a flood of made-up tokens costs no database query (check() runs before the lookup,
refused_token() after a failed one). A valid token keeps working from such an address: tokens that
authenticated lately are remembered (in process and in the store), and only unremembered secrets
meet the address's allowance.

Settings: app.config SIGAP_API_RATE_LIMIT or Settings.api_rate_limit (default "120/minute"; several
limits are separated by ";", e.g. "120/minute;2000/hour"; "off" disables), app.config
SIGAP_UNKNOWN_TOKEN_RATE_LIMIT or Settings.unknown_token_rate_limit (default "20/minute" per
address). Counters live in the app's RateLimitStore (app/ratelimit_store.py: RATELIMIT_STORAGE_URI,
memory:// or Redis, and served from process memory while Redis is away)."""
from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from flask import current_app, request
from limits import RateLimitItem, parse_many, strategies

from app.extensions import now
from app.ratelimit_store import RateLimitStore, app_store, retry_after
from app.services.access.web_auth import client_key

DEFAULT_LIMIT = "120/minute"
DEFAULT_UNKNOWN_TOKEN_LIMIT = "20/minute"
STATE_KEY = "sigap_ratelimit"
KNOWN_KEY = "sigap_ratelimit_known_tokens"
# A token that authenticated is remembered in the store this long (renewed at most hourly per process).
KNOWN_FOR = timedelta(days=1)
KNOWN_RENEW_AFTER = timedelta(hours=1)
KNOWN_IN_PROCESS_MAX = 10_000


@dataclass(frozen=True)
class Limited:
    """A refusal: wait `seconds`; `scope` says whose allowance is spent."""

    seconds: int
    scope: str  # "token", "address" or "unknown_token"

    def message(self, credential: str = "token") -> str:
        whose = {"token": f"for this {credential}", "address": "from this address",
                 "unknown_token": f"with an unknown or revoked {credential} from this address"}[self.scope]
        return f"too many requests {whose}; retry in {self.seconds} s"


@lru_cache(maxsize=64)
def _parsed(limits: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits))


def _limiter() -> strategies.FixedWindowRateLimiter:
    app = current_app._get_current_object()
    limiter = app.extensions.get(STATE_KEY)
    if limiter is None:
        store = app_store(app)
        if store is None:  # an app without app.security
            store = RateLimitStore(app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
                                   clock=app.extensions["sigap"].clock)
        limiter = strategies.FixedWindowRateLimiter(store.storage())
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


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:32]


def _address() -> str:
    """The caller as the sign-in throttle counts it: an IPv6 client by its /64 (one subscriber's
    network), so guesses spread over its addresses share one allowance."""
    return client_key(request.remote_addr)


def _setting(config_key: str, attribute: str, default: str) -> str:
    settings = current_app.extensions["sigap"].settings
    return str(current_app.config.get(config_key) or getattr(settings, attribute, None) or default)


def _unknown_token_limits() -> tuple[RateLimitItem, ...]:
    return _parsed(_setting("SIGAP_UNKNOWN_TOKEN_RATE_LIMIT", "unknown_token_rate_limit",
                            DEFAULT_UNKNOWN_TOKEN_LIMIT))


def _wait(limiter, item: RateLimitItem, namespace: str, key: str) -> int:
    return retry_after(limiter, item, namespace, key, now=now())


def _known_in_process() -> dict:
    return current_app.extensions.setdefault(KNOWN_KEY, {})


def _known_key(digest: str) -> str:
    return f"LIMITER/sigap-known/{digest}"


def check() -> Limited | None:
    """Count this request against the caller's limits, before the token is looked up; None when allowed."""
    limiter = _limiter()
    secret = presented_secret()
    if secret:
        digest = _digest(secret)
        if digest not in _known_in_process():
            for item in _unknown_token_limits():
                if not limiter.test(item, "sigap-unknown", _address()):
                    if limiter.storage.get(_known_key(digest)):
                        break  # authenticated lately (in another process): not a guess
                    return Limited(_wait(limiter, item, "sigap-unknown", _address()), "unknown_token")
        key, scope = "token:" + digest, "token"
    else:
        key, scope = "ip:" + _address(), "address"
    configured = _setting("SIGAP_API_RATE_LIMIT", "api_rate_limit", DEFAULT_LIMIT)
    if configured.strip().lower() in ("off", "none", "0"):
        return None
    for item in _parsed(configured):
        if not limiter.hit(item, "sigap", key):
            return Limited(_wait(limiter, item, "sigap", key), scope)
    return None


def refused_token() -> None:
    """The credential presented was not accepted (unknown, revoked, malformed): count it against the address."""
    secret = presented_secret()
    if not secret:
        return
    limiter = _limiter()
    for item in _unknown_token_limits():
        limiter.hit(item, "sigap-unknown", _address())
    digest = _digest(secret)
    _known_in_process().pop(digest, None)
    limiter.storage.clear(_known_key(digest))  # revoked since it was remembered: forget it everywhere


def accepted_token(secret: str) -> None:
    """The token authenticated: remember it, so that its address's guesses never refuse it. Touches
    the store only the first time per process and then hourly."""
    digest, at = _digest(secret), now()
    known = _known_in_process()
    last = known.get(digest)
    if last is not None and at - last < KNOWN_RENEW_AFTER:
        return
    if len(known) >= KNOWN_IN_PROCESS_MAX:
        known.clear()
    known[digest] = at
    storage = _limiter().storage
    storage.clear(_known_key(digest))  # a new expiry: incr sets one only on a new key
    storage.incr(_known_key(digest), int(KNOWN_FOR.total_seconds()))
