"""CSV and XLSX export of the current filter (capped at settings.HOTLINE_EXPORT_MAX_ROWS)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request

from backend.common.replicas import reads_from_replica
from backend.common.schema import errors
from backend.incidents.models import Status
from backend.incidents.selectors.staff import IncidentFilters, incident_list

from . import schema as sch
from . import serializers as s
from .views import StaffView, validated

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Names, not codes, for people reading the sheet (the ward code stays: it is the official
# administrative code, the key for joining other data); names in English when chosen.
COLUMNS = [
    ("reference", "reference"),
    ("status", "status"),
    ("category", "category__name"),
    ("ward_code", "ward__code"),
    ("ward", "ward__name"),
    ("unit", "unit__name"),
    ("address", "address"),
    ("description", "description"),
    ("created_at", "created_at"),
    ("due_at", "due_at"),
    ("resolved_at", "resolved_at"),
    ("is_late", "is_late"),
]
STATUS = 1
ENGLISH_NAMES = ("category__name", "ward__name", "unit__name")


def _filters(request: Request) -> IncidentFilters:
    """Validated before anything is written: a bad filter is a clean 400, no half-built file."""
    filters: IncidentFilters = validated(s.FilterSerializer, request.query_params).to_filters()
    return filters


def _rows(request: Request, filters: IncidentFilters) -> Iterator[tuple[Any, ...]]:
    queryset = incident_list(user=request.user, filters=filters)
    english = get_language() == "en"
    fields = [f"{path}_en" if english and path in ENGLISH_NAMES else path for _, path in COLUMNS]
    rows = queryset.values_list(*fields, *(ENGLISH_NAMES if english else ()))
    tz = timezone.get_current_timezone()
    labels = {value: str(label) for value, label in Status.choices}
    for row in rows[: settings.HOTLINE_EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        values = list(row[: len(COLUMNS)])
        if english:  # an English name may be blank: then the Vietnamese one
            for i, path in enumerate(fields):
                if path.endswith("_en") and not values[i]:
                    values[i] = row[len(COLUMNS) + ENGLISH_NAMES.index(path[: -len("_en")])]
        values[STATUS] = labels.get(values[STATUS], values[STATUS])
        yield tuple(
            v.astimezone(tz).strftime("%Y-%m-%d %H:%M") if hasattr(v, "astimezone") else v
            for v in values
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
