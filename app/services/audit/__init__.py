"""The audit trail: append-only, hash-chained events of every complaint (and of every accountable
post: posts.py), and their verification.

May import errors only (every other room writes through it; reference sits beside it)."""
from .trail import (  # noqa: F401 - called as audit.record(...)
    events_of,
    record,
    record_view,
    start_chain,
    verify,
    verify_all,
)
from .posts import post_events, record_post_event, verify_post  # noqa: F401,E402
