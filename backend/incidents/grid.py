"""Incident counts per map cell (`IncidentGridCount`): kept in step with every write.

Invariant: for every incident and every zoom of `geo.tiles.CELL_ZOOMS` there is one unit of `n`
(and its longitude/latitude in `sum_lon`/`sum_lat`) in the row keyed by its cell, status,
category, unit, ward and `is_overdue` = open and `due_at` < W, where W is
`IncidentGridState.overdue_as_of` (or −∞ when there is no state row).

- The write services call `before_change(ids)` before they change an incident's key fields
  (`KEY_FIELDS`) and `after_change(before, ids)` after, in the same transaction: a rollback
  leaves the counts as they were. New incidents only need `after_change(None, ids)`.
- `roll(now)` moves W forward: incidents that fell due since are moved to `is_overdue` (run it
  every minute or so; readers count the incidents due in [W, now) live, so a late roll costs
  time, never correctness).
- `rebuild()` recomputes everything from the incidents (after bulk SQL writes such as
  `generate_incidents` or `reassign_wards`): `manage.py rebuild_incident_grid`.

Concurrency: writers hold a shared advisory lock, `roll`/`rebuild` an exclusive one, so W never
moves under a writer. Each writer upserts its rows in key order, so two writers cannot deadlock
on the counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from geo.tiles import CELL_ZOOMS, cell_sql, lon_lat_sql

from .models import OPEN_STATUSES, Incident, IncidentGridCount, IncidentGridState

# an incident changing any of these moves between count rows
KEY_FIELDS = frozenset({"status", "category", "unit", "ward", "location", "due_at"})
LOCK_ID = 0x1022_6701  # pg advisory lock: shared by writers, exclusive for roll/rebuild
FINEST = CELL_ZOOMS[-1]

_T = {
    "incident": Incident._meta.db_table,
    "grid": IncidentGridCount._meta.db_table,
    "state": IncidentGridState._meta.db_table,
}
_W = f"COALESCE((SELECT overdue_as_of FROM {_T['state']} ORDER BY id LIMIT 1), '-infinity')"
_CX, _CY = cell_sql("i.location", FINEST)
_LON, _LAT = lon_lat_sql("i.location")
_OPEN = [str(s) for s in OPEN_STATUSES]
# one row per incident: its finest cell, key and position (`flag` is a SQL boolean expression)
_ROWS = f"""
    SELECT {_CX} AS cx, {_CY} AS cy, i.status, i.category_id, i.unit_id, i.ward_id,
           {{flag}} AS flag, {_LON} AS lon, {_LAT} AS lat
    FROM {_T["incident"]} AS i, (SELECT {_W} AS at) AS w
"""
_FLAG = "COALESCE(i.status = ANY(%(open)s) AND i.due_at < w.at, false)"
_COLUMNS = "cell_z, cell_x, cell_y, status, category_id, unit_id, ward_id, is_overdue"
# signed rows → one upsert per (zoom, cell, key), in key order (no deadlocks between writers)
_APPLY = f"""
    INSERT INTO {_T["grid"]} AS g ({_COLUMNS}, n, sum_lon, sum_lat)
    SELECT l.z, d.cx >> ({FINEST} - l.z), d.cy >> ({FINEST} - l.z), d.status, d.category_id,
           d.unit_id, d.ward_id, d.flag, sum(d.sign)::int, sum(d.sign * d.lon),
           sum(d.sign * d.lat)
    FROM ({{rows}}) AS d (cx, cy, status, category_id, unit_id, ward_id, flag, lon, lat, sign)
    CROSS JOIN unnest(%(levels)s::int[]) AS l(z)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
    HAVING sum(d.sign) <> 0 OR sum(d.sign * d.lon) <> 0 OR sum(d.sign * d.lat) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    ON CONFLICT ON CONSTRAINT incident_grid_key DO UPDATE
    SET n = g.n + EXCLUDED.n, sum_lon = g.sum_lon + EXCLUDED.sum_lon,
        sum_lat = g.sum_lat + EXCLUDED.sum_lat
"""
_OLD = """
    SELECT * FROM unnest(%(cx)s::int[], %(cy)s::int[], %(status)s::text[],
        %(category_id)s::bigint[], %(unit_id)s::bigint[], %(ward_id)s::bigint[],
        %(flag)s::bool[], %(lon)s::float8[], %(lat)s::float8[], %(sign)s::int[])
"""

Before = list[tuple[Any, ...]]


def _params(**extra: Any) -> dict[str, Any]:
    return {"open": _OPEN, "levels": list(CELL_ZOOMS), **extra}


def before_change(incident_ids: Sequence[int]) -> Before:
    """Lock the incidents' rows and note what they count for now (call in the transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [LOCK_ID])
        cursor.execute(
            _ROWS.format(flag=_FLAG) + " WHERE i.id = ANY(%(ids)s) FOR NO KEY UPDATE OF i",
            _params(ids=list(incident_ids)),
        )
        return list(cursor.fetchall())


def after_change(before: Before | None, incident_ids: Sequence[int]) -> None:
    """Move the counts from `before` (None for new incidents) to the incidents' rows now."""
    old = before or []
    columns = ("cx", "cy", "status", "category_id", "unit_id", "ward_id", "flag", "lon", "lat")
    arrays = {c: [row[k] for row in old] for k, c in enumerate(columns)}
    new = _ROWS.format(flag=_FLAG) + " WHERE i.id = ANY(%(ids)s)"
    rows = f"{_OLD} UNION ALL SELECT r.*, 1 FROM ({new}) AS r"
    with connection.cursor() as cursor:
        if before is None:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [LOCK_ID])
        cursor.execute(
            _APPLY.format(rows=rows),
            _params(ids=list(incident_ids), sign=[-1] * len(old), **arrays),
        )


def touches_counts(changed: Iterable[str]) -> bool:
    return not KEY_FIELDS.isdisjoint(changed)


def _set_watermark(cursor: Any, at: dt.datetime) -> None:
    cursor.execute(f"DELETE FROM {_T['state']}")
    cursor.execute(f"INSERT INTO {_T['state']} (id, overdue_as_of) VALUES (1, %s)", [at])


def roll(now: dt.datetime) -> int:
    """Flag the open incidents that fell due in [W, now) as overdue; W := now. Returns how many."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
        cursor.execute(f"SELECT overdue_as_of FROM {_T['state']} ORDER BY id LIMIT 1")
        row = cursor.fetchone()
        since = row[0] if row else None
        if since is not None and since >= now:
            return 0
        due = (
            " WHERE i.status = ANY(%(open)s) AND i.due_at < %(now)s"
            " AND i.due_at >= COALESCE(%(since)s::timestamptz, '-infinity')"
        )
        moved = (
            f"SELECT r.*, -1 FROM ({_ROWS.format(flag='false') + due}) AS r UNION ALL "
            f"SELECT r.*, 1 FROM ({_ROWS.format(flag='true') + due}) AS r"
        )
        cursor.execute(
            f"SELECT count(*) FROM {_T['incident']} AS i {due}", _params(since=since, now=now)
        )
        count = int(cursor.fetchone()[0])
        if count:
            cursor.execute(_APPLY.format(rows=moved), _params(since=since, now=now))
        cursor.execute(f"DELETE FROM {_T['grid']} WHERE n = 0")
        _set_watermark(cursor, now)
    return count


def rebuild(now: dt.datetime) -> int:
    """Recompute every count from the incidents, with W = now. Returns the number of rows.

    Rows are written in key order, so a tile's cells sit on a few pages (a city tile reads
    ~15k rows: ~150 pages instead of ~15k); the table's fillfactor leaves room for updates.
    """
    finest = f"""
        INSERT INTO {_T["grid"]} ({_COLUMNS}, n, sum_lon, sum_lat)
        SELECT {FINEST}, r.cx, r.cy, r.status, r.category_id, r.unit_id, r.ward_id, r.flag,
               count(*), sum(r.lon), sum(r.lat)
        FROM ({_ROWS.format(flag=_FLAG)} OFFSET 0) AS r
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    """
    coarser = f"""
        INSERT INTO {_T["grid"]} ({_COLUMNS}, n, sum_lon, sum_lat)
        SELECT l.z, g.cell_x >> ({FINEST} - l.z), g.cell_y >> ({FINEST} - l.z), g.status,
               g.category_id, g.unit_id, g.ward_id, g.is_overdue, sum(g.n), sum(g.sum_lon),
               sum(g.sum_lat)
        FROM {_T["grid"]} AS g CROSS JOIN unnest(%(levels)s::int[]) AS l(z)
        WHERE g.cell_z = {FINEST}
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
        cursor.execute(f"TRUNCATE {_T['grid']}")
        _set_watermark(cursor, now)
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(finest, _params())
        cursor.execute(coarser, _params(levels=list(CELL_ZOOMS[:-1])))
        cursor.execute(f"SELECT count(*) FROM {_T['grid']}")
        rows = int(cursor.fetchone()[0])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {_T['grid']}")
    return rows
