"""Who does something: a staff user, an API token, a reporter, or the system itself."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # "user" | "token" | "reporter" | "system"
    id: int | None = None
    role: str | None = None  # officer | agency_head | supervisor | official | admin | partner
    agency_id: int | None = None
    jurisdiction_id: int | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"

    @property
    def is_agency_scoped(self) -> bool:
        return self.role in ("officer", "agency_head")


SYSTEM = Actor(kind="system", name="Sigap")
