"""Accountable posts and their holders over time: naming a holder (web, CLI, CSV), and the tenure
look-ups that charge each deadline to whoever held the accountable post when it fell.

May import the rooms below it: access, messaging, reference, audit (and errors)."""
from .holders import (  # noqa: F401
    ImportResult,
    assign,
    import_csv,
    list_posts,
    parse_when,
    post_by_key,
    sync_posts,
)
from .tenure import accountable_tenures, holder_at  # noqa: F401
