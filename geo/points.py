"""The one door for coordinates: where a (lon, lat) pair becomes a geometry — longitude first,
always — and where a point turns out to lie outside the service area.

- `point_from(params)`: the interface edge's parser (query strings, forms, JSON bodies, Open311's
  `long`); a bad pair → `InvalidCoordinates` (400) with one code per problem:
  `missing_coordinates`, `invalid_coordinates`, `lat_out_of_range` (with a hint when lat and lon
  look swapped), `lon_out_of_range`.
- `make_point(lon, lat)`: the same checks for values already split (services, generators).
- `OutsideServiceArea`: the one error for a valid point no ward covers. Its status is the
  caller's documented answer: 422 when a report cannot be filed there, 404 from the locate API.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.common.errors import DomainError


class InvalidCoordinates(DomainError):
    status_code = 400
    code = "invalid_coordinates"
    default_message = gettext_lazy("Tọa độ không hợp lệ.")


class OutsideServiceArea(DomainError):
    status_code = 422
    code = "outside_service_area"
    default_message = gettext_lazy("Vị trí nằm ngoài địa bàn phục vụ.")

    @classmethod
    def at(cls, point: Point, *, status_code: int | None = None) -> OutsideServiceArea:
        return cls(details={"lat": point.y, "lon": point.x}, status_code=status_code)


def parse_coordinate(raw: object, name: str) -> float:
    """A finite number, or `InvalidCoordinates` naming the parameter."""
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise InvalidCoordinates(
            _("%(name)s phải là một số hữu hạn.") % {"name": name},
            details={name: _("%(name)s phải là một số hữu hạn.") % {"name": name}},
        )
    return value


def check_lon_lat(x: float, y: float, *, lon_name: str = "lon") -> None:
    """Longitude and latitude in range, or `InvalidCoordinates` (the hint catches a swap)."""
    if not -90 <= y <= 90:
        hint = _(" Có thể vĩ độ và kinh độ bị đảo ngược?") if -90 <= x <= 90 else ""
        raise InvalidCoordinates(
            _("Vĩ độ phải nằm trong khoảng -90 đến 90.") + hint,
            code="lat_out_of_range",
            details={"lat": str(y)},
        )
    if not -180 <= x <= 180:
        raise InvalidCoordinates(
            _("Kinh độ phải nằm trong khoảng -180 đến 180."),
            code="lon_out_of_range",
            details={lon_name: str(x)},
        )


def make_point(lon: object, lat: object, *, lon_name: str = "lon") -> Point:
    """Validate and build Point(lon, lat) in SRID 4326."""
    x, y = parse_coordinate(lon, lon_name), parse_coordinate(lat, "lat")
    check_lon_lat(x, y, lon_name=lon_name)
    return Point(x, y, srid=4326)


def point_from(
    params: Mapping[str, Any], *, lon: str = "lon", lat: str = "lat", required: bool = True
) -> Point | None:
    """The point named by `params[lon]`, `params[lat]`; None when both are absent and not
    `required`. Every problem with the pair is reported at once, in `details`."""
    raw = {name: params.get(key) for name, key in (("lat", lat), ("lon", lon))}
    missing = [name for name, value in raw.items() if value in (None, "")]
    if len(missing) == 2 and not required:
        return None
    details: dict[str, str] = {}
    for name, key in (("lat", lat), ("lon", lon)):
        if name in missing:
            details[key] = _("Thiếu tham số %(name)s.") % {"name": key}
            continue
        try:
            parse_coordinate(raw[name], key)
        except InvalidCoordinates as exc:
            details.update(exc.details)
    if details:
        code = "missing_coordinates" if len(missing) == len(details) else "invalid_coordinates"
        raise InvalidCoordinates(_("Tọa độ không hợp lệ."), code=code, details=details)
    return make_point(raw["lon"], raw["lat"], lon_name=lon)


# Coordinates leave the APIs with 7 decimals (about 1 cm): what a GPS can tell, and no binary
# floating-point tails such as 10.776200000000001.
COORDINATE_DECIMALS = 7


def coordinate_out(value: float) -> float:
    return round(float(value), COORDINATE_DECIMALS)
