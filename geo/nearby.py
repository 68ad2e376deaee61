"""Points within a distance of a point, as SQL for callers that write their own query.

The condition is index-friendly: a lon/lat box holding the circle (`&&`, served by a GiST index
on the column, also a partial one) and then the exact distance on the WGS 84 spheroid
(`ST_DWithin` on geography). `distance_sql` gives the same metres for ordering and display.
Every value is a parameter; the column name is checked.
"""

from __future__ import annotations

import math
import re
from typing import Any

METRES_PER_DEGREE = 111_320.0
COLUMN = re.compile(r'^"?[a-z_][a-z0-9_]*"?(\."?[a-z_][a-z0-9_]*"?)?$')
_POINT = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"


def _checked(geom: str) -> str:
    if not COLUMN.match(geom):
        raise ValueError(f"bad column: {geom!r}")
    return geom


def box_around(lon: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a box holding the circle of `metres` around the point."""
    dlat = metres / METRES_PER_DEGREE
    dlon = metres / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def within_sql(geom: str) -> str:
    """Condition with the parameters of `within_params`: `geom` within the distance."""
    geom = _checked(geom)
    return (
        f"{geom} && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
        f" AND ST_DWithin({geom}::geography, {_POINT}, %s)"
    )


def within_params(lon: float, lat: float, metres: float) -> list[Any]:
    return [*box_around(lon, lat, metres), lon, lat, metres]


def distance_sql(geom: str) -> str:
    """Metres from `geom` to the point of two parameters (lon, lat)."""
    return f"ST_Distance({_checked(geom)}::geography, {_POINT})"
