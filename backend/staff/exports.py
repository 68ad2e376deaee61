"""CSV and XLSX export of the current filter (capped at settings.HOTLINE_EXPORT_MAX_ROWS)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.request import Request

from backend.common.replicas import reads_from_replica
from backend.incidents.selectors.staff import incident_list

from . import serializers as s
from .views import StaffView, validated

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


def _rows(request: Request) -> Iterator[tuple[Any, ...]]:
    filters = validated(s.FilterSerializer, request.query_params).to_filters()
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
    def get(self, request: Request) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
        response.write("\ufeff")  # BOM: Excel then reads the file as UTF-8
        writer = csv.writer(response)
        writer.writerow([c[0] for c in COLUMNS])
        writer.writerows(_rows(request))
        return response


@reads_from_replica
class XlsxExportView(StaffView):
    def get(self, request: Request) -> HttpResponse:
        from openpyxl import Workbook

        rows = _rows(request)
        book = Workbook(write_only=True)
        sheet = book.create_sheet("phan-anh")
        sheet.append([c[0] for c in COLUMNS])
        for row in rows:
            sheet.append(list(row))
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
        return response
