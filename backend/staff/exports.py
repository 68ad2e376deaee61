"""CSV and XLSX export of the current filter (capped at settings.HOTLINE_EXPORT_MAX_ROWS)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request

from backend.common.replicas import reads_from_replica
from backend.common.schema import errors
from backend.incidents.selectors.staff import IncidentFilters, incident_list

from . import schema as sch
from . import serializers as s
from .views import StaffView, validated

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS = [
    ("reference", "reference"),
    ("status", "status"),
    ("category", "category__code"),
    ("ward_code", "ward__code"),
    ("ward", "ward__name"),
    ("unit", "unit__code"),
    ("address", "address"),
    ("description", "description"),
    ("created_at", "created_at"),
    ("due_at", "due_at"),
    ("resolved_at", "resolved_at"),
    ("is_late", "is_late"),
]


def _filters(request: Request) -> IncidentFilters:
    """Validated before anything is written: a bad filter is a clean 400, no half-built file."""
    filters: IncidentFilters = validated(s.FilterSerializer, request.query_params).to_filters()
    return filters


def _rows(request: Request, filters: IncidentFilters) -> Iterator[tuple[Any, ...]]:
    queryset = incident_list(user=request.user, filters=filters)
    rows = queryset.values_list(*(c[1] for c in COLUMNS))[: settings.HOTLINE_EXPORT_MAX_ROWS]
    tz = timezone.get_current_timezone()
    for row in rows.iterator(chunk_size=2000):
        yield tuple(
            v.astimezone(tz).strftime("%Y-%m-%d %H:%M") if hasattr(v, "astimezone") else v
            for v in row
        )


def _filename(ext: str) -> str:
    return f"phan-anh-{timezone.localtime():%Y%m%d-%H%M}.{ext}"


@reads_from_replica
class CsvExportView(StaffView):
    @extend_schema(
        operation_id="staff_incidents_csv",
        parameters=[sch.FilterSerializer],
        responses={
            (200, "text/csv"): sch.file_response("text/csv", "CSV export of the filter"),
            **errors(400, 403),
        },
        tags=["staff: incidents"],
        summary="Xuất CSV — export the filtered list",
    )
    def get(self, request: Request) -> HttpResponse:
        filters = _filters(request)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
        response.write("\ufeff")  # BOM: Excel then reads the file as UTF-8
        writer = csv.writer(response)
        writer.writerow([c[0] for c in COLUMNS])
        writer.writerows(_rows(request, filters))
        return response


@reads_from_replica
class XlsxExportView(StaffView):
    @extend_schema(
        operation_id="staff_incidents_xlsx",
        parameters=[sch.FilterSerializer],
        responses={
            (200, XLSX): sch.file_response(XLSX, "Excel export of the filter"),
            **errors(400, 403),
        },
        tags=["staff: incidents"],
        summary="Xuất Excel — export the filtered list",
    )
    def get(self, request: Request) -> HttpResponse:
        from openpyxl import Workbook

        rows = _rows(request, _filters(request))
        book = Workbook(write_only=True)
        sheet = book.create_sheet("phan-anh")
        sheet.append([c[0] for c in COLUMNS])
        for row in rows:
            sheet.append(list(row))
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type=XLSX,
        )
        response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
        return response
