"""Bulk re-assignment of stored points to the areas of another boundary set."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Model, QuerySet

from .models import AreaAssignment, AreaPiece


def _covering_area_sql() -> str:
    return (
        f"(SELECT p.area_id FROM {AreaPiece._meta.db_table} p"
        " WHERE p.boundary_set_id = %s AND ST_Covers(p.geom, s.pt)"
        " ORDER BY p.area_code LIMIT 1)"
    )


def reassign_areas(
    queryset: QuerySet[Model], *, point_field: str, area_field: str, boundary_set_id: int
) -> int:
    """Point each row's `area_field` at the area of `boundary_set_id` covering its point.

    One UPDATE statement; rows whose area does not change are not written, rows whose
    point lies in no area of the new set keep their old area. Returns rows updated.
    """
    model = queryset.model
    meta = model._meta
    pk_col = meta.pk.column
    area_col = meta.get_field(area_field).column  # type: ignore[union-attr]
    inner_sql, params = queryset.values_list("pk", point_field).query.sql_with_params()
    sql = f"""
        UPDATE {meta.db_table} AS t SET {area_col} = m.area_id
        FROM (
            SELECT s.id, {_covering_area_sql()} AS area_id
            FROM ({inner_sql}) AS s (id, pt)
        ) AS m
        WHERE t.{pk_col} = m.id AND m.area_id IS NOT NULL
          AND t.{area_col} IS DISTINCT FROM m.area_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [boundary_set_id, *params])
        return int(cursor.rowcount)


def assign_to_set(queryset: QuerySet[Model], *, point_field: str, boundary_set_id: int) -> int:
    """Write each row's area in `boundary_set_id` as fresh AreaAssignment rows.

    The rows being mapped are not touched; an existing assignment for the same set is
    replaced. Rows whose point lies in no area of the set get no assignment. Returns the
    number of assignments written. One transaction: the spatial join goes to
    a temporary table first (no WAL, no index upkeep), then one plain INSERT writes the
    narrow rows — cheaper than INSERT … ON CONFLICT row by row (docs/PERFORMANCE.md).
    """
    subject = queryset.model._meta.label_lower
    inner_sql, params = queryset.values_list("pk", point_field).query.sql_with_params()
    table = AreaAssignment._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS _geo_assign")
        cursor.execute(
            f"CREATE TEMP TABLE _geo_assign ON COMMIT DROP AS"
            f" SELECT s.id, {_covering_area_sql()} AS area_id FROM ({inner_sql}) AS s (id, pt)",
            [boundary_set_id, *params],
        )
        cursor.execute(
            f"DELETE FROM {table} a USING _geo_assign m WHERE a.boundary_set_id = %s"
            " AND a.subject = %s AND a.object_id = m.id",
            [boundary_set_id, subject],
        )
        cursor.execute(
            f"INSERT INTO {table} (boundary_set_id, subject, object_id, area_id)"
            " SELECT %s, %s, id, area_id FROM _geo_assign WHERE area_id IS NOT NULL",
            [boundary_set_id, subject],
        )
        written = int(cursor.rowcount)
        cursor.execute("DROP TABLE _geo_assign")
        return written
