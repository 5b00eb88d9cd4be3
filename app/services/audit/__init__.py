"""The audit trail: append-only, hash-chained events of every complaint (keyed with SIGAP_AUDIT_KEY)
and of every accountable post (posts.py),
the chain head kept on each complaint and each post, verification of chains and of the facts figures are
computed from, checkpoints of all heads, and the rekey of old chains.

May import errors only (every other room writes through it; reference sits beside it)."""
from .trail import (  # noqa: F401 - called as audit.record(...)
    events_of,
    record,
    record_breach_met,
    record_view,
    start_chain,
)
from .verification import (  # noqa: F401
    Head,
    Problem,
    Progress,
    count_complaints,
    iter_problems,
    rekey,
    verify,
    verify_all,
    verify_parallel,
)
from .posts import iter_post_problems, post_events, record_post_event, verify_post  # noqa: F401,E402
