"""What a resident sees of their own reports (mobile app)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from backend.units.models import Category

from ..models import EventKind, Incident, IncidentEvent, IncidentPhoto

# History rows a resident sees: status changes, staff answers, their rating.
PUBLIC_EVENT_KINDS = (EventKind.STATUS, EventKind.COMMENT, EventKind.RATING)


def reports_of(*, reporter_id: int) -> QuerySet[Incident]:
    """The reporter's reports, newest first, with what a list row shows (2 queries a page)."""
    return (
        Incident.objects.filter(reporter_id=reporter_id)
        .select_related("category", "ward", "unit")
        .defer("ward__geom")
        .prefetch_related(
            Prefetch("photos", queryset=IncidentPhoto.objects.order_by("created_at", "id"))
        )
        .order_by("-created_at", "-id")
    )


def report_of(*, reporter_id: int, incident_id: int) -> Incident | None:
    """One report of the reporter with timeline, photos and rating (4 queries), or None."""
    return (
        Incident.objects.filter(reporter_id=reporter_id, pk=incident_id)
        .select_related("category", "ward", "unit", "rating", "merged_into")
        .defer("ward__geom")
        .prefetch_related(
            Prefetch("photos", queryset=IncidentPhoto.objects.order_by("created_at", "id")),
            Prefetch(
                "events",
                queryset=IncidentEvent.objects.filter(
                    is_internal=False, kind__in=PUBLIC_EVENT_KINDS
                ).order_by("created_at", "id"),
                to_attr="public_events",
            ),
        )
        .first()
    )


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("sort_order", "code")
