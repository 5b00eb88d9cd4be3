"""The audit key a session writes and verifies with: SIGAP_AUDIT_KEY, handed to each session by the
app's sessionmaker (app/db.py); a session made without it (tests, benchmarks) uses the development
key, whose chains prove nothing against someone with database access."""
from __future__ import annotations

from sqlalchemy.orm import Session

from config import DEVELOPMENT_AUDIT_KEY


def key_of(session: Session) -> bytes:
    return (session.info.get("audit_key") or DEVELOPMENT_AUDIT_KEY).encode("utf-8")
