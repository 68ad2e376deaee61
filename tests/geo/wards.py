"""The ward polygons read with shapely, independently of PostGIS, for cross-checks."""

import json
from functools import cache

from django.conf import settings
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

WARDS_FILE = settings.BASE_DIR / "fixtures" / "boundaries" / "hcmc_wards.geojson"


@cache
def wards() -> dict[str, BaseGeometry]:
    data = json.loads(WARDS_FILE.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: shape(f["geometry"]) for f in data["features"]}


@cache
def tree() -> tuple[STRtree, list[str]]:
    codes = sorted(wards())
    return STRtree([wards()[c] for c in codes]), codes


def covering_codes(lon: float, lat: float) -> list[str]:
    from shapely.geometry import Point

    index, codes = tree()
    point = Point(lon, lat)
    return sorted(codes[i] for i in index.query(point, predicate="covered_by"))
