"""Roughly where a jurisdiction lies: a latitude/longitude box around its villages' centres, so
that a point given with a complaint (or a handling's location check-in) can be refused when it is
plainly somewhere else (another province, the sea off Africa, a latitude of `true`). A box, not the
boundary: Sigap has no polygons, and a margin is kinder to a village at the edge than a precise
line would be. Also how far apart two points are, for a check-in far from the reported place."""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# About 28 km: beyond the outermost village centre, the edge of the regency and its near coast.
MARGIN_DEGREES = 0.25
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Box:
    south: float
    north: float
    west: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    def describe(self) -> str:
        return f"lat {self.south:.2f}..{self.north:.2f}, lon {self.west:.2f}..{self.east:.2f}"


# Indonesia, Sabang to Merauke and Miangas to Rote, with its waters.
INDONESIA = Box(south=-11.5, north=6.5, west=94.0, east=141.5)


def around(centres: Iterable[tuple[float | None, float | None]], margin: float = MARGIN_DEGREES,
           within: Box = INDONESIA) -> Box:
    """The box around the given (lat, lon) centres, widened by `margin` degrees and kept inside
    `within`; `within` itself when no usable centre is given. Centres that are missing, not
    finite or outside `within` (a gazetteer row with lat and lon swapped) are ignored."""
    lats: list[float] = []
    lons: list[float] = []
    for lat, lon in centres:
        if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        if within.contains(lat, lon):
            lats.append(lat)
            lons.append(lon)
    if not lats:
        return within
    return Box(south=max(within.south, min(lats) - margin), north=min(within.north, max(lats) + margin),
               west=max(within.west, min(lons) - margin), east=min(within.east, max(lons) + margin))


def coordinate(value, limit: float) -> float | None:
    """A latitude (limit 90) or longitude (limit 180): a number, or its text as a form sends it;
    None for nothing given. ValueError for a boolean, a list, an object, text that is no number,
    or a number out of range."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError("must be a number")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise ValueError("must be a number") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise ValueError(f"must be between -{limit:g} and {limit:g}")
    return number


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points (haversine), in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
