"""What staff may read: incidents in their scope, filtered; overdue counts; late rates.

Scope: a unit's staff see incidents handled by their unit and its sub-units; supervisors and
admins see all. Everything outside the scope is simply absent (callers answer 404, not 403).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import Polygon
from django.db.models import (
    Count,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from backend.common.periods import local_midnight
from backend.units.selectors import staff_scope

from ..models import (
    OPEN_STATUSES,
    Incident,
    IncidentEvent,
    IncidentPhoto,
    overdue_q,
)
from .work import work_queue


def incidents_visible_to(user: Any) -> QuerySet[Incident]:
    scope = staff_scope(user)
    incidents = Incident.objects.all()
    if scope.is_global:
        return incidents
    if not scope.unit_ids:
        return incidents.none()
    return incidents.filter(unit_id__in=sorted(scope.unit_ids))


@dataclass(frozen=True)
class IncidentFilters:
    status: list[str] = field(default_factory=list)
    category: list[int] = field(default_factory=list)
    ward: list[int] = field(default_factory=list)
    unit: list[int] = field(default_factory=list)
    assignee: int | None = None
    overdue: bool | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None  # inclusive, local date
    q: str = ""
    bbox: tuple[float, float, float, float] | None = None  # min lon, min lat, max lon, max lat
    work: str = ""  # a "my work" queue (selectors/work.py): mine, unit, directions


def apply_filters(
    incidents: QuerySet[Incident], filters: IncidentFilters, *, now: dt.datetime | None = None
) -> QuerySet[Incident]:
    f = filters
    if f.status:
        incidents = incidents.filter(status__in=f.status)
    if f.category:
        incidents = incidents.filter(category_id__in=f.category)
    if f.ward:
        incidents = incidents.filter(ward_id__in=f.ward)
    if f.unit:
        incidents = incidents.filter(unit_id__in=f.unit)
    if f.assignee is not None:
        incidents = incidents.filter(assignee_id=f.assignee)
    if f.overdue is not None:
        late = overdue_q(now or timezone.now())
        incidents = incidents.filter(late) if f.overdue else incidents.exclude(late)
    if f.created_from:
        incidents = incidents.filter(created_at__gte=local_midnight(f.created_from))
    if f.created_to:
        end = local_midnight(f.created_to + dt.timedelta(days=1))
        incidents = incidents.filter(created_at__lt=end)
    if f.q:
        q = f.q.strip()
        incidents = incidents.filter(
            Q(reference__iexact=q) | Q(description__icontains=q) | Q(address__icontains=q)
        )
    if f.bbox:
        incidents = incidents.filter(location__coveredby=Polygon.from_bbox(f.bbox))
    return incidents


def incident_list(*, user: Any, filters: IncidentFilters) -> QuerySet[Incident]:
    """Newest first, with what a list row shows, in one query (not the ward's boundary: a
    list row names its ward, and a boundary is ~24 KB to send and parse per row)."""
    incidents = apply_filters(incidents_visible_to(user), filters)
    if filters.work:
        incidents = work_queue(incidents, user=user, queue=filters.work)
    return (
        incidents.select_related("category", "ward", "unit", "assignee")
        .defer("ward__geom")
        .order_by("-created_at", "-id")
    )


OPEN_EMERGENCY = Q(is_emergency=True, status__in=OPEN_STATUSES)
MAX_EMERGENCIES_ON_TOP = 500


class EmergenciesFirst:
    """The list as pages are cut from it: the open emergencies that match first (newest
    first), then the rest (newest first). Two index scans instead of one ordering on an
    expression, which would sort every row in scope before the first page: the emergencies
    (`incident_open_emergency`, a few rows) are read once, the rest is sliced as before."""

    def __init__(self, incidents: QuerySet[Incident]) -> None:
        self.rest = incidents.exclude(OPEN_EMERGENCY)
        self._top = incidents.filter(OPEN_EMERGENCY)
        self._top_rows: list[Incident] | None = None

    def top(self) -> list[Incident]:
        if self._top_rows is None:
            self._top_rows = list(self._top[:MAX_EMERGENCIES_ON_TOP])
        return self._top_rows

    def __getitem__(self, part: slice) -> list[Incident]:
        start, stop = part.start or 0, part.stop
        assert stop is not None and part.step is None, "pages only"
        top = self.top()
        rows = top[start:stop]
        rest_start, rest_stop = max(0, start - len(top)), stop - len(top)
        if rest_stop > rest_start:
            rows += list(self.rest[rest_start:rest_stop])
        return rows


def incident_list_emergencies_first(*, user: Any, filters: IncidentFilters) -> EmergenciesFirst:
    """What the staff lists show: `incident_list` with the open emergencies on top."""
    return EmergenciesFirst(incident_list(user=user, filters=filters))


def incident_detail(*, user: Any, pk: int) -> Incident:
    """One incident with photos and full history (internal entries included); 404 outside scope."""
    events = IncidentEvent.objects.select_related("actor", "unit").order_by("created_at", "id")
    return (
        incidents_visible_to(user)
        .select_related("category", "ward", "unit", "assignee", "merged_into")
        .prefetch_related(
            Prefetch("photos", queryset=IncidentPhoto.objects.order_by("created_at", "id")),
            Prefetch("events", queryset=events),
        )
        .get(pk=pk)
    )


def overdue(incidents: QuerySet[Incident], *, now: dt.datetime | None = None) -> QuerySet[Incident]:
    return incidents.filter(overdue_q(now or timezone.now()))


def overdue_count_by_unit(*, user: Any, now: dt.datetime | None = None) -> dict[int | None, int]:
    """{unit_id: open incidents past their deadline} for every unit in scope (partial index)."""
    rows = (
        overdue(incidents_visible_to(user), now=now)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("*"))
        .values_list("unit_id", "n")
    )
    return dict(rows)


# The one definition of "resolved in a period" and "late", shared with the public statistics
# (selectors/public_stats.py): an incident counts in the period its resolution falls in; it is late
# when it was resolved after its deadline (decided once, by incident_transition).
LATE = Q(is_late=True)


def resolved_between(start: dt.datetime, end: dt.datetime) -> Q:
    return Q(resolved_at__gte=start, resolved_at__lt=end)


def late_share(late: int, resolved: int) -> float | None:
    return round(late / resolved, 4) if resolved else None


def late_rate_by_unit(*, user: Any, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Per unit, incidents resolved in [start, end): how many, how many late, the late share."""
    rows = (
        incidents_visible_to(user)
        .filter(resolved_between(start, end))
        .order_by()
        .values("unit_id")
        .annotate(resolved=Count("*"), late=Count("is_late", filter=LATE))
        .order_by("unit_id")
    )
    return [{**row, "late_rate": late_share(row["late"], row["resolved"])} for row in rows]
