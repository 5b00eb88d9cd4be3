"""The audit trail: append-only, hash-chained events of every complaint, and their verification.

May import errors only (every other room writes through it; reference sits beside it)."""
from .trail import (  # noqa: F401 - called as audit.record(...)
    events_of,
    record,
    record_view,
    start_chain,
    verify,
    verify_all,
)
