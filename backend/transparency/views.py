"""Public statistics: a JSON API and a server-rendered page (Vietnamese first, English via i18n)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from backend.common.periods import Period, months_from, period_from
from backend.common.replicas import reads_from_replica
from backend.common.schema import errors
from backend.common.throttles import ClientAddressIdent
from backend.incidents.selectors.public_stats import city_totals, city_trend, statistics_by

from .schema import STATISTICS_PARAMETERS, TREND_PARAMETERS, StatisticsOut, TrendOut


class PublicThrottle(ClientAddressIdent, AnonRateThrottle):
    rate = "600/hour"


class PublicView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]


def _period(period: Period) -> dict[str, Any]:
    return {"label": period.label, "start": period.start.date(), "end": period.last_day}


@reads_from_replica
class StatisticsView(PublicView):
    """GET ?group=unit|ward&period=2026Q1 (or from/to): the city and each unit or ward."""

    @extend_schema(
        summary="Thống kê công khai — the city and each unit or ward in a period",
        parameters=STATISTICS_PARAMETERS,
        responses={200: StatisticsOut, **errors(400, 429)},
        tags=["public: statistics"],
    )
    def get(self, request: Request) -> Response:
        group = request.query_params.get("group", "unit")
        if group not in ("unit", "ward"):
            raise serializers.ValidationError({"group": ["unit | ward"]})
        period = period_from(request.query_params)
        body = {
            "period": _period(period),
            "group": group,
            "city": city_totals(start=period.start, end=period.end),
            "rows": statistics_by(group=group, start=period.start, end=period.end),
        }
        return Response(body)


@reads_from_replica
class TrendView(PublicView):
    """GET ?from=2025-11&to=2026-10: the city month by month (default the last 12 months)."""

    @extend_schema(
        summary="Xu hướng theo tháng — the city month by month",
        parameters=TREND_PARAMETERS,
        responses={200: TrendOut, **errors(400, 429)},
        tags=["public: statistics"],
    )
    def get(self, request: Request) -> Response:
        first, last = months_from(request.query_params)
        return Response({"months": city_trend(first=first, last=last)})


@reads_from_replica
def statistics_page(request: HttpRequest) -> HttpResponse:
    try:
        period = period_from(request.GET)
    except serializers.ValidationError:
        # not a silent fallback: the page says the period was not understood, with a 400
        return render(
            request,
            "transparency/period_invalid.html",
            {"period": request.GET.get("period", "")},
            status=400,
        )
    # the trend: the twelve months up to the end of the chosen period
    first, last = months_from({"to": f"{period.last_day:%Y-%m}"})
    english = (get_language() or "vi").startswith("en")
    units = statistics_by(group="unit", start=period.start, end=period.end)
    wards = statistics_by(group="ward", start=period.start, end=period.end)
    for row in (*units, *wards):
        row["label"] = (english and row["name_en"]) or row["name"]
    trend = city_trend(first=first, last=last)
    top = max((m["late_rate"] or 0 for m in trend), default=0) or 1
    for month in trend:
        month["bar"] = round(100 * (month["late_rate"] or 0) / top)
    rated = [m for m in trend if m["late_rate"] is not None]
    context = {
        "period": period,
        "city": city_totals(start=period.start, end=period.end),
        "units": units,
        "wards": wards,
        "trend": trend,
        "story": (rated[0], rated[-1]) if len(rated) >= 2 else None,
    }
    return render(request, "transparency/statistics.html", context)
