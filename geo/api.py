"""HTTP for geographic reference data: /api/v1/geo/locate and /api/v1/geo/wards."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.errors import DomainError
from backend.common.schema import errors

from .locate import AreaInfo, locate
from .points import InvalidCoordinates, OutsideServiceArea, parse_coordinate, point_from
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


class ParentAreaOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class AreaOut(serializers.Serializer):
    """`area_payload`'s shape, for the API schema."""

    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    name_ascii = serializers.CharField(allow_blank=True)
    level = serializers.CharField()
    former_district = serializers.CharField(allow_blank=True)
    full_name = serializers.CharField()
    parent = ParentAreaOut(allow_null=True)


class LocateView(APIView):
    authentication_classes: list[type] = []

    @extend_schema(
        summary="Phường/xã chứa một điểm — ward covering a point",
        parameters=[
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lon", float, required=True),
        ],
        responses={200: AreaOut, **errors(400, 404)},
        tags=["geo"],
    )
    def get(self, request: Request) -> Response:
        point = point_from(request.query_params)
        assert point is not None  # required
        area = locate(point.x, point.y)
        if area is None:
            raise OutsideServiceArea.at(point, status_code=404)
        return Response(area_payload(area))


class WardsView(APIView):
    authentication_classes: list[type] = []

    @extend_schema(
        summary="Ranh giới phường/xã (GeoJSON) — ward boundaries",
        parameters=[OpenApiParameter("tolerance", float, description="degrees, 0–0.01")],
        responses={
            (200, "application/geo+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="FeatureCollection of the wards valid today"
            ),
            **errors(400),
        },
        tags=["geo"],
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
