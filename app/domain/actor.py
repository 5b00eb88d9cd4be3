"""Who does something: a staff user, an API token, a reporter, or the system itself."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # "user" | "token" | "reporter" | "system"
    id: int | None = None
    role: str | None = None  # officer | agency_head | supervisor | official | camat | admin | partner
    agency_id: int | None = None
    jurisdiction_id: int | None = None
    name: str | None = None
    user_id: int | None = None  # a token bound to a staff user (ApiToken.user_id): that user
    district_id: int | None = None  # a camat's kecamatan
    all_jurisdictions: bool = False  # explicitly province-wide (an unbound supervisor sees nothing without it)

    @property
    def label(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"

    @property
    def staff_user_id(self) -> int | None:
        """The staff user acting: the signed-in user, or the user the API token is bound to."""
        return self.id if self.kind == "user" else self.user_id

    @property
    def is_agency_scoped(self) -> bool:
        return self.role in ("officer", "agency_head")


SYSTEM = Actor(kind="system", name="Sigap")
