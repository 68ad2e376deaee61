"""Incident counts per map cell (`IncidentGridCount`), kept by the database on every write.

Invariant: for every incident and every zoom of `geo.tiles.CELL_ZOOMS` there is one unit of `n`
(and its longitude/latitude in `sum_lon`/`sum_lat`) in the row keyed by its cell, status,
category, unit, ward and `is_overdue` = open and `due_at` < W, where W is
`IncidentGridState.overdue_as_of` (or −∞ when there is no state row).

- Kept by three statement-level triggers on the incidents table (AFTER INSERT / UPDATE /
  DELETE, with transition tables; migrations 0010, 0011): whatever writes incidents — the services,
  the admin, a shell, raw SQL — moves the counts in the same statement and transaction, so a
  rollback leaves them as they were. No Python write path calls anything here.
- The trigger function's SQL is `trigger_function_sql()`, built from geo.tiles' cell helpers
  like `roll` and `rebuild`; the migration holds a frozen copy of the text, and a test checks
  that the installed function is still exactly that text (a change here needs a migration).
- `roll(now)` moves W forward: incidents that fell due since are moved to `is_overdue` (a
  periodic job, every minute; readers count the incidents due in [W, now) live, so a late
  roll costs time, never correctness).
- `rebuild(now)` recomputes everything from the incidents: `manage.py rebuild_incident_grid`.
  `trigger_off_then_rebuild()` is for bulk tools that are faster that way.

Concurrency: the trigger takes a shared advisory lock, `roll`/`rebuild` an exclusive one, so W
never moves under a writer. Each statement upserts its count rows in key order, so two writers
that change incidents one statement per transaction (every service does) cannot deadlock on
the counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from geo.tiles import CELL_ZOOMS, cell_sql, lon_lat_sql

from .models import OPEN_STATUSES, Incident, IncidentGridCount, IncidentGridState

LOCK_ID = 0x1022_6701  # pg advisory lock: shared by writers, exclusive for roll/rebuild
FINEST = CELL_ZOOMS[-1]
FUNCTION = "incident_grid_count"
TRIGGERS = {  # event → trigger name (one per event: transition tables allow no more)
    "INSERT": "incident_grid_insert",
    "UPDATE": "incident_grid_update",
    "DELETE": "incident_grid_delete",
}
OLD, NEW = "incident_grid_old", "incident_grid_new"  # the triggers' transition tables

_T = {
    "incident": Incident._meta.db_table,
    "grid": IncidentGridCount._meta.db_table,
    "state": IncidentGridState._meta.db_table,
}
# the incident columns a count row is keyed by (+ the deadline for its overdue flag)
_KEY = ("location", "status", "category_id", "unit_id", "ward_id", "due_at")
assert all(f.isidentifier() and f.islower() for f in (*OPEN_STATUSES, *_KEY))
_OPEN = "ARRAY[" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + "]::text[]"
_W = f"COALESCE((SELECT overdue_as_of FROM {_T['state']} ORDER BY id LIMIT 1), '-infinity')"
_FLAG = f"COALESCE(i.status = ANY({_OPEN}) AND i.due_at < w.at, false)"
_CX, _CY = cell_sql("i.location", FINEST)
_LON, _LAT = lon_lat_sql("i.location")
_COLUMNS = "cell_z, cell_x, cell_y, status, category_id, unit_id, ward_id, is_overdue"
_BY_KEY = "1, 2, 3, 4, 5, 6, 7, 8"
_LEVELS = "'{" + ",".join(str(z) for z in CELL_ZOOMS) + "}'::int[]"


def _keyed(signed: str, flag: str = _FLAG) -> str:
    """Per row of `signed` (columns `_KEY` + sign): its finest cell, key, flag and position."""
    return f"""
        SELECT {_CX} AS cx, {_CY} AS cy, i.status, i.category_id, i.unit_id, i.ward_id,
               {flag} AS flag, {_LON} AS lon, {_LAT} AS lat, i.sign
        FROM ({signed}) AS i ({", ".join(_KEY)}, sign), (SELECT {_W} AS at) AS w"""


def _apply(keyed: str) -> str:
    """Add the signed rows of `keyed` to the counts at every level: summed per finest cell
    first (few rows for a bulk write), then one upsert per (level, cell, key) in key order.

    Coordinates are summed as numeric, so an unchanged row's -1 and +1 cancel exactly and its
    key is not written at all (float sums could leave a residue of 1e-14 and a write)."""
    return f"""
    INSERT INTO {_T["grid"]} AS g ({_COLUMNS}, n, sum_lon, sum_lat)
    SELECT l.z, f.cx >> ({FINEST} - l.z), f.cy >> ({FINEST} - l.z), f.status, f.category_id,
           f.unit_id, f.ward_id, f.flag, sum(f.n)::int, sum(f.sum_lon)::float8,
           sum(f.sum_lat)::float8
    FROM (
        SELECT d.cx, d.cy, d.status, d.category_id, d.unit_id, d.ward_id, d.flag,
               sum(d.sign) AS n, sum(d.sign * d.lon::numeric) AS sum_lon,
               sum(d.sign * d.lat::numeric) AS sum_lat
        FROM ({keyed}) AS d
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    ) AS f CROSS JOIN unnest({_LEVELS}) AS l(z)
    GROUP BY {_BY_KEY}
    HAVING sum(f.n) <> 0 OR sum(f.sum_lon) <> 0 OR sum(f.sum_lat) <> 0
    ORDER BY {_BY_KEY}
    ON CONFLICT ON CONSTRAINT incident_grid_key DO UPDATE
    SET n = g.n + EXCLUDED.n, sum_lon = g.sum_lon + EXCLUDED.sum_lon,
        sum_lat = g.sum_lat + EXCLUDED.sum_lat"""


def _columns(table: str, sign: int) -> str:
    return f"SELECT {', '.join(f'{table}.{c}' for c in _KEY)}, {sign} FROM {table}"


def trigger_function_sql() -> str:
    """The body of the plpgsql trigger function `FUNCTION` (frozen in migration 0011).

    An UPDATE counts every old row -1 and every new row +1; rows whose key did not change
    cancel in the sums and write nothing. No join of the two transition tables: they have no
    statistics, and the planner's nested loop made a bulk UPDATE quadratic (50,000 rows > 5 min).
    """
    changed = f"{_columns(OLD, -1)} UNION ALL {_columns(NEW, 1)}"
    return f"""
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK_ID});
    IF TG_OP = 'INSERT' THEN{_apply(_keyed(_columns(NEW, 1)))};
    ELSIF TG_OP = 'DELETE' THEN{_apply(_keyed(_columns(OLD, -1)))};
    ELSE{_apply(_keyed(changed))};
    END IF;
    RETURN NULL;
END
"""


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
            f"FROM {_T['incident']} WHERE status = ANY({_OPEN}) AND due_at < %(now)s"
            " AND due_at >= COALESCE(%(since)s::timestamptz, '-infinity')"
        )
        key = ", ".join(_KEY)
        moved = (
            f"{_keyed(f'SELECT {key}, -1 {due}', 'false')} UNION ALL"
            f"{_keyed(f'SELECT {key}, 1 {due}', 'true')}"
        )
        params = {"since": since, "now": now}
        cursor.execute(f"SELECT count(*) {due}", params)
        count = int(cursor.fetchone()[0])
        if count:
            cursor.execute(_apply(moved), params)
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
        FROM ({_keyed(f"SELECT {', '.join(_KEY)}, 1 FROM {_T['incident']}")} OFFSET 0) AS r
        GROUP BY {_BY_KEY} ORDER BY {_BY_KEY}
    """
    coarser = f"""
        INSERT INTO {_T["grid"]} ({_COLUMNS}, n, sum_lon, sum_lat)
        SELECT l.z, g.cell_x >> ({FINEST} - l.z), g.cell_y >> ({FINEST} - l.z), g.status,
               g.category_id, g.unit_id, g.ward_id, g.is_overdue, sum(g.n), sum(g.sum_lon),
               sum(g.sum_lat)
        FROM {_T["grid"]} AS g CROSS JOIN unnest(%s::int[]) AS l(z)
        WHERE g.cell_z = {FINEST}
        GROUP BY {_BY_KEY} ORDER BY {_BY_KEY}
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
        cursor.execute(f"TRUNCATE {_T['grid']}")
        _set_watermark(cursor, now)
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(finest)
        cursor.execute(coarser, [list(CELL_ZOOMS[:-1])])
        cursor.execute(f"SELECT count(*) FROM {_T['grid']}")
        rows = int(cursor.fetchone()[0])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {_T['grid']}")
    return rows


@contextmanager
def trigger_off_then_rebuild() -> Iterator[None]:
    """For bulk SQL that is faster without the trigger: the block runs with the count triggers
    disabled, and the counts are rebuilt at its end, all in one transaction.

    ALTER TABLE … DISABLE TRIGGER locks the incidents table against other writers (SHARE ROW
    EXCLUSIVE) until the commit, so no write can slip past the counts meanwhile; a failure
    rolls back the block and the switch alike.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        _switch_triggers(cursor, "DISABLE")
        yield
        _switch_triggers(cursor, "ENABLE")
        rebuild(timezone.now())


def _switch_triggers(cursor: Any, verb: str) -> None:
    # ALTER TABLE refuses to run while the transaction has pending trigger events: run the
    # deferred foreign-key checks written so far now, and defer the later ones again
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    table = connection.ops.quote_name(_T["incident"])
    for name in TRIGGERS.values():
        cursor.execute(f"ALTER TABLE {table} {verb} TRIGGER {name}")
