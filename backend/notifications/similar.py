"""Already reported? — the one answer the web form and the app both get.

`similar_query` reads `lon`, `lat` and `category` (a code) from a query string; `similar_reports`
lists the open public reports of that category nearby (`selectors.duplicates.similar_open`)
with their demand. Lives here, under both interfaces (public API, mobile API), because demand
counts followers. Nothing about a person: reference, status, category, distance, age, thumbnail
(a clean re-encode without metadata), public link and a count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from backend.common.errors import DomainError
from backend.common.links import public_report_url
from backend.incidents.models import IncidentPhoto, Status
from backend.incidents.selectors.duplicates import similar_open
from backend.units.models import Category
from geo.points import point_from

from .demand import demand_of

# the answer's shape for the API schemas of both interfaces
SIMILAR_PARAMETERS = [
    OpenApiParameter("lon", float, required=True),
    OpenApiParameter("lat", float, required=True),
    OpenApiParameter("category", str, required=True, description="a category code"),
]


class SimilarReportOut(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    category = serializers.CharField()
    distance_m = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    thumbnail_url = serializers.CharField(allow_null=True)
    public_url = serializers.CharField()
    demand = serializers.IntegerField(help_text="residents who care about this report")


class SimilarReportsOut(serializers.Serializer):
    results = SimilarReportOut(many=True)


def similar_query(params: Mapping[str, Any]) -> tuple[Point, Category]:
    """The point and the active category asked about, or a 400 naming what is wrong."""
    point = point_from(params)
    assert point is not None  # required: a missing pair raises InvalidCoordinates (400)
    code = str(params.get("category", "")).strip()
    if not code:
        raise DomainError(
            _("Thiếu lĩnh vực (category)."),
            code="missing_category",
            details={"category": [_("Bắt buộc.")]},
        )
    category = Category.objects.filter(code=code[:64], is_active=True).first()
    if category is None:
        raise DomainError(
            _("Không có lĩnh vực “%(code)s”.") % {"code": code[:64]},
            code="unknown_category",
            details={"category": [code[:64]]},
        )
    return point, category


def similar_reports(
    *, point: Point, category: Category, absolute: Callable[[str], str]
) -> list[dict[str, Any]]:
    """The open reports a resident is offered instead of filing a new one (2 queries).

    Each row also carries `id`, which the app needs to follow the report
    (`reports/{id}/follow`); the public answer leaves it out."""
    rows = similar_open(point=point, category=category)
    demand = demand_of(row.id for row in rows) if rows else {}
    storage = IncidentPhoto._meta.get_field("thumbnail").storage
    return [
        {
            "id": row.id,
            "reference": row.reference,
            "status": row.status,
            "status_display": str(Status(row.status).label),
            "category": row.category,
            "distance_m": round(row.distance_m),
            "created_at": row.created_at,
            "thumbnail_url": absolute(storage.url(row.thumbnail)) if row.thumbnail else None,
            "public_url": public_report_url(row.reference),
            "demand": demand.get(row.id, 1),
        }
        for row in rows
    ]
