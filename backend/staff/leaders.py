"""Staff API v1 for leaders: the dashboard of a scope, its hotspots, the weekly digest preview
and its history. Every number comes from one selector (`incidents.selectors.dashboard`,
`notifications.digest`): the page draws what these answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.periods import period_from
from backend.common.replicas import reads_from_replica
from backend.common.schema import errors
from backend.incidents.selectors.dashboard import (
    SCOPE_KINDS,
    DashboardForbidden,
    DashboardScope,
    dashboard,
    default_scope,
)
from backend.incidents.selectors.hotspots import scope_hotspots
from backend.notifications.digest import UnitDigest, iso_week, unit_digests, week_before
from backend.notifications.digest_notices import sms_text
from backend.notifications.models import Notice, NoticeKind
from backend.units.models import Unit
from backend.units.selectors import staff_scope

from .views import StaffView, validated

SCOPE_PARAMS = [
    OpenApiParameter("scope", str, enum=list(SCOPE_KINDS), description="default: your widest"),
    OpenApiParameter("unit", int, description="scope=unit: the unit (its sub-units included)"),
    OpenApiParameter("ward", int, description="scope=ward: the ward (AdminArea id)"),
    OpenApiParameter("field", str, description="scope=field: the field code (`traffic`, …)"),
]


class ScopeIn(serializers.Serializer):
    scope = serializers.ChoiceField(choices=SCOPE_KINDS, required=False)
    unit = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    ward = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    field = serializers.SlugField(required=False, max_length=64)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        needs = {"unit": "unit", "ward": "ward", "field": "field"}.get(attrs.get("scope", ""))
        if needs and not attrs.get(needs):
            raise serializers.ValidationError({needs: [_("Cần chọn cho phạm vi này.")]})
        return attrs


def scope_of(request: Request) -> DashboardScope:
    data = validated(ScopeIn, request.query_params).validated_data
    kind = data.get("scope")
    if not kind:
        return default_scope(request.user)
    return DashboardScope(
        kind=kind,
        unit_id=data.get("unit") if kind == "unit" else None,
        ward_id=data.get("ward") if kind == "ward" else None,
        field=data.get("field", "") if kind == "field" else "",
    )


@reads_from_replica
class DashboardView(StaffView):
    @extend_schema(
        parameters=SCOPE_PARAMS,
        responses={200: OpenApiTypes.OBJECT, **errors(400, 403)},
        tags=["staff: leaders"],
        summary="Bảng điều hành — the leaders' dashboard of a unit, ward, field or the city",
    )
    def get(self, request: Request) -> Response:
        return Response(dashboard(user=request.user, scope=scope_of(request)).as_dict())


class HotspotsIn(ScopeIn):
    period = serializers.CharField(required=False, max_length=16)
    of_field = serializers.SlugField(required=False, max_length=64)
    cell = serializers.IntegerField(required=False, min_value=50, max_value=2000, default=200)
    min_count = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=3)


@reads_from_replica
class HotspotsView(StaffView):
    @extend_schema(
        parameters=[
            *SCOPE_PARAMS,
            OpenApiParameter("period", str, description="`2026Q3`, `2026-09`; default: quarter"),
            OpenApiParameter("of_field", str, description="only the reports of this field"),
            OpenApiParameter("cell", int, description="cell size in metres (50–2000, 200)"),
            OpenApiParameter("min_count", int, description="reports a cell needs (default 3)"),
        ],
        responses={200: OpenApiTypes.OBJECT, **errors(400, 403)},
        tags=["staff: leaders"],
        summary="Điểm nóng — where reports repeat, ranked, with the previous period's counts",
    )
    def get(self, request: Request) -> Response:
        data = validated(HotspotsIn, request.query_params).validated_data
        period = period_from({"period": data.get("period")})
        end = min(period.end, timezone.now())
        if end <= period.start:
            raise serializers.ValidationError({"period": [_("Kỳ này chưa bắt đầu.")]})
        found = scope_hotspots(
            user=request.user,
            scope=scope_of(request),
            start=period.start,
            end=end,
            field=data.get("of_field", ""),
            cell_m=data["cell"],
            min_count=data["min_count"],
        )
        return Response(
            {
                "start": period.start,
                "end": end,
                "prev_start": period.start - (end - period.start),
                "cell_m": data["cell"],
                "hotspots": [
                    {
                        "rank": rank,
                        "cell": h.cell,
                        "lon": round(h.lon, 6),
                        "lat": round(h.lat, 6),
                        "n": h.n,
                        "previous": h.previous,
                        "change": h.change,
                        "ratio": h.ratio,
                    }
                    for rank, h in enumerate(found, 1)
                ],
            }
        )


class DigestIn(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**62)
    week = serializers.RegexField(r"^\d{4}-W\d{2}$", required=False)


def counts_dict(c: Any) -> dict[str, Any]:
    return {
        "received": c.received,
        "resolved": c.resolved,
        "on_time": c.on_time,
        "late": c.late,
        "overdue": c.overdue,
        "late_rate": c.late_rate,
        "prev_late_rate": c.prev_late_rate,
        "change": c.change,
    }


def digest_dict(digest: UnitDigest) -> dict[str, Any]:
    return {
        "unit": {"id": digest.unit.pk, "name": digest.unit.name},
        "week": {"start": digest.week.start, "end": digest.week.end, "label": digest.week.label},
        "total": counts_dict(digest.total),
        "by_field": {k: counts_dict(v) for k, v in sorted(digest.by_field.items())},
        "by_ward": {k: counts_dict(v) for k, v in sorted(digest.by_ward.items())},
        "sms": sms_text(digest),
    }


def digest_history(unit_id: int) -> list[dict[str, Any]]:
    rows = (
        Notice.objects.filter(unit_id=unit_id, kind=NoticeKind.DIGEST)
        .values("period", "status")
        .annotate(n=Count("pk"))
        .order_by("-period", "status")
    )
    weeks: dict[dt.date, dict[str, int]] = {}
    for row in rows:
        if row["period"] is None:
            continue
        weeks.setdefault(row["period"], {})[row["status"]] = row["n"]
    return [
        {"period": period, "week": f"{period:%G-W%V}", "notices": statuses}
        for period, statuses in list(weeks.items())[:52]
    ]


@reads_from_replica
class DigestPreviewView(StaffView):
    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, required=True),
            OpenApiParameter("week", str, description="ISO week `2026-W49`; default: the last"),
        ],
        responses={200: OpenApiTypes.OBJECT, **errors(400, 403)},
        tags=["staff: leaders"],
        summary="Báo cáo tuần — the weekly digest as the Friday SMS/e-mail carries it",
    )
    def get(self, request: Request) -> Response:
        data = validated(DigestIn, request.query_params).validated_data
        if not staff_scope(request.user).sees_unit(data["unit"]):
            raise DashboardForbidden(_("Đơn vị này ngoài phạm vi của bạn."))
        unit = Unit.objects.filter(pk=data["unit"]).first()
        if unit is None:
            raise DashboardForbidden(_("Đơn vị này ngoài phạm vi của bạn."))
        raw = data.get("week")
        if raw:
            year, number = raw.split("-W")
            try:
                week = iso_week(int(year), int(number))
            except ValueError:
                raise serializers.ValidationError({"week": [_("Tuần không tồn tại.")]}) from None
        else:
            week = week_before(timezone.now())
        (digest,) = unit_digests(week, units=[unit])
        return Response({**digest_dict(digest), "history": digest_history(unit.pk)})
