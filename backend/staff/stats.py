"""Staff API v1 statistics: the map's stats strip, overdue counts and late rates per unit."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.periods import period_from
from backend.common.replicas import reads_from_replica
from backend.common.schema import errors
from backend.incidents.models import open_q
from backend.incidents.selectors.staff import (
    OPEN_EMERGENCY,
    incidents_visible_to,
    late_rate_by_unit,
    overdue,
    overdue_count_by_unit,
)

from . import schema as sch
from .views import StaffView


@reads_from_replica
class SummaryView(StaffView):
    """GET stats/summary — the map's stats strip for everything in the caller's scope."""

    @extend_schema(
        responses={200: sch.StaffSummaryOut, **errors(403)},
        tags=["staff: statistics"],
        summary="Số liệu tóm tắt — the map's stats strip",
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        visible = incidents_visible_to(request.user)
        today = timezone.localdate(now)
        week_start = dt.datetime.combine(
            today - dt.timedelta(days=today.weekday()),
            dt.time.min,
            tzinfo=timezone.get_current_timezone(),
        )
        quarter = period_from({})  # the current quarter
        rows = late_rate_by_unit(user=request.user, start=quarter.start, end=quarter.end)
        resolved = sum(r["resolved"] for r in rows)
        late = sum(r["late"] for r in rows)
        return Response(
            {
                "open": visible.filter(open_q()).count(),
                "overdue": overdue(visible, now=now).count(),
                "emergencies_open": visible.filter(OPEN_EMERGENCY).count(),
                "emergencies_overdue": overdue(visible.filter(OPEN_EMERGENCY), now=now).count(),
                "resolved_this_week": visible.filter(resolved_at__gte=week_start).count(),
                "quarter": {
                    "start": quarter.start,
                    "end": quarter.end,
                    "resolved": resolved,
                    "late": late,
                },
                "late_rate": round(late / resolved, 4) if resolved else None,
            }
        )


@reads_from_replica
class OverdueView(StaffView):
    @extend_schema(
        responses={200: sch.StaffOverdueOut, **errors(403)},
        tags=["staff: statistics"],
        summary="Quá hạn theo đơn vị — open incidents past their deadline",
    )
    def get(self, request: Request) -> Response:
        counts = overdue_count_by_unit(user=request.user)
        return Response(
            {
                "total": sum(counts.values()),
                "by_unit": [
                    {"unit_id": k, "overdue": v} for k, v in sorted(counts.items(), key=str)
                ],
            }
        )


@reads_from_replica
class LateRateView(StaffView):
    @extend_schema(
        parameters=[sch.PERIOD],
        responses={200: sch.StaffLateRateOut, **errors(400, 403)},
        tags=["staff: statistics"],
        summary="Tỉ lệ trễ hạn theo quý — late rate per unit",
    )
    def get(self, request: Request) -> Response:
        period = period_from({"period": request.query_params.get("period")})
        rows = late_rate_by_unit(user=request.user, start=period.start, end=period.end)
        return Response({"start": period.start, "end": period.end, "by_unit": rows})
