"""Already reported? Open reports near a point, and duplicate candidates of one report.

- `similar_open`: what a resident is offered before submitting (web form, app): the public,
  open reports of the same category within the category's radius and time window
  (`Category.duplicate_radius_m`, `duplicate_window_days`), nearest first. Served by the partial
  GiST index `incident_open_location` (a bounding box, then the exact distance: geo.nearby).
- `duplicate_candidates`: what staff see in the detail panel: reports around one report (any
  category, a wider circle and both sides of its time) scored by distance, time, category,
  photo likeness (`photos.hamming` of the 64-bit difference hashes) and text likeness (pg_trgm
  `similarity`). The score is a weighted mean of the signals present (a report without photos
  is not punished for it), 0–1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.db import connection
from django.db.models import F, FloatField, Func, Prefetch, QuerySet, Value
from django.utils import timezone

from backend.units.models import Category
from geo.nearby import box_around, distance_sql, within_params, within_sql

from ..models import OPEN_STATUSES, Incident, IncidentPhoto, PhotoKind, Status
from ..photos import hamming

SIMILAR_LIMIT = 10
# staff look wider than residents: this many times the category's radius and window
CANDIDATE_REACH = 3
CANDIDATE_POOL = 60  # nearest rows scored in Python
CANDIDATE_LIMIT = 10
NOT_A_MASTER = (Status.MERGED, Status.CANCELLED, Status.REJECTED)
# hashes this many bits apart or more count as unrelated pictures (random pairs: ~32)
PHOTO_UNRELATED_BITS = 24
WEIGHTS = {"distance": 0.30, "time": 0.15, "category": 0.20, "photo": 0.20, "text": 0.15}


@dataclass(frozen=True)
class Nearby:
    """An open report near the point asked about (what a resident may see of it)."""

    id: int
    reference: str
    status: str
    category: str
    created_at: dt.datetime
    distance_m: float
    thumbnail: str | None  # the storage name of its first report photo's thumbnail


def _table(model: Any, alias: str) -> str:
    return f"{connection.ops.quote_name(model._meta.db_table)} {alias}"


def _similar_sql(limit: int) -> str:
    # one statement, the same text every time: the ORM compiled this in ~10 ms, more than the
    # query itself takes (docs/PERFORMANCE.md)
    return f"""
        SELECT i.id, i.reference, i.status, c.code, i.created_at,
               {distance_sql("i.location")} AS metres,
               (SELECT p.thumbnail FROM {_table(IncidentPhoto, "p")}
                 WHERE p.incident_id = i.id AND p.kind = %s
                 ORDER BY p.created_at, p.id LIMIT 1)
          FROM {_table(Incident, "i")} JOIN {_table(Category, "c")} ON c.id = i.category_id
         WHERE {within_sql("i.location")}
           AND i.status = ANY(%s) AND i.category_id = %s AND i.is_public
           AND i.created_at >= %s
         ORDER BY metres, i.created_at DESC
         LIMIT {int(limit)}
    """


def similar_open(
    *, point: Point, category: Category, now: dt.datetime | None = None, limit: int = SIMILAR_LIMIT
) -> list[Nearby]:
    """Public open reports of `category` within its radius and window of `point`, nearest
    first (one query, served by the partial GiST index `incident_open_location`)."""
    since = (now or timezone.now()) - dt.timedelta(days=category.duplicate_window_days)
    lon, lat = point.x, point.y
    params = [
        lon,
        lat,
        PhotoKind.REPORT,
        *within_params(lon, lat, category.duplicate_radius_m),
        list(OPEN_STATUSES),
        category.pk,
        since,
    ]
    # a plain psycopg cursor binds server-side, so the statement is prepared after a few runs
    # (DATABASES OPTIONS prepare_threshold), as geo.locate does; Django's would bind client-side
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_similar_sql(limit), params)
        rows = cursor.fetchall()
    return [
        Nearby(pk, reference, status, code, created, float(metres), thumb or None)
        for pk, reference, status, code, created, metres, thumb in rows
    ]


def _report_photos() -> Any:  # a Prefetch; its stub types do not fit to_attr
    return Prefetch(
        "photos",
        queryset=IncidentPhoto.objects.filter(kind=PhotoKind.REPORT).order_by("created_at", "id"),
        to_attr="report_photos",
    )


def _near(incidents: QuerySet[Incident], point: Point, radius_m: float) -> Any:
    """`incidents` within `radius_m` of `point`, each with its `distance` (bbox, then sphere)."""
    west, south, east, north = box_around(point.x, point.y, radius_m)
    box = Polygon.from_bbox((west, south, east, north))
    box.srid = 4326
    return (
        incidents.filter(location__bboverlaps=box)
        .annotate(distance=Distance("location", point))
        .filter(distance__lte=D(m=radius_m))
    )


@dataclass
class Candidate:
    incident: Incident
    distance_m: float
    hours_apart: float
    signals: dict[str, float | None] = field(default_factory=dict)
    score: float = 0.0


class Similarity(Func):
    function = "similarity"
    output_field = FloatField()


def _photo_likeness(mine: list[int], theirs: list[int]) -> float | None:
    if not mine or not theirs:
        return None
    closest = min(hamming(a, b) for a in mine for b in theirs)
    return max(0.0, 1 - closest / PHOTO_UNRELATED_BITS)


def _score(signals: dict[str, float | None]) -> float:
    present = {k: v for k, v in signals.items() if v is not None}
    total = sum(WEIGHTS[k] for k in present)
    return round(sum(WEIGHTS[k] * v for k, v in present.items()) / total, 3) if total else 0.0


def duplicate_candidates(
    *, incident: Incident, among: QuerySet[Incident], limit: int = CANDIDATE_LIMIT
) -> list[Candidate]:
    """Reports of `among` (the staff member's scope) that may be the same problem as
    `incident`, best first, each with its signals and score (3 queries)."""
    category = incident.category
    reach_m = CANDIDATE_REACH * category.duplicate_radius_m
    window = dt.timedelta(days=CANDIDATE_REACH * category.duplicate_window_days)
    rows = list(
        _near(among, incident.location, reach_m)
        .exclude(pk=incident.pk)
        .exclude(status__in=NOT_A_MASTER)
        .filter(
            created_at__gte=incident.created_at - window,
            created_at__lte=incident.created_at + window,
        )
        .annotate(text=Similarity(F("description"), Value(incident.description)))
        .select_related("category", "unit")
        .defer("unit__fields")
        .prefetch_related(_report_photos())
        .order_by("distance", "-created_at")[:CANDIDATE_POOL]
    )
    mine = [
        p.dhash for p in incident.photos.all() if p.kind == PhotoKind.REPORT and p.dhash is not None
    ]
    found = []
    for row in rows:
        distance_m = float(row.distance.m)
        hours = abs((row.created_at - incident.created_at).total_seconds()) / 3600
        same_field = row.category.field == category.field
        signals: dict[str, float | None] = {
            "distance": max(0.0, 1 - distance_m / reach_m),
            "time": max(0.0, 1 - hours / (window.total_seconds() / 3600)),
            "category": 1.0 if row.category_id == category.pk else 0.5 if same_field else 0.0,
            "photo": _photo_likeness(
                mine, [p.dhash for p in row.report_photos if p.dhash is not None]
            ),
            "text": max(0.0, min(1.0, float(row.text or 0))),
        }
        found.append(Candidate(row, distance_m, hours, signals, _score(signals)))
    found.sort(key=lambda c: (-c.score, c.distance_m))
    return found[:limit]
