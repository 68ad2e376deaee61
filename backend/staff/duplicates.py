"""GET /api/staff/v1/incidents/{id}/duplicates — reports that may be the same problem.

Candidates come from the viewer's own scope (a merge needs both reports in scope), scored by
`incidents.selectors.duplicates.duplicate_candidates`; merging is the existing merge action.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common.replicas import reads_from_replica
from backend.common.schema import errors
from backend.incidents.models import Status
from backend.incidents.selectors.duplicates import Candidate, duplicate_candidates
from backend.incidents.selectors.staff import incidents_visible_to
from backend.notifications.demand import demand_of

from . import schema as sch
from .views import StaffView, visible_incident


def duplicate_strings() -> dict[str, str]:
    """Text of the detail panel's duplicates section (static/staff/duplicates.js)."""
    return {
        "dup_title": _("Phản ánh có thể trùng"),
        "dup_none": _("Không thấy phản ánh nào có thể trùng."),
        "dup_demand": _("%(n)s người dân quan tâm"),
        "dup_score": _("Độ giống %(score)s%%"),
        "dup_distance": _("cách %(m)s m"),
        "dup_hours": _("lệch %(h)s giờ"),
        "dup_photo": _("ảnh giống %(p)s%%"),
        "dup_text": _("nội dung giống %(p)s%%"),
        "dup_merge": _("Gộp phản ánh này vào %(reference)s"),
        "dup_confirm": _(
            "Đóng %(this)s là trùng lặp của %(master)s? Người phản ánh sẽ theo dõi %(master)s."
        ),
        "dup_open": _("Xem"),
        "dup_merged_into": _("Đã gộp vào %(reference)s"),
    }


def _ref(obj: Any) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, "code": obj.code, "name": obj.name}


def candidate_row(candidate: Candidate, demand: dict[int, int]) -> dict[str, Any]:
    row = candidate.incident
    photos = row.report_photos  # type: ignore[attr-defined]
    return {
        "id": row.pk,
        "reference": row.reference,
        "status": row.status,
        "status_label": str(Status(row.status).label),
        "category": _ref(row.category),
        "unit": _ref(row.unit),
        "description": row.description[:200],
        "created_at": row.created_at,
        "distance_m": round(candidate.distance_m, 1),
        "hours_apart": round(candidate.hours_apart, 1),
        "thumbnail_url": photos[0].thumbnail.url if photos else None,
        "demand": demand.get(row.pk, 1),
        "score": candidate.score,
        "signals": {k: None if v is None else round(v, 3) for k, v in candidate.signals.items()},
    }


@reads_from_replica
class DuplicatesView(StaffView):
    @extend_schema(
        responses={200: sch.StaffDuplicatesOut, **errors(403, 404)},
        tags=["staff: incidents"],
        summary="Phản ánh có thể trùng — duplicate candidates, best first",
    )
    def get(self, request: Request, pk: int) -> Response:
        incident = visible_incident(request, pk)
        candidates = duplicate_candidates(
            incident=incident, among=incidents_visible_to(request.user)
        )
        demand = demand_of(c.incident.pk for c in candidates)
        return Response({"results": [candidate_row(c, demand) for c in candidates]})
