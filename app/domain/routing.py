"""The routing rule's one decision, pure: of a jurisdiction's rules for a category, a district's own
rule beats the jurisdiction-wide one. Used by routing (admin pages, `route`) and by the reference
cache (every intake), over rules already loaded."""
from __future__ import annotations

from typing import Protocol, TypeVar


class Rule(Protocol):
    category_id: int
    district_id: int | None


R = TypeVar("R", bound=Rule)


def winning_rule(rules: list[R], category_id: int, district_id: int | None) -> R | None:
    """The rule that routes a complaint of `category_id` in `district_id` (None: no district known)."""
    candidates = [r for r in rules if r.category_id == category_id and r.district_id in (None, district_id)]
    return max(candidates, key=lambda r: r.district_id is not None) if candidates else None
