"""The staff map's rows as SQL (`geo.tiles.Rows`): the one query path of the map's tiles.

The incidents the list shows (`staff.apply_filters(incidents_visible_to(user))`, same scope and
same meaning of every filter) written once here as SQL with every value a parameter, instead
of compiled by the ORM for every tile (0.3–1 ms of a 3–15 ms tile; docs/PERFORMANCE.md):

- `point_rows`: id, point, status, overdue and open-emergency flags, newest first (z ≥ 12);
- `grid_rows`: below z 12, the counts per cell (`IncidentGridCount`, kept by the database's
  trigger) for the filters they are keyed by — scope, status, category, ward, unit, overdue;
- `live_rows`: point and flags of every matching incident, counted per cell live when a filter
  is not a key of the counts (text, created dates, assignee, bbox).

Identifiers come from the models' metadata; every value is a parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from backend.common.periods import local_midnight
from backend.units.selectors import StaffScope, staff_scope
from geo.tiles import Rows, covered_by_box_sql

from ..models import OPEN_STATUSES, Incident, IncidentGridCount, IncidentGridState
from .staff import IncidentFilters

_EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.UTC)  # "never rolled": every open incident is live


def counted(filters: IncidentFilters) -> bool:
    """Whether the counts per cell are keyed by every filter set (else: counted live)."""
    f = filters
    return not (f.q or f.created_from or f.created_to or f.assignee is not None or f.bbox)


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _col(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return connection.ops.quote_name(field.column)


class _Where:
    """Conditions and their parameters, in the order they are written."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.params: list[Any] = []

    def add(self, sql: str, *params: Any) -> None:
        self.parts.append(sql)
        self.params.extend(params)

    def any_of(self, column: str, values: Sequence[Any]) -> None:
        self.add(f"{column} IN ({', '.join(['%s'] * len(values))})", *values)

    def sql(self) -> str:
        return " AND ".join(self.parts) or "true"


def _open_in(column: str) -> tuple[str, list[str]]:
    return f"{column} IN ({', '.join(['%s'] * len(OPEN_STATUSES))})", [*OPEN_STATUSES]


def _keyed(model: type[Model], scope: StaffScope, f: IncidentFilters) -> _Where:
    """Scope, status, category, ward and unit on `model`'s columns of those names."""
    where = _Where()
    unit = _col(model, "unit_id" if model is IncidentGridCount else "unit")
    if not scope.is_global:
        if not scope.unit_ids:
            where.add("false")
        else:
            where.any_of(unit, sorted(scope.unit_ids))
    if f.status:
        where.any_of(_col(model, "status"), f.status)
    if f.category:
        where.any_of(
            _col(model, "category_id" if model is IncidentGridCount else "category"), f.category
        )
    if f.ward:
        where.any_of(_col(model, "ward_id" if model is IncidentGridCount else "ward"), f.ward)
    if f.unit:
        where.any_of(unit, f.unit)
    return where


def _filtered(scope: StaffScope, f: IncidentFilters, now: dt.datetime) -> _Where:
    """Every filter of the list on the incidents (as `staff.apply_filters`)."""
    where = _keyed(Incident, scope, f)
    if f.assignee is not None:
        where.add(f"{_col(Incident, 'assignee')} = %s", f.assignee)
    if f.overdue is not None:
        overdue, params = _overdue_sql(now)
        late = f"coalesce({overdue}, false)"
        where.add(late if f.overdue else f"NOT {late}", *params)
    created = _col(Incident, "created_at")
    if f.created_from:
        where.add(f"{created} >= %s", local_midnight(f.created_from))
    if f.created_to:  # inclusive local date
        where.add(f"{created} < %s", local_midnight(f.created_to + dt.timedelta(days=1)))
    if f.q:  # as reference__iexact | description__icontains | address__icontains
        q = f.q.strip()
        like = f"%{connection.ops.prep_for_like_query(q)}%"
        where.add(
            f"(UPPER({_col(Incident, 'reference')}) = UPPER(%s)"
            f" OR UPPER({_col(Incident, 'description')}) LIKE UPPER(%s)"
            f" OR UPPER({_col(Incident, 'address')}) LIKE UPPER(%s))",
            q,
            like,
            like,
        )
    if f.bbox:
        where.add(covered_by_box_sql(_col(Incident, "location")), *f.bbox)
    return where


def _overdue_sql(now: dt.datetime) -> tuple[str, list[Any]]:
    """Open and past its deadline (NULL without a deadline: the feature then has no flag)."""
    is_open, statuses = _open_in(_col(Incident, "status"))
    return f"({_col(Incident, 'due_at')} < %s AND {is_open})", [now, *statuses]


def point_rows(*, user: Any, filters: IncidentFilters, now: dt.datetime) -> Rows:
    """id, location, status, overdue and emergency (an open emergency: its own marker) of the
    incidents `user` sees with `filters`, newest first."""
    where = _filtered(staff_scope(user), filters, now)
    overdue, overdue_params = _overdue_sql(now)
    is_open, statuses = _open_in(_col(Incident, "status"))
    emergency = f"({_col(Incident, 'is_emergency')} AND {is_open})"
    pk, location, status = (
        _col(Incident, "id"),
        _col(Incident, "location"),
        _col(Incident, "status"),
    )
    select = (
        f"SELECT {pk}, {location}, {status}, {overdue}, {emergency}"
        f" FROM {_table(Incident)} WHERE {where.sql()}"
    )
    params = (*overdue_params, *statuses, *where.params)
    return Rows(select, params, geom=location, order=f"{pk} DESC")


def live_rows(*, user: Any, filters: IncidentFilters, now: dt.datetime) -> Rows:
    """location and the `overdue` and `open` flags of the incidents `user` sees with `filters`,
    for geo.tiles.grid_tile."""
    where = _filtered(staff_scope(user), filters, now)
    overdue, overdue_params = _overdue_sql(now)
    is_open, statuses = _open_in(_col(Incident, "status"))
    location = _col(Incident, "location")
    select = f"SELECT {location}, {overdue}, {is_open} FROM {_table(Incident)} WHERE {where.sql()}"
    return Rows(select, (*overdue_params, *statuses, *where.params), geom=location)


def grid_rows(*, user: Any, filters: IncidentFilters, now: dt.datetime) -> tuple[Rows, Rows] | None:
    """The map's counts per cell: (count rows, live rows) for geo.tiles.summed_grid_tile with
    sums `overdue` and `open`; None when the filters need the rows counted live (`counted`).

    Count rows come from `IncidentGridCount`. The live rows are the open incidents in scope
    that fell due since the counts' last roll: counted as not overdue there, they are added to
    `overdue` (and, with overdue=true, to `n` and `open`; with overdue=false, taken off them).
    """
    if not counted(filters):
        return None
    f, scope = filters, staff_scope(user)
    counts = _keyed(IncidentGridCount, scope, f)
    if f.overdue is not None:
        counts.add("is_overdue = %s", f.overdue)
    is_open, statuses = _open_in("status")
    count_select = (
        "SELECT cell_x, cell_y, n, sum_lon, sum_lat,"
        " CASE WHEN is_overdue THEN n ELSE 0 END,"
        f" CASE WHEN {is_open} THEN n ELSE 0 END"
        f" FROM {_table(IncidentGridCount)} WHERE {counts.sql()}"
    )
    count_rows = Rows(count_select, (*statuses, *counts.params))

    # open incidents that fell due since the counts' last roll: added to `overdue`, and with
    # overdue=true added to n and open, with overdue=false taken off them
    weight = {None: 0, True: 1, False: -1}[f.overdue]
    late = 0 if f.overdue is False else 1
    live = _keyed(Incident, scope, f)
    due = _col(Incident, "due_at")
    rolled = (
        f"SELECT {_col(IncidentGridState, 'overdue_as_of')} FROM {_table(IncidentGridState)}"
        f" ORDER BY {_col(IncidentGridState, 'id')} LIMIT 1"
    )
    live.add(f"{due} >= coalesce(({rolled}), %s)", _EPOCH)
    live.add(f"{due} < %s", now)
    live_open, live_statuses = _open_in(_col(Incident, "status"))
    live.add(live_open, *live_statuses)
    location = _col(Incident, "location")
    live_select = (
        f"SELECT {location}, {weight}, {late}, {weight} FROM {_table(Incident)} WHERE {live.sql()}"
    )
    return count_rows, Rows(live_select, tuple(live.params), geom=location)
