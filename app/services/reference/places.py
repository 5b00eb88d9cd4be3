"""Looks up a jurisdiction's districts and villages by Kemendagri code or name, and suggests near names."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.text import normalise_name
from app.models import District, Village
from app.services.reference import cache as reference_cache

# Words people put before a place name that the dataset leaves out.
PLACE_WORDS = ("kecamatan", "kec", "desa", "kelurahan", "kel", "dusun")


def _strip_place_word(text: str) -> str:
    words = normalise_name(text).split()
    while len(words) > 1 and words[0] in PLACE_WORDS:
        words = words[1:]
    return " ".join(words)


def find_district(session: Session, jurisdiction_id: int, name_or_code: str | None) -> District | None:
    """Exact Kemendagri code, else a case/space-insensitive name; None when nothing matches."""
    if not name_or_code or not str(name_or_code).strip():
        return None
    text = str(name_or_code).strip()
    known = reference_cache.places(session, jurisdiction_id)
    district = known.district_by_code(text) or known.district_named({normalise_name(text), _strip_place_word(text)})
    return reference_cache.attach(session, district)


def _villages(jurisdiction_id: int, district_id: int | None):
    query = select(Village).join(District).where(District.jurisdiction_id == jurisdiction_id)
    if district_id is not None:
        query = query.where(Village.district_id == district_id)
    return query.order_by(Village.code)


def find_village(session: Session, jurisdiction_id: int, name_or_code: str | None,
                 district_id: int | None = None) -> Village | None:
    """Exact code, else a case/space-insensitive name (first by code when a name repeats); else None.
    Read from the per-process reference cache (app/services/reference/cache.py)."""
    if not name_or_code or not str(name_or_code).strip():
        return None
    text = str(name_or_code).strip()
    known = reference_cache.places(session, jurisdiction_id)
    village = (known.village_by_code(text, district_id) or known.village_lower(text, district_id)
               or known.village_named({normalise_name(text), _strip_place_word(text)}, district_id))
    return reference_cache.attach(session, village)


def namesakes(session: Session, jurisdiction_id: int, name: str) -> list[Village]:
    """The jurisdiction's villages called `name` (case-insensitive), in every district."""
    return [reference_cache.attach(session, v) for v in reference_cache.places(session, jurisdiction_id).namesakes(name)]


def suggest_villages(session: Session, jurisdiction_id: int, text: str, limit: int = 3,
                     district_id: int | None = None, min_score: float = 60.0) -> list[tuple[Village, float]]:
    """The closest village names to `text` (rapidfuzz WRatio 0-100), best first, for "did you mean"."""
    from rapidfuzz import fuzz, process, utils

    query = _strip_place_word(text or "")
    if not query:
        return []
    villages = list(session.scalars(_villages(jurisdiction_id, district_id)))
    matches = process.extract(query, [v.name for v in villages], scorer=fuzz.WRatio,
                              processor=utils.default_process, limit=limit, score_cutoff=min_score)
    return [(villages[index], float(score)) for _name, score, index in matches]
