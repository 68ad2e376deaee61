"""What anyone may read: public reports, their public history and the clean photo copies.

Never public: rejected and cancelled reports, reports staff hid (`is_public=False`), duplicates
of such reports, internal notes, and anything about the reporter (name, phone, email, device).
Free text written by residents is published with phone numbers and e-mail addresses masked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from ..models import EventKind, Incident, IncidentEvent, IncidentPhoto, Status

HIDDEN_STATUSES = (Status.REJECTED, Status.CANCELLED)
# History entries the public sees: status changes and the unit's answers to the resident.
PUBLIC_EVENT_KINDS = (EventKind.STATUS, EventKind.COMMENT)
METRES_PER_DEGREE = 111_000.0
PUBLIC_FIELDS = (
    *("reference", "status", "description", "address", "location", "channel"),
    *("created_at", "updated_at", "due_at", "resolved_at", "rating__stars"),
    *("category__code", "category__name", "category__name_en", "merged_into__reference"),
    *("unit__code", "unit__name", "unit__name_en", "ward__code", "ward__name", "ward__name_en"),
)

_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def public_text(text: str) -> str:
    """Resident-written text as published: phone numbers and e-mail addresses masked."""
    return _EMAIL.sub("[email]", _PHONE.sub("[số điện thoại]", text))


def public_incidents() -> QuerySet[Incident]:
    visible = Q(is_public=True) & ~Q(status__in=HIDDEN_STATUSES)
    master_visible = Q(merged_into__is_public=True) & ~Q(merged_into__status__in=HIDDEN_STATUSES)
    return Incident.objects.filter(visible & (Q(merged_into__isnull=True) | master_visible))


def public_events() -> QuerySet[IncidentEvent]:
    return IncidentEvent.objects.filter(is_internal=False, kind__in=PUBLIC_EVENT_KINDS).exclude(
        to_status__in=HIDDEN_STATUSES
    )


@dataclass(frozen=True)
class PublicFilters:
    references: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # category codes
    statuses: list[str] = field(default_factory=list)
    created_from: dt.datetime | None = None
    created_to: dt.datetime | None = None  # inclusive
    updated_from: dt.datetime | None = None  # exclusive: strictly after
    updated_to: dt.datetime | None = None  # exclusive: strictly before
    near: tuple[float, float, float] | None = None  # lon, lat, radius in metres
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat


def _filtered(incidents: QuerySet[Incident], f: PublicFilters) -> QuerySet[Incident]:
    if f.references:
        # a list of ids wins over every other filter (GeoReport v2)
        return incidents.filter(reference__in=f.references)
    if f.categories:
        incidents = incidents.filter(category__code__in=f.categories)
    if f.statuses:
        incidents = incidents.filter(status__in=f.statuses)
    if f.created_from:
        incidents = incidents.filter(created_at__gte=f.created_from)
    if f.created_to:
        incidents = incidents.filter(created_at__lte=f.created_to)
    if f.updated_from:
        incidents = incidents.filter(updated_at__gt=f.updated_from)
    if f.updated_to:
        incidents = incidents.filter(updated_at__lt=f.updated_to)
    if f.bbox:
        incidents = incidents.filter(location__coveredby=Polygon.from_bbox(f.bbox))
    if f.near:
        lon, lat, radius = f.near
        pad = radius / METRES_PER_DEGREE * 1.5  # a box for the spatial index, then the circle
        box = Polygon.from_bbox((lon - pad, lat - pad, lon + pad, lat + pad))
        incidents = incidents.filter(location__coveredby=box).filter(
            location__distance_lte=(Point(lon, lat, srid=4326), D(m=radius))
        )
    return incidents


def _last_public_note() -> Subquery:
    notes = (
        public_events()
        .filter(incident=OuterRef("pk"))
        .exclude(note="")
        .order_by("-created_at", "-id")
        .values("note")[:1]
    )
    return Subquery(notes)


def _with_details(incidents: QuerySet[Incident], *, history: bool) -> QuerySet[Incident]:
    incidents = (
        incidents.select_related("category", "unit", "ward", "rating", "merged_into")
        .only(*PUBLIC_FIELDS)
        .annotate(public_note=_last_public_note())
        .prefetch_related(
            Prefetch("photos", queryset=IncidentPhoto.objects.order_by("created_at", "id"))
        )
    )
    if history:
        incidents = incidents.prefetch_related(
            Prefetch(
                "events",
                queryset=public_events().exclude(note="").order_by("created_at", "id"),
                to_attr="public_history",
            )
        )
    return incidents


def public_request_list(*, filters: PublicFilters, history: bool = False) -> QuerySet[Incident]:
    """Newest first; 2 queries a page (3 with the public history)."""
    return _with_details(_filtered(public_incidents(), filters), history=history).order_by(
        "-created_at", "-id"
    )


def public_request(*, reference: str, history: bool = False) -> Incident | None:
    return _with_details(public_incidents(), history=history).filter(reference=reference).first()


def public_request_by_pk(*, pk: int) -> Incident | None:
    return public_incidents().only("id", "reference").filter(pk=pk).first()


def public_updates(
    *, after: dt.datetime | None, before: dt.datetime | None
) -> QuerySet[IncidentEvent]:
    """Public history entries of public reports, oldest first (the updates feed), one query."""
    events = public_events().filter(incident__in=public_incidents())
    if after:
        events = events.filter(created_at__gt=after)
    if before:
        events = events.filter(created_at__lt=before)
    return (
        events.select_related("incident")
        .only(
            "id",
            "kind",
            "to_status",
            "note",
            "created_at",
            "incident__reference",
            "incident__status",
        )
        .order_by("created_at", "id")
    )
