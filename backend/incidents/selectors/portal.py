"""What the residents' portal shows: the public map's rows as SQL, a report's public page, the
reports a resident follows.

The portal shows only published reports: public (`is_public`), not merged into another one, not
rejected or cancelled (`public.HIDDEN_STATUSES`, and the merged ones by status too). Nothing
about the reporter, no internal history entry, resident text with phones and e-mails masked
(`public.public_text`). The map's rows are written as SQL once (`geo.tiles.Rows`), as the staff
map's (`map_rows`): ids, points, status, field and reference — nothing else leaves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from geo.tiles import Rows

from ..models import Incident, IncidentEvent, IncidentGridCount, IncidentPhoto, Status
from .map_rows import _col, _table, _Where
from .public import HIDDEN_STATUSES, public_events

# every status a published report may have (rejected, cancelled, merged: never shown)
SHOWN_STATUSES = tuple(s for s in Status.values if s not in (*HIDDEN_STATUSES, Status.MERGED))


@dataclass(frozen=True)
class PortalFilters:
    categories: list[int] = field(default_factory=list)  # category ids
    statuses: list[str] = field(default_factory=list)  # within SHOWN_STATUSES
    wards: list[int] = field(default_factory=list)  # ward (area) ids
    since: dt.datetime | None = None  # created at or after


def _statuses(f: PortalFilters) -> list[str]:
    return [s for s in SHOWN_STATUSES if not f.statuses or s in f.statuses]


def _keyed(model: type[Any], f: PortalFilters) -> _Where:
    """Status, field and ward on `model`'s columns (an incident or a count row)."""
    where = _Where()
    counts = model is IncidentGridCount
    where.any_of(_col(model, "status"), _statuses(f))
    if f.categories:
        where.any_of(_col(model, "category_id" if counts else "category"), f.categories)
    if f.wards:
        where.any_of(_col(model, "ward_id" if counts else "ward"), f.wards)
    return where


def _published(f: PortalFilters) -> _Where:
    where = _keyed(Incident, f)
    where.add(f"{_col(Incident, 'is_public')}")
    where.add(f"{_col(Incident, 'merged_into')} IS NULL")
    if f.since is not None:
        where.add(f"{_col(Incident, 'created_at')} >= %s", f.since)
    return where


# Street zooms up to this one hold a large share of the city: their newest reports are read
# cell by cell through `incident_published_cell` (migration 0019, on the expressions of
# geo.tiles.cell_key_sql at this zoom; geo.tiles.cell_point_tile); above it, a tile holds a few
# thousand reports of millions, read through the GiST box and sorted.
CELL_ZOOM = 13


def portal_point_rows(filters: PortalFilters, *, z: int = CELL_ZOOM + 1) -> Rows:
    """id, point, status, field id and reference of the published reports, newest first.

    Up to CELL_ZOOM the rows are read per cell (`incident_published_cell`, ordered `id DESC`).
    From it on the order is written `id + 0`, which no index gives, so the rows come through
    the GiST box and a top-N sort. The reference is read only for the rows kept.
    """
    where = _published(filters)
    table, pk, location = _table(Incident), _col(Incident, "id"), _col(Incident, "location")
    reference = (
        f"(SELECT r.{_col(Incident, 'reference')} FROM {table} AS r WHERE r.{pk} = {table}.{pk})"
    )
    columns = ", ".join(
        [pk, location, _col(Incident, "status"), _col(Incident, "category"), reference]
    )
    select = f"SELECT {columns} FROM {table} WHERE {where.sql()}"
    order = f"{pk} DESC" if z <= CELL_ZOOM else f"{pk} + 0 DESC"
    return Rows(select, tuple(where.params), geom=location, order=order)


def portal_live_rows(filters: PortalFilters) -> Rows:
    """The point of every published report matching `filters` (counted per cell live)."""
    where = _published(filters)
    location = _col(Incident, "location")
    select = f"SELECT {location} FROM {_table(Incident)} WHERE {where.sql()}"
    return Rows(select, tuple(where.params), geom=location)


def portal_grid_rows(filters: PortalFilters) -> tuple[Rows, Rows] | None:
    """Counts per cell for low zooms: (count rows, corrections) for geo.tiles.summed_grid_tile,
    or None when a filter is not a key of the counts (the period: counted live).

    The counts (`IncidentGridCount`) know status, field and ward but not whether staff hid a
    report: the hidden ones of the shown statuses are the corrections, weight -1 (few, and read
    through their own small partial index).
    """
    if filters.since is not None:
        return None
    counts = _keyed(IncidentGridCount, filters)
    count_rows = Rows(
        "SELECT cell_x, cell_y, n, sum_lon, sum_lat"
        f" FROM {_table(IncidentGridCount)} WHERE {counts.sql()}",
        tuple(counts.params),
    )
    hidden = _keyed(Incident, filters)
    hidden.add(f"NOT {_col(Incident, 'is_public')}")  # literal: matches the partial index
    location = _col(Incident, "location")
    hidden_select = f"SELECT {location}, -1 FROM {_table(Incident)} WHERE {hidden.sql()}"
    return count_rows, Rows(hidden_select, tuple(hidden.params), geom=location)


def published() -> QuerySet[Incident]:
    """The reports the portal shows (the SQL above, as a queryset)."""
    return Incident.objects.filter(
        is_public=True, merged_into__isnull=True, status__in=SHOWN_STATUSES
    )


def portal_report(*, reference: str) -> Incident | None:
    """One published report for its page: field, ward, unit, rating, photos and the public
    timeline (`public_timeline`, oldest first) — 3 queries; None if not published."""
    events = public_events().order_by("created_at", "id")
    return (
        published()
        .filter(reference=reference)
        .select_related("category", "ward", "unit", "rating")
        .defer("ward__geom", "reporter", "assignee", "exif_location", "idempotency_key")
        .prefetch_related(
            Prefetch("photos", queryset=IncidentPhoto.objects.order_by("created_at", "id")),
            Prefetch("events", queryset=events, to_attr="public_timeline"),
        )
        .first()
    )


def merged_target(*, reference: str) -> str | None:
    """The reference of the published report a merged one now lives in, else None."""
    row = (
        Incident.objects.filter(reference=reference, merged_into__isnull=False)
        .filter(Q(merged_into__in=published()))
        .values_list("merged_into__reference", flat=True)
        .first()
    )
    return row


def published_by_reference(*, reference: str) -> Incident | None:
    return published().only("id", "reference", "status").filter(reference=reference).first()


def public_answers(incident: Incident) -> list[IncidentEvent]:
    """The unit's answers to residents on the page: public comments, oldest first."""
    return [e for e in getattr(incident, "public_timeline", []) if e.kind == "comment" and e.note]
