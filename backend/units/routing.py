"""Which unit handles a report: ordered routing rules, falling back to the ward's own unit.

Rules are (category, optional area) → unit, tried by priority; the first match wins. An area
matches the ward itself or any area containing it (the city), so a city-wide rule is written once.

`unit_for` runs on every report: the matching rules and the fallback are one query (UNION ALL,
rules first by (priority, id), then the ward's committee by code), read straight from the tables
so that an edit in the admin applies to the next report in every process; no cache to invalidate.
A new report needs its deadline too, which depends on the unit: `routing_for` reads the unit, its
SLA policy and the calendar days in that same query (one round trip per report, not two).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from backend.common.db import from_row, server_bound_cursor
from geo.locate import area_info
from geo.models import AdminArea

from .deadlines import (
    deadline_params,
    due_at_from,
    emergency_due_at,
    policy_and_days_from,
    policy_and_days_sql,
)
from .models import Category, RoutingRule, Unit, UnitKind


def _pick_sql() -> str:
    """The id of the unit for %(category)s in ward %(ward)s (inside areas %(areas)s): the first
    matching rule, else the ward's committee (%(committee)s: its kind). No row: no unit."""
    unit, rule = Unit._meta, RoutingRule._meta
    areas = Unit.areas.through._meta.db_table
    return (
        "SELECT pick.unit_id FROM ("
        " SELECT r.unit_id, 0 AS fallback, r.priority, r.id AS rule_id, '' AS code"
        f" FROM {rule.db_table} r JOIN {unit.db_table} a ON a.id = r.unit_id"
        " WHERE r.category_id = %(category)s AND r.is_active AND a.is_active"
        " AND (r.area_id IS NULL OR r.area_id = ANY(%(areas)s))"
        " UNION ALL"
        f" SELECT w.id, 1, 0, 0, w.code FROM {unit.db_table} w"
        f" JOIN {areas} wa ON wa.unit_id = w.id"
        " WHERE wa.adminarea_id = %(ward)s AND w.kind = %(committee)s AND w.is_active"
        ") AS pick ORDER BY pick.fallback, pick.priority, pick.rule_id, pick.code LIMIT 1"
    )


def _unit_columns() -> str:
    return ", ".join(f"u.{f.column}" for f in Unit._meta.concrete_fields)


UNIT_FOR_SQL = (
    f"SELECT {_unit_columns()} FROM ({_pick_sql()}) AS pick"
    f" JOIN {Unit._meta.db_table} u ON u.id = pick.unit_id"
)


def _routing_sql() -> str:
    # One row always: the unit's columns (NULL: no unit), then the deadline's inputs for it.
    deadline_columns, deadline_join = policy_and_days_sql("u.id")
    return (
        f"SELECT {_unit_columns()}, {deadline_columns} FROM (SELECT 1) AS one"
        f" LEFT JOIN ({_pick_sql()}) AS pick ON true"
        f" LEFT JOIN {Unit._meta.db_table} u ON u.id = pick.unit_id"
        f" {deadline_join}"
    )


ROUTING_SQL = _routing_sql()


def _pick_params(category: Category, ward: AdminArea) -> dict[str, Any]:
    info = area_info(ward.pk)
    return {
        "category": category.pk,
        "areas": [a.id for a in info.chain] if info else [ward.pk],
        "ward": ward.pk,
        "committee": UnitKind.WARD_COMMITTEE.value,
    }


def unit_for(*, category: Category, ward: AdminArea) -> Unit | None:
    """The unit responsible for `category` in `ward`; None when no rule and no unit covers it.

    The first active rule (by priority, id) whose unit is active and whose area is empty or
    contains the ward, else the ward's own People's Committee: one query.
    """
    return next(iter(Unit.objects.raw(UNIT_FOR_SQL, _pick_params(category, ward))), None)


@dataclass(frozen=True)
class Routing:
    unit: Unit | None
    due_at: dt.datetime | None


def routing_for(*, category: Category, ward: AdminArea, start: dt.datetime) -> Routing:
    """Where a new report of `category` in `ward`, arriving at `start`, goes and by when: the
    unit of `unit_for` and the deadline for it — an urgent category's in clock hours
    (`emergency_due_at`), else the SLA in working time (`due_at_for`) — in one query."""
    params = _pick_params(category, ward) | deadline_params(category, start)
    # Bound server-side, so the statement is prepared after a few reports instead of planned
    # every time: its plan (a union, three joins, two arrays) was most of its cost.
    with server_bound_cursor() as cursor:
        cursor.execute(ROUTING_SQL, params)
        row = cursor.fetchone()
    assert row is not None  # one row always
    width = len(Unit._meta.concrete_fields)
    unit_row, (amount, period, dates, kinds) = row[:width], row[width:]
    unit = from_row(Unit, unit_row) if unit_row[0] is not None else None
    if category.is_urgent:
        return Routing(unit, emergency_due_at(category=category, start=start))
    policy, overrides = policy_and_days_from(amount, period, dates, kinds, start)
    return Routing(unit, due_at_from(start, policy, overrides))
