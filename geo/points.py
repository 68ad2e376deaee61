"""The one place where a (lon, lat) pair becomes a geometry — longitude first, always."""

from __future__ import annotations

import math

from django.contrib.gis.geos import Point


class InvalidCoordinates(ValueError):
    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def parse_coordinate(raw: object, name: str) -> float:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidCoordinates(f"{name}_invalid", f"{name} must be a number") from None
    if not math.isfinite(value):
        raise InvalidCoordinates(f"{name}_invalid", f"{name} must be a finite number")
    return value


def check_lon_lat(lon: float, lat: float) -> None:
    if not -90.0 <= lat <= 90.0:
        raise InvalidCoordinates("lat_out_of_range", "lat must be between -90 and 90")
    if not -180.0 <= lon <= 180.0:
        raise InvalidCoordinates("lon_out_of_range", "lon must be between -180 and 180")


def make_point(lon: object, lat: object) -> Point:
    """Validate and build Point(lon, lat) in SRID 4326."""
    x, y = parse_coordinate(lon, "lon"), parse_coordinate(lat, "lat")
    check_lon_lat(x, y)
    return Point(x, y, srid=4326)
