"""The store every rate limit counts in (Redis in production), guarded so that its loss never stops
Sigap: the per-token API/Open311 limits, the webhooks' per-address limit and Flask-Limiter (/healthz,
/metrics, sign-in) all count through one RateLimitStore per app.

While the store is unreachable (refused, or hanging past a short socket timeout) requests are
served and counted in this process's memory instead, as with memory://: limits still hold per
worker rather than across them. The store is then left alone for a back-off before it is tried
again, so an outage costs one slow call per back-off and process, not one per request. The loss
and the recovery are logged once each, failures are counted in /metrics
(sigap_rate_limit_store_errors_total, sigap_rate_limit_store_unreachable) and /healthz names the
dependency."""
from __future__ import annotations

import logging
import math
import threading
import time
from datetime import datetime, timedelta
from urllib.parse import urlparse

from limits.storage import MemoryStorage, Storage, storage_from_string
from prometheus_client import Counter

from app.clock import Clock

log = logging.getLogger("sigap.ratelimit")

# Redis answers in well under a millisecond; past this the call is a failure, not a wait.
SOCKET_TIMEOUT_SECONDS = 0.5
# After a failure the store is not tried again for this long (per process).
BACKOFF_SECONDS = 5
GUARDED_SCHEME = "sigap+guarded"
EXTENSION_KEY = "sigap_ratelimit_store"  # app.extensions[...]: the app's store, made by app.security

# Labelled, so that no value (and, under PROMETHEUS_MULTIPROC_DIR, no file) exists before the first
# use in a web worker: a CLI command importing this module must not need the metrics directory.
STORE_ERRORS = Counter("sigap_rate_limit_store_errors",
                       "Rate-limit store calls that failed; the request was served and counted in process memory",
                       ("store",))


class SweepingMemoryStorage(MemoryStorage):
    """limits' process-memory counters (memory://), sweeping expired keys out at most once a second.
    Its own schedule starts a new thread for nearly every count (a 10 ms timer, started again whenever
    the last one has finished: about one thread per request, each walking every key). A count's own
    expiry does not wait for the sweep (get() drops an expired key when it is read), so limits hold
    exactly as before; the sweep only frees other keys' memory."""

    STORAGE_SCHEME = ["sigap+memory"]  # its own scheme: memory:// elsewhere stays limits' own class
    SWEEP_SECONDS = 1.0

    def __init__(self, uri: str | None = None, **options):
        self._next_sweep = 0.0
        super().__init__(uri, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - overrides the name-mangled private method
        now = time.monotonic()
        if now < self._next_sweep or self.timer.is_alive():
            return
        self._next_sweep = now + self.SWEEP_SECONDS
        self.timer = threading.Timer(0.01, self._MemoryStorage__expire_events)
        self.timer.daemon = True
        self.timer.start()


def _where(uri: str) -> str:
    """The store's address for a log line, without a password."""
    parsed = urlparse(uri)
    return f"{parsed.scheme}://{parsed.hostname or ''}{':' + str(parsed.port) if parsed.port else ''}{parsed.path}"


class RateLimitStore:
    """One app's rate-limit counters: the configured store, or process memory while it is away."""

    def __init__(self, uri: str, clock: Clock, backoff_seconds: float = BACKOFF_SECONDS,
                 socket_timeout: float = SOCKET_TIMEOUT_SECONDS):
        options = {}
        if urlparse(uri).scheme.startswith(("redis", "rediss", "valkey")):
            # redis-py waits 5 s by default: a Redis that accepts but never answers would hold each request.
            options = {"socket_timeout": socket_timeout, "socket_connect_timeout": socket_timeout}
        self.uri = uri
        self.kind = urlparse(uri).scheme
        self.primary: Storage = SweepingMemoryStorage() if self.kind == "memory" else storage_from_string(uri, **options)
        self.clock = clock
        self.backoff = timedelta(seconds=backoff_seconds)
        self.down_since: datetime | None = None
        self._retry_at: datetime | None = None
        self._fallback: MemoryStorage | None = None
        self._lock = threading.Lock()

    @property
    def reachable(self) -> bool:
        """False from a failed call until a later call succeeds."""
        return self.down_since is None

    def storage(self) -> GuardedStorage:
        """A limits Storage counting here (one per limiter; they share this store's state)."""
        return GuardedStorage(f"{GUARDED_SCHEME}://", store=self)

    def call(self, operation: str, *args, **kwargs):
        if self.down_since is not None and not self._claim_retry():
            return getattr(self.fallback, operation)(*args, **kwargs)
        try:
            result = getattr(self.primary, operation)(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - whatever the client raises, the request goes on
            self._failed(exc)
            return getattr(self.fallback, operation)(*args, **kwargs)
        if self.down_since is not None:
            self._recovered()
        return result

    def check(self) -> bool:
        """Is the store reachable? Asks it only when the back-off allows; else answers from the last call."""
        if self.down_since is not None and self._claim_retry():
            if self.primary.check():
                self._recovered()
            else:
                self._failed(None)
        return self.reachable

    @property
    def fallback(self) -> MemoryStorage:
        if self._fallback is None:
            with self._lock:
                if self._fallback is None:
                    self._fallback = SweepingMemoryStorage()
        return self._fallback

    def _claim_retry(self) -> bool:
        """True for the one caller (per process) that may try the store again now."""
        with self._lock:
            at = self.clock.now()
            if self.down_since is None or self._retry_at is None or at >= self._retry_at:
                self._retry_at = at + self.backoff
                return True
            return False

    def errors(self):
        """This store's failure counter (summed over workers in /metrics)."""
        return STORE_ERRORS.labels(self.kind)

    def _failed(self, exc: Exception | None) -> None:
        self.errors().inc()
        with self._lock:
            at = self.clock.now()
            self._retry_at = at + self.backoff
            if self.down_since is not None:
                return
            self.down_since = at
        reason = f"{type(exc).__name__}: {exc}" if exc is not None else "no answer to PING"
        log.warning("rate-limit store %s unreachable (%s): requests are served and counted in this "
                    "process only; next try in %d s", _where(self.uri), reason, self.backoff.total_seconds())

    def _recovered(self) -> None:
        with self._lock:
            if self.down_since is None:
                return
            since, self.down_since, self._retry_at = self.down_since, None, None
        seconds = (self.clock.now() - since).total_seconds()
        log.warning("rate-limit store %s reachable again after %.0f s: counts are shared again",
                    _where(self.uri), seconds)


def retry_after(limiter, item, *identifiers, now: datetime) -> int:
    """Seconds until `item`'s window for these identifiers starts afresh: at least 1, at most the window
    (a Retry-After). The counters run on real seconds; the app clock is real time outside tests."""
    reset = limiter.get_window_stats(item, *identifiers).reset_time
    return min(item.get_expiry(), max(1, math.ceil(reset - now.timestamp())))


def app_store(app) -> RateLimitStore | None:
    return app.extensions.get(EXTENSION_KEY)


class GuardedStorage(Storage):
    """limits' Storage interface onto a RateLimitStore, so Flask-Limiter and the API limiter share
    it: Limiter(storage_uri="sigap+guarded://", storage_options={"store": store})."""

    STORAGE_SCHEME = [GUARDED_SCHEME]

    def __init__(self, uri: str | None = None, store: RateLimitStore | None = None, **options):
        if store is None:
            raise ValueError("GuardedStorage needs store=<RateLimitStore>")
        super().__init__(uri)
        self.store = store

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return ()  # the store never raises

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self.store.call("incr", key, expiry, amount=amount)

    def get(self, key: str) -> int:
        return self.store.call("get", key)

    def get_expiry(self, key: str) -> float:
        return self.store.call("get_expiry", key)

    def check(self) -> bool:
        return self.store.check()

    def reset(self) -> int | None:
        return self.store.call("reset")

    def clear(self, key: str) -> None:
        return self.store.call("clear", key)
