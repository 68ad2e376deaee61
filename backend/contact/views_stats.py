"""Operator statistics and the map of contacts (`/api/contact/v1/stats…`), scoped by role
(`stats.stats_scope`): leaders see their units' operators, the city everyone, an operator their
own figures; the map is for leaders and the city."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.errors import DomainError
from backend.common.periods import period_from
from backend.common.schema import errors

from . import schema as sch
from .permissions import AUTHENTICATION
from .stats import StatsScope, by_operator, by_shift, contact_points, stats_scope

PERIOD_PARAMETERS = [
    OpenApiParameter("period", str, description="YYYY, YYYYQn or YYYY-MM (default: this quarter)"),
    OpenApiParameter("from", str, description="YYYY-MM-DD, with `to` (inclusive)"),
    OpenApiParameter("to", str),
]


class StatsView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [permissions.IsAuthenticated]

    def scope(self, request: Request, *, map_: bool = False) -> StatsScope:
        scope = stats_scope(request.user)
        if not scope.allowed or (map_ and not scope.may_see_map):
            raise PermissionDenied()
        return scope


class OperatorStatsView(StatsView):
    @extend_schema(
        operation_id="contact_stats",
        parameters=PERIOD_PARAMETERS,
        responses={200: sch.ContactStatsOut, **errors(400, 403)},
        tags=["contact: statistics"],
        summary="Thống kê điện thoại viên — contacts, handling time, outcomes per operator/shift",
    )
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        period = period_from(request.query_params)
        return Response(
            {
                "period": {"label": period.label, "start": period.start, "end": period.end},
                "operators": by_operator(scope=scope, start=period.start, end=period.end),
                "shifts": by_shift(scope=scope, start=period.start, end=period.end),
            }
        )


class ContactMapView(StatsView):
    @extend_schema(
        operation_id="contact_stats_map",
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("hour", int, description="0–23: calls started in that local hour"),
        ],
        responses={(200, "application/geo+json"): sch.ContactMapOut, **errors(400, 403)},
        tags=["contact: statistics"],
        summary="Bản đồ cuộc gọi — where the reports created from calls are, by hour",
    )
    def get(self, request: Request) -> Response:
        scope = self.scope(request, map_=True)
        period = period_from(request.query_params)
        hour = _hour(request.query_params.get("hour"))
        points = contact_points(scope=scope, start=period.start, end=period.end, hour=hour)
        features: list[dict[str, Any]] = [
            {
                "type": "Feature",
                "id": p.pop("id"),
                "geometry": {"type": "Point", "coordinates": [p.pop("lon"), p.pop("lat")]},
                "properties": p,
            }
            for p in points
        ]
        body = {"type": "FeatureCollection", "features": features}
        return Response(body, content_type="application/geo+json")


def _hour(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    try:
        hour = int(str(raw))
    except ValueError:
        hour = -1
    if not 0 <= hour <= 23:
        raise DomainError(code="invalid", details={"hour": ["0–23"]})
    return hour
