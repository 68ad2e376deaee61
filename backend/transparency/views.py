"""Public statistics: a JSON API, open-data downloads and a server-rendered page with charts
(Vietnamese first, English via i18n). Every figure comes from `figures` (one source)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from backend.common.periods import Period, months_from, period_from
from backend.common.renderers import GeoJSONRenderer, JSONRenderer
from backend.common.replicas import reads_from_replica
from backend.common.schema import errors
from backend.common.throttles import ClientAddressIdent

from . import figures
from .schema import STATISTICS_PARAMETERS, TREND_PARAMETERS, StatisticsOut, TrendOut


class PublicThrottle(ClientAddressIdent, AnonRateThrottle):
    rate = "600/hour"


class PublicView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]


def _group(params: Any) -> str:
    group = str(params.get("group", "unit"))
    if group not in ("unit", "ward"):
        raise serializers.ValidationError({"group": ["unit | ward"]})
    return group


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
        group = _group(request.query_params)
        period = period_from(request.query_params)
        return Response(figures.statistics_body(group=group, period=period))


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
        return Response(figures.trend_body(first=first, last=last))


CSV_COLUMNS = ("code", "name", "name_en", *figures.FIGURE_FIELDS)


def _download(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@reads_from_replica
class StatisticsCsvView(PublicView):
    """Open data: the figures of each unit or ward of a period as CSV (UTF-8, a licence line
    starting with # first, then a header row)."""

    @extend_schema(
        summary="Dữ liệu mở (CSV) — figures per unit or ward",
        parameters=STATISTICS_PARAMETERS,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR), **errors(400, 429)},
        tags=["public: statistics"],
    )
    def get(self, request: Request) -> HttpResponse:
        group = _group(request.query_params)
        period = period_from(request.query_params)
        out = io.StringIO()
        out.write(f"# {settings.OPEN_DATA_LICENSE}\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerow(["city", "Toàn Thành phố", "Whole city", *_values(figures.city(period))])
        for row in figures.rows(group, period):
            writer.writerow([row["code"], row["name"], row["name_en"], *_values(row)])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        return _download(response, f"thong-ke-{group}-{_slug(period)}.csv")


def _values(row: dict[str, Any]) -> list[Any]:
    return ["" if row[k] is None else row[k] for k in figures.FIGURE_FIELDS]


def _slug(period: Period) -> str:
    return period.label.replace("…", "_")


@reads_from_replica
class WardsGeoJSONView(PublicView):
    """Open data: the wards with their figures of a period (GeoJSON, with a `license` member)."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]

    @extend_schema(
        summary="Dữ liệu mở (GeoJSON) — wards with their figures",
        parameters=[p for p in STATISTICS_PARAMETERS if p.name != "group"],
        responses={
            (200, "application/geo+json"): OpenApiResponse(OpenApiTypes.OBJECT),
            **errors(400, 429),
        },
        tags=["public: statistics"],
    )
    def get(self, request: Request) -> HttpResponse:
        period = period_from(request.query_params)
        text = figures.wards_figures_geojson_text(
            period=period, license_text=settings.OPEN_DATA_LICENSE
        )
        response = HttpResponse(text, content_type="application/geo+json")
        if request.query_params.get("download"):
            _download(response, f"thong-ke-phuong-{_slug(period)}.geojson")
        return response


def chart_strings() -> dict[str, str]:
    """Text the page's script writes (statistics.js), in the page's language."""
    return {
        "late_rate": _("Tỷ lệ trễ hạn"),
        "received": _("Tiếp nhận"),
        "resolved": _("Đã xử lý"),
        "rating": _("Đánh giá trung bình (sao)"),
        "no_data": _("Chưa có số liệu"),
        "sort": _("Sắp xếp"),
    }


def _stamp(*bodies: dict[str, Any]) -> str:
    text = json.dumps(bodies, cls=DjangoJSONEncoder, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _story(trend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The late rate's path for the headline: the first, middle and last month that has one."""
    rated = [m for m in trend if m["late_rate"] is not None]
    if len(rated) < 2:
        return []
    picks = sorted({0, len(rated) // 2, len(rated) - 1})
    return [rated[i] for i in picks]


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
    units = figures.statistics_body(group="unit", period=period)
    wards = figures.statistics_body(group="ward", period=period)
    trend = figures.trend_body(first=first, last=last)
    labelled = {
        group: [
            {**row, "label": (english and row["name_en"]) or row["name"]} for row in body["rows"]
        ]
        for group, body in (("unit", units), ("ward", wards))
    }
    top = max((m["late_rate"] or 0 for m in trend["months"]), default=0) or 1
    months = [{**m, "bar": round(100 * (m["late_rate"] or 0) / top)} for m in trend["months"]]
    query = (
        f"period={period.label}"
        if "…" not in period.label
        else (f"from={period.start.date()}&to={period.last_day}")
    )
    context = {
        # the tables (hundreds of rows, the page's main cost) rendered once per version of the
        # figures and language: the stamp changes whenever a figure does
        "stamp": _stamp(units, wards, trend),
        "tables_seconds": settings.PUBLIC_STATS_PAST_CACHE_SECONDS,
        "period": period,
        "city": units["city"],
        "units": labelled["unit"],
        "wards": labelled["ward"],
        "trend": months,
        "story": _story(trend["months"]),
        "query": query,
        "license": settings.OPEN_DATA_LICENSE,
        "strings": chart_strings(),
        # the charts draw these: the API's own answers for the same query
        "chart_data": {
            "lang": "en" if english else "vi",
            "units": units,
            "wards_url": f"/api/public/v1/stats/wards.geojson?{query}",
            "trend": trend,
            "api": {
                "units": f"/api/public/v1/stats?group=unit&{query}",
                "trend": f"/api/public/v1/stats/trend?from={first:%Y-%m}&to={last:%Y-%m}",
            },
        },
    }
    return render(request, "transparency/statistics.html", context)
