"""Point → ward: which assignable area of the boundary set in force covers a point.

One indexed query on subdivided pieces (`AreaPiece`) per call; area names and
parents come from an in-process cache, since boundaries change a few times a
decade. Covers (not contains) so a point on a border still matches; when two
wards cover a point (border, overlap sliver) the smallest code wins, so the
answer is deterministic. Zero matches is a normal answer: None.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

import psycopg
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from .models import AdminArea, AreaPiece, BoundarySet
from .points import OutsideServiceArea, check_lon_lat

CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class AreaInfo:
    id: int
    code: str
    level: str
    name: str
    name_en: str
    name_ascii: str
    boundary_set_id: int
    parent: AreaInfo | None
    former_district: str

    @property
    def chain(self) -> list[AreaInfo]:
        """This area and its parents, innermost first."""
        out: list[AreaInfo] = []
        node: AreaInfo | None = self
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    @property
    def full_name(self) -> str:
        return ", ".join(a.name for a in self.chain)


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded_at = 0.0
        self.sets: list[tuple[dt.date, dt.date | None, int]] = []
        self.areas: dict[int, AreaInfo] = {}

    def fresh(self) -> bool:
        return time.monotonic() - self.loaded_at < CACHE_SECONDS

    def load(self) -> None:
        sets = [
            (s.valid_from, s.valid_to, s.pk)
            for s in BoundarySet.objects.order_by("-valid_from").only("valid_from", "valid_to")
        ]
        rows = list(
            AdminArea.objects.order_by("level", "code").values(
                "id",
                "code",
                "level",
                "name",
                "name_en",
                "name_ascii",
                "boundary_set_id",
                "parent_id",
                "properties__district_name",
            )
        )
        by_id = {r["id"]: r for r in rows}
        built: dict[int, AreaInfo] = {}

        def build(area_id: int) -> AreaInfo:
            if area_id in built:
                return built[area_id]
            r = by_id[area_id]
            parent = build(r["parent_id"]) if r["parent_id"] in by_id else None
            built[area_id] = AreaInfo(
                id=r["id"],
                code=r["code"],
                level=r["level"],
                name=r["name"],
                name_en=r["name_en"],
                name_ascii=r["name_ascii"],
                boundary_set_id=r["boundary_set_id"],
                parent=parent,
                former_district=r["properties__district_name"] or "",
            )
            return built[area_id]

        for area_id in by_id:
            build(area_id)
        self.sets, self.areas, self.loaded_at = sets, built, time.monotonic()


_cache = _Cache()


def clear_cache() -> None:
    _cache.loaded_at = 0.0


def _ensure_cache() -> _Cache:
    if not _cache.fresh():
        with _cache.lock:
            if not _cache.fresh():
                _cache.load()
    return _cache


def boundary_set_id_at(at: dt.datetime | dt.date | None = None) -> int | None:
    """The boundary set in force at `at` (default now), judged by the local (Vietnam) date."""
    if at is None:
        at = timezone.now()
    day = timezone.localtime(at).date() if isinstance(at, dt.datetime) else at
    for valid_from, valid_to, pk in _ensure_cache().sets:
        if valid_from <= day and (valid_to is None or day < valid_to):
            return pk
    return None


def area_info(area_id: int) -> AreaInfo | None:
    return _ensure_cache().areas.get(area_id)


LOCATE_SQL = (
    f"SELECT area_id FROM {AreaPiece._meta.db_table} "
    "WHERE boundary_set_id = %s AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) "
    "ORDER BY area_code LIMIT 1"
)


def locate(lon: float, lat: float, at: dt.datetime | dt.date | None = None) -> AreaInfo | None:
    """The ward/commune covering (lon, lat) in the set in force at `at`, or None."""
    check_lon_lat(lon, lat)
    set_id = boundary_set_id_at(at)
    if set_id is None:
        return None
    # The hottest query of the system goes straight to psycopg: Django's cursors bind
    # parameters client-side, a plain psycopg.Cursor binds server-side and so becomes a
    # prepared statement (DATABASES OPTIONS prepare_threshold) instead of re-planning.
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(LOCATE_SQL, [set_id, lon, lat])
        row = cursor.fetchone()
    return area_info(row[0]) if row else None


LOCATE_MANY_SQL = (
    f"SELECT (SELECT a.area_id FROM {AreaPiece._meta.db_table} a WHERE a.boundary_set_id = %s"
    "  AND ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))"
    "  ORDER BY a.area_code LIMIT 1)"
    " FROM unnest(%s::float8[], %s::float8[]) WITH ORDINALITY AS p(lon, lat, n) ORDER BY p.n"
)


def locate_many(points: list[tuple[float, float]]) -> list[AreaInfo | None]:
    """`locate` for many (lon, lat) at once, in the set in force now: one statement, the
    answers in the order of `points` (None outside every ward)."""
    set_id = boundary_set_id_at()
    if set_id is None or not points:
        return [None] * len(points)
    with connection.cursor() as cursor:
        cursor.execute(
            LOCATE_MANY_SQL, [set_id, [lon for lon, _ in points], [lat for _, lat in points]]
        )
        return [area_info(row[0]) if row[0] is not None else None for row in cursor.fetchall()]


def ward_at(point: Point) -> AdminArea:
    """The ward covering `point` now, or `OutsideServiceArea` (422)."""
    area = locate(point.x, point.y)
    if area is None:
        raise OutsideServiceArea.at(point)
    # The ward as `.only("id", "code", "name", "name_en")` would load it, but from locate's
    # in-process cache (the same data locate just used): one query less per report.
    return AdminArea.from_db(
        AdminArea.objects.db,
        ["id", "code", "name", "name_en"],
        [area.id, area.code, area.name, area.name_en],
    )
