"""Which unit handles a report: ordered routing rules, falling back to the ward's own unit.

Rules are (category, optional area) → unit, tried by priority; the first match wins. An area
matches the ward itself or any area containing it (the city), so a city-wide rule is written once.

`unit_for` runs on every report: the matching rules and the fallback are one query (UNION ALL,
rules first by (priority, id), then the ward's committee by code), read straight from the tables
so that an edit in the admin applies to the next report in every process; no cache to invalidate.
"""

from __future__ import annotations

from geo.locate import area_info
from geo.models import AdminArea

from .models import Category, RoutingRule, Unit, UnitKind


def _unit_for_sql() -> str:
    unit, rule = Unit._meta, RoutingRule._meta
    areas = Unit.areas.through._meta.db_table
    columns = ", ".join(f"u.{f.column}" for f in unit.concrete_fields)
    return (
        f"SELECT {columns} FROM ("
        f" SELECT r.unit_id, 0 AS fallback, r.priority, r.id AS rule_id, '' AS code"
        f" FROM {rule.db_table} r JOIN {unit.db_table} a ON a.id = r.unit_id"
        f" WHERE r.category_id = %s AND r.is_active AND a.is_active"
        f" AND (r.area_id IS NULL OR r.area_id = ANY(%s))"
        f" UNION ALL"
        f" SELECT w.id, 1, 0, 0, w.code FROM {unit.db_table} w"
        f" JOIN {areas} wa ON wa.unit_id = w.id"
        f" WHERE wa.adminarea_id = %s AND w.kind = %s AND w.is_active"
        f") AS pick JOIN {unit.db_table} u ON u.id = pick.unit_id"
        f" ORDER BY pick.fallback, pick.priority, pick.rule_id, pick.code LIMIT 1"
    )


UNIT_FOR_SQL = _unit_for_sql()


def unit_for(*, category: Category, ward: AdminArea) -> Unit | None:
    """The unit responsible for `category` in `ward`; None when no rule and no unit covers it.

    The first active rule (by priority, id) whose unit is active and whose area is empty or
    contains the ward, else the ward's own People's Committee: one query.
    """
    info = area_info(ward.pk)
    area_ids = [a.id for a in info.chain] if info else [ward.pk]
    params = [category.pk, area_ids, ward.pk, UnitKind.WARD_COMMITTEE.value]
    return next(iter(Unit.objects.raw(UNIT_FOR_SQL, params)), None)
