"""Read-side spatial queries for maps."""

from __future__ import annotations

from django.db import connection

from .locate import boundary_set_id_at
from .models import ASSIGNABLE_LEVELS, AdminArea, AreaPiece


def wards_geojson(*, tolerance: float = 0.0001, boundary_set_id: int | None = None) -> str:
    """The assignable areas in force as a GeoJSON FeatureCollection (text, built in PostGIS).

    `tolerance` (degrees) simplifies with topology preserved per polygon; 0 keeps full detail.
    """
    set_id = boundary_set_id or boundary_set_id_at()
    if set_id is None:
        return '{"type":"FeatureCollection","features":[]}'
    geom = "ST_SimplifyPreserveTopology(geom, %s)" if tolerance > 0 else "geom"
    params: list[float] = [tolerance] if tolerance > 0 else []
    sql = f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features',
               coalesce(json_agg(f ORDER BY code), '[]'::json))::text
        FROM (SELECT code, json_build_object(
                'type', 'Feature', 'id', code,
                'geometry', ST_AsGeoJSON({geom}, 6)::json,
                'properties', json_build_object('code', code, 'name', name, 'name_en', name_en,
                                                'level', level, 'area_km2', area_km2)) AS f
              FROM {AdminArea._meta.db_table}
              WHERE boundary_set_id = %s AND level = ANY(%s)) s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, set_id, [str(lv) for lv in ASSIGNABLE_LEVELS]])
        return str(cursor.fetchone()[0])


def sample_points(*, per_area: int, seed: int = 1022) -> list[tuple[int, float, float]]:
    """`per_area` random points inside each assignable area in force: (area_id, lon, lat).

    For synthetic data (benchmarks, demo): spreads generated incidents over real streets'
    wards instead of stacking them on one point per ward.
    """
    set_id = boundary_set_id_at()
    sql = f"""
        SELECT id, ST_X(pt), ST_Y(pt) FROM (
            SELECT id, (ST_Dump(ST_GeneratePoints(geom, %s, %s))).geom AS pt
            FROM {AdminArea._meta.db_table}
            WHERE boundary_set_id = %s AND level = ANY(%s)) s
        ORDER BY id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [per_area, seed, set_id, [str(lv) for lv in ASSIGNABLE_LEVELS]])
        return [(int(a), float(x), float(y)) for a, x, y in cursor.fetchall()]


def ward_choices(*, english: bool = False) -> list[dict[str, object]]:
    """id and name of every assignable area in force, by name (a filter's choices)."""
    set_id = boundary_set_id_at()
    if set_id is None:
        return []
    rows = (
        AdminArea.objects.filter(boundary_set_id=set_id, level__in=ASSIGNABLE_LEVELS)
        .order_by("name")
        .values_list("id", "name", "name_en")
    )
    return [
        {"id": pk, "name": (name_en if english and name_en else name)} for pk, name, name_en in rows
    ]


NEIGHBOUR_METRES = 50  # gaps and slivers between official boundaries are a few metres wide


def neighbour_area_ids(area_id: int) -> set[int]:
    """Areas of the same set that share a border with `area_id` (within ~50 m), found through
    the small subdivided pieces (GiST) rather than the whole boundaries (~10× slower)."""
    table = AreaPiece._meta.db_table
    sql = f"""
        SELECT DISTINCT b.area_id FROM {table} a JOIN {table} b
          ON ST_DWithin(a.geom, b.geom, %s)
         AND b.boundary_set_id = a.boundary_set_id AND b.area_id <> a.area_id
        WHERE a.area_id = %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [NEIGHBOUR_METRES / 111_320, area_id])
        return {row[0] for row in cursor.fetchall()}
