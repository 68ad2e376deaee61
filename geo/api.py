"""HTTP for geographic reference data: /api/v1/geo/locate and /api/v1/geo/wards."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.errors import DomainError

from .locate import AreaInfo, locate
from .points import InvalidCoordinates, parse_coordinate
from .selectors import wards_geojson

MAX_TOLERANCE = 0.01


def area_payload(area: AreaInfo) -> dict[str, Any]:
    parent = area.parent
    return {
        "code": area.code,
        "name": area.name,
        "name_en": area.name_en,
        "name_ascii": area.name_ascii,
        "level": area.level,
        "former_district": area.former_district,
        "full_name": area.full_name,
        "parent": None
        if parent is None
        else {
            "code": parent.code,
            "name": parent.name,
            "level": parent.level,
        },
    }


def coordinates_from(params: Any) -> tuple[float, float]:
    """(lon, lat) from query/form params, or DomainError 400 with a code per problem."""
    details: dict[str, str] = {}
    values: dict[str, float] = {}
    missing = 0
    for name in ("lat", "lon"):
        raw = params.get(name)
        if raw in (None, ""):
            details[name] = _("Thiếu tham số %(name)s.") % {"name": name}
            missing += 1
            continue
        try:
            values[name] = parse_coordinate(raw, name)
        except InvalidCoordinates:
            details[name] = _("%(name)s phải là một số hữu hạn.") % {"name": name}
    if details:
        code = "missing_coordinates" if missing == len(details) else "invalid_coordinates"
        raise DomainError(_("Tọa độ không hợp lệ."), code=code, details=details)
    lat, lon = values["lat"], values["lon"]
    if not -90 <= lat <= 90:
        hint = _(" Có thể vĩ độ và kinh độ bị đảo ngược?") if -90 <= lon <= 90 else ""
        raise DomainError(
            _("Vĩ độ phải nằm trong khoảng -90 đến 90.") + hint,
            code="lat_out_of_range",
            details={"lat": str(lat)},
        )
    if not -180 <= lon <= 180:
        raise DomainError(
            _("Kinh độ phải nằm trong khoảng -180 đến 180."),
            code="lon_out_of_range",
            details={"lon": str(lon)},
        )
    return lon, lat


class OutsideServiceArea(DomainError):
    status_code = 404
    code = "outside_service_area"


class LocateView(APIView):
    authentication_classes: list[type] = []

    @extend_schema(
        summary="Phường/xã chứa một điểm — ward covering a point",
        parameters=[
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lon", float, required=True),
        ],
    )
    def get(self, request: Request) -> Response:
        lon, lat = coordinates_from(request.query_params)
        area = locate(lon, lat)
        if area is None:
            raise OutsideServiceArea(
                _("Vị trí nằm ngoài địa bàn phục vụ."), details={"lat": lat, "lon": lon}
            )
        return Response(area_payload(area))


class WardsView(APIView):
    authentication_classes: list[type] = []

    @extend_schema(
        summary="Ranh giới phường/xã (GeoJSON) — ward boundaries",
        parameters=[OpenApiParameter("tolerance", float, description="degrees, 0–0.01")],
    )
    def get(self, request: Request) -> HttpResponse:
        raw = request.query_params.get("tolerance", "0.0001")
        try:
            tolerance = parse_coordinate(raw, "tolerance")
        except InvalidCoordinates:
            tolerance = -1.0
        if not 0 <= tolerance <= MAX_TOLERANCE:
            raise DomainError(
                _("tolerance phải là số từ 0 đến 0.01 (độ)."),
                code="invalid_tolerance",
                details={"tolerance": raw},
            )
        body = wards_geojson(tolerance=tolerance)
        response = HttpResponse(body, content_type="application/geo+json")
        response["Cache-Control"] = "public, max-age=3600"
        return response
