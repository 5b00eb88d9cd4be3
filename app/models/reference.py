"""The versions of the reference data, so that every process can tell whether what it cached is
still what the database holds (app/services/reference/cache.py).

Database triggers (migration 0012) give a scope a new version whenever one of its rows changes,
whoever changes it (Sigap, another process, psql): never a value the scope had before, even
after a rollback (a PostgreSQL sequence; SQLite: random())."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

# Scope of what all jurisdictions share: jurisdictions, categories, staff users. Any other scope
# is a jurisdiction's id: its districts, villages, SLA policies, routing rules, agencies and
# escalation contacts.
SHARED_SCOPE = 0


class ReferenceVersion(Base):
    __tablename__ = "reference_versions"

    scope: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
