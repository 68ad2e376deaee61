"""Mapbox Vector Tiles (ST_AsMVT) of rows given as SQL (`Rows`): single points, or a count grid.

geo/ knows no domain app: the caller passes the rows the user may see as SQL, already
filtered, with its attributes (e.g. an `overdue` flag); this module adds the tile's bounding
box (so the GiST index on the point does the work) and wraps that SQL. The rows are written
as SQL once by the caller, not compiled from querysets per tile (0.3–1 ms of a 3–15 ms tile).

- `point_tile`: one feature per row (id + attributes), for street-level zooms; at most
  `limit` rows so a dense tile stays small.
- `cell_point_tile`: the same features for a tile holding a large share of the rows, read
  cell by cell through an index keyed by the cell (`cell_key_sql`) and the rows' order.
- `grid_tile`: rows counted per cell of a `cells` × `cells` grid laid over the tile, one
  feature per non-empty cell at the mean position of its rows, with `n` and per-flag counts.
  The cell index is computed from longitude/latitude (Web Mercator x is linear in longitude;
  across one tile at city latitudes y is linear in latitude to well under a pixel), so no
  row is reprojected: only the cells are.
- `summed_grid_tile`: the same 16 × 16 grid, but summed from pre-aggregated counts keyed by
  Web Mercator cells (`cell_sql`: the cell of a point is tile (x, y) at zoom `CELL_ZOOMS`),
  plus optional live point rows with signed weights (corrections the counts cannot hold).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction

from backend.common.replicas import read_alias

EXTENT = 4096  # tile coordinate units per side (the MVT default)
BUFFER = 64  # units drawn beyond the edge so symbols on the border are not cut
MAX_ZOOM = 22
NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
GRID_SHIFT = 4  # a grid tile is 2**4 = 16 cells a side: its cells are the tiles of zoom z + 4
CELL_ZOOMS = (12, 13, 14, 15)  # cell levels the counts are kept at: tile z reads z + 4 (≥ 12)


class InvalidTile(ValueError):
    """z/x/y outside the tile pyramid."""


@dataclass(frozen=True)
class Rows:
    """The rows of a tile, as SQL.

    `select` is a complete `SELECT <columns> FROM <table> WHERE <conditions>` with `%s`
    placeholders for `params`; this module appends `AND`-ed conditions (the tile's box on the
    point column `geom`, or a cell range on `cell_z`/`cell_x`/`cell_y` for counts), then
    `ORDER BY order` and a LIMIT where the tile needs them. Its columns are the ones the tile
    function names, in that order. The caller builds it from trusted identifiers only.
    """

    select: str
    params: tuple[Any, ...] = ()
    geom: str = ""
    order: str = ""


@dataclass(frozen=True)
class TileBounds:
    west: float
    south: float
    east: float
    north: float


def _lat(y: float, n: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def tile_bounds(z: int, x: int, y: int, *, margin: float = 0.0) -> TileBounds:
    """Longitude/latitude box of tile z/x/y (XYZ scheme), grown by `margin` × its size."""
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidTile(f"zoom {z} outside 0..{MAX_ZOOM}")
    n = 2**z
    if not (0 <= x < n and 0 <= y < n):
        raise InvalidTile(f"tile {z}/{x}/{y} does not exist")
    west, east = x / n * 360 - 180, (x + 1) / n * 360 - 180
    north, south = _lat(y, n), _lat(y + 1, n)
    dx, dy = (east - west) * margin, (north - south) * margin
    return TileBounds(west - dx, max(south - dy, -85.06), east + dx, min(north + dy, 85.06))


def _names(names: Sequence[str]) -> list[str]:
    for name in names:
        if not NAME.match(name):
            raise ValueError(f"not a safe attribute name: {name!r}")
    return list(names)


def covered_by_box_sql(geom: str) -> str:
    """SQL condition: point column `geom` lies in the box of 4 parameters (west, south, east,
    north); a point on the edge is inside (`covers`, as everywhere in geo/)."""
    if not NAME.match(geom.replace(".", "_").replace('"', "")):
        raise ValueError(f"bad column: {geom!r}")
    return f"ST_CoveredBy({geom}, ST_MakeEnvelope(%s, %s, %s, %s, 4326))"


def _rows_sql(source: Rows, box: TileBounds, *, limit: int | None = None) -> tuple[str, list[Any]]:
    """SQL and parameters of `source`'s rows inside `box`, in its order when limited."""
    if limit is not None and not source.order:
        raise ValueError("a LIMIT without an order would pick arbitrary rows")
    sql = f"{source.select} AND {source.geom} && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
    if limit is not None:
        sql += f" ORDER BY {source.order} LIMIT {int(limit)}"
    return sql, [*source.params, box.west, box.south, box.east, box.north]


def _fetch(sql: str, params: Sequence[Any]) -> bytes:
    # JIT costs ~250 ms of compilation on a city-wide tile and saves nothing: the time goes
    # into PostGIS functions it cannot inline.
    alias = read_alias()  # a replica inside the staff map's tile view (backend/common/replicas)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def _points_mvt(
    inner: str, params: list[Any], *, z: int, x: int, y: int, layer: str, attrs: list[str]
) -> bytes:
    """The tile of the points `inner` selects (key, point, *attrs), fetched."""
    columns = ", ".join(["fid", "pt", *attrs])
    selected = "".join(f", s.{a}" for a in attrs)
    sql = f"""
        SELECT ST_AsMVT(t, %s, {EXTENT}, 'geom', 'fid') FROM (
            SELECT s.fid{selected},
                   ST_AsMVTGeom(ST_Transform(s.pt, 3857), ST_TileEnvelope(%s, %s, %s),
                                {EXTENT}, {BUFFER}, true) AS geom
            FROM ({inner}) AS s ({columns})
        ) AS t WHERE t.geom IS NOT NULL
    """
    return _fetch(sql, [layer, z, x, y, *params])


def point_tile(
    rows: Rows,
    *,
    z: int,
    x: int,
    y: int,
    layer: str,
    attributes: Sequence[str] = (),
    limit: int = 5_000,
) -> bytes:
    """One point feature per row inside the tile; feature id = the row's key.

    `rows` select the key, the point and the `attributes` (names given to the features'
    properties) in that order. A tile holding more than `limit` rows gets the first `limit`
    by `Rows.order` (e.g. the newest: a deterministic sample, and with an index on the key a
    short backward scan).
    """
    attrs = _names([layer, *attributes])[1:]
    inner, params = _rows_sql(rows, tile_bounds(z, x, y, margin=BUFFER / EXTENT), limit=limit)
    return _points_mvt(inner, params, z=z, x=x, y=y, layer=layer, attrs=attrs)


def cell_key_sql(geom: str, zoom: int) -> str:
    """The key columns of an index `cell_point_tile` reads at `zoom`: the cell x and y of point
    column `geom` (to be followed by the column of the rows' order)."""
    x, y = cell_sql(geom, zoom)
    return f"({x}), ({y})"


def cell_point_tile(
    rows: Rows,
    *,
    z: int,
    x: int,
    y: int,
    cell_zoom: int,
    layer: str,
    attributes: Sequence[str] = (),
    limit: int = 5_000,
) -> bytes:
    """`point_tile` for a tile holding a large share of the rows, read cell by cell.

    The tile (zoom `z` ≤ `cell_zoom`) is cut into its cells at `cell_zoom`; each cell's first
    `limit` rows by `rows.order` come from `rows.select AND <cell x> = … AND <cell y> = …`,
    which an index on (`cell_key_sql(rows.geom, cell_zoom)`, the order's column) answers with a
    short range read, however many rows the tile holds and however few of them are the newest
    of the whole table. The tile keeps the first `limit` of its cells' rows by the same order
    (`rows.order` names only columns of `rows.select`). A point belongs to one cell, so no row
    is drawn beyond the tile's edge (point_tile's margin).
    """
    if not 0 <= z <= cell_zoom <= MAX_ZOOM:
        raise ValueError(f"tile zoom {z} not within 0..{cell_zoom}")
    if not rows.order:
        raise ValueError("a LIMIT without an order would pick arbitrary rows")
    tile_bounds(z, x, y)
    attrs = _names([layer, *attributes])[1:]
    cx, cy = cell_sql(rows.geom, cell_zoom)
    span = 2 ** (cell_zoom - z)
    parts: list[str] = []
    params: list[Any] = []
    for i in range(span):
        for j in range(span):
            parts.append(
                f"({rows.select} AND {cx} = %s AND {cy} = %s"
                f" ORDER BY {rows.order} LIMIT {int(limit)})"
            )
            params += [*rows.params, x * span + i, y * span + j]
    union = " UNION ALL ".join(parts)
    inner = (
        parts[0][1:-1]
        if span == 1
        else f"SELECT * FROM ({union}) AS c ORDER BY {rows.order} LIMIT {int(limit)}"
    )
    return _points_mvt(inner, params, z=z, x=x, y=y, layer=layer, attrs=attrs)


def grid_tile(
    rows: Rows,
    *,
    z: int,
    x: int,
    y: int,
    layer: str,
    flags: Sequence[str] = (),
    cells: int = 16,
) -> bytes:
    """Rows counted per grid cell: features with `n` and, per boolean `flags` name, its count.

    `rows` select the point and one boolean per flag. Each feature sits at the mean position
    of the rows in its cell (a cluster centre, not the cell centre), so a cell holding one
    street's incidents is drawn on that street.
    """
    flag_names = _names([layer, *flags])[1:]
    box = tile_bounds(z, x, y)
    inner, params = _rows_sql(rows, box)
    columns = ", ".join(["pt", *flag_names])
    counts = "".join(f", count(*) FILTER (WHERE s.{f})::int AS {f}" for f in flag_names)
    carried = "".join(f", r.{f}" for f in flag_names)
    dx, dy = (box.east - box.west) / cells, (box.north - box.south) / cells
    # OFFSET 0 keeps the coordinate subquery from being flattened: each point is read once,
    # and with no statistics on lon/lat the planner expects few cells and aggregates in a hash
    # table (flattened, it expects one cell per row and sorts them all on disk).
    sql = f"""
        SELECT ST_AsMVT(t, %s, {EXTENT}, 'geom') FROM (
            SELECT g.n{"".join(f", g.{f}" for f in flag_names)},
                   ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(g.lon, g.lat), 4326), 3857),
                                ST_TileEnvelope(%s, %s, %s), {EXTENT}, 0, true) AS geom
            FROM (
                SELECT count(*)::int AS n{counts}, avg(s.lon) AS lon, avg(s.lat) AS lat
                FROM (
                    SELECT ST_X(r.pt) AS lon, ST_Y(r.pt) AS lat{carried}
                    FROM ({inner}) AS r ({columns}) OFFSET 0
                ) AS s
                GROUP BY floor((s.lon - %s) / %s), floor((s.lat - %s) / %s)
            ) AS g
        ) AS t WHERE t.geom IS NOT NULL
    """
    return _fetch(sql, [layer, z, x, y, *params, box.west, dx, box.south, dy])


def cell_sql(geom: str, zoom: int) -> tuple[str, str]:
    """SQL expressions for the Web Mercator tile (x, y) at `zoom` holding point column `geom`.

    The same arithmetic as the XYZ scheme (`tile_bounds`), so cells nest exactly in tiles.
    """
    if not (0 <= zoom <= MAX_ZOOM and NAME.match(geom.replace(".", "_").replace('"', ""))):
        raise ValueError(f"bad cell zoom or column: {zoom}, {geom!r}")
    n = 2**zoom
    x = f"floor((ST_X({geom}) + 180) / 360 * {n})::int"
    y = f"floor((1 - asinh(tan(radians(ST_Y({geom})))) / pi()) / 2 * {n})::int"
    return x, y


def lon_lat_sql(geom: str) -> tuple[str, str]:
    """SQL expressions for the longitude and latitude of point column `geom`."""
    if not NAME.match(geom.replace(".", "_")):
        raise ValueError(f"bad column: {geom!r}")
    return f"ST_X({geom})", f"ST_Y({geom})"


def cell_level(z: int) -> int:
    """The stored cell zoom a grid tile at zoom `z` (< 12) is summed from."""
    return min(max(z + GRID_SHIFT, CELL_ZOOMS[0]), CELL_ZOOMS[-1])


def summed_grid_tile(
    counts: Rows,
    *,
    z: int,
    x: int,
    y: int,
    layer: str,
    sums: Sequence[str] = (),
    points: Rows | None = None,
) -> bytes:
    """A grid tile (16 × 16 cells) summed from pre-aggregated counts.

    `counts` rows have `cell_z`, `cell_x`, `cell_y` (a Web Mercator tile at a zoom of
    `CELL_ZOOMS`), `n`, `sum_lon`, `sum_lat` and the integer columns named in `sums`; only the
    rows at `cell_level(z)` inside the tile are read. `points` (optional) are live rows with a
    point and integer weights `n` and `sums`, added to the cell their point falls in (a weight
    may be negative: a correction of what the counts hold). Features: `n`, the `sums`, at the
    mean position of the cell's rows; cells whose `n` sums to 0 or less are left out.
    Rows select, for counts: cell_x, cell_y, n, sum_lon, sum_lat, *sums (and have columns
    cell_z, cell_x, cell_y to filter on); for points: the point, n, *sums.
    """
    sum_names = _names([layer, *sums])[1:]
    tile_bounds(z, x, y)
    if z + GRID_SHIFT > CELL_ZOOMS[-1]:
        raise ValueError(f"no counts are kept fine enough for a grid at zoom {z}")
    return _summed_grid_tile(counts, z, x, y, layer, sum_names, points)


def _cells_sql(counts: Rows, level: int, x: int, y: int, span: int) -> tuple[str, list[Any]]:
    """The count rows at `level` inside tile x/y (`span` cells of `level` a side)."""
    x0, x1, y0, y1 = x * span, (x + 1) * span, y * span, (y + 1) * span
    sql = (
        f"{counts.select} AND cell_z = %s AND cell_x >= %s AND cell_x < %s"
        " AND cell_y >= %s AND cell_y < %s"
    )
    return sql, [*counts.params, level, x0, x1, y0, y1]


def _summed_grid_tile(
    counts: Rows,
    z: int,
    x: int,
    y: int,
    layer: str,
    sum_names: list[str],
    points: Rows | None,
) -> bytes:
    level = cell_level(z)
    span = 2 ** (level - z)  # cells of `level` across the tile
    shift = level - z - GRID_SHIFT  # from a stored cell to a grid cell
    c_sql, c_params = _cells_sql(counts, level, x, y, span)
    columns = ", ".join(["cx", "cy", "n", "sum_lon", "sum_lat", *sum_names])
    carried = "".join(f", c.{f}" for f in sum_names)
    parts = [
        f"SELECT c.cx >> {shift} AS gx, c.cy >> {shift} AS gy, c.n, c.sum_lon, c.sum_lat{carried}"
        f" FROM ({c_sql}) AS c ({columns})"
    ]
    params: list[Any] = [*c_params]
    if points is not None:
        grid_zoom = z + GRID_SHIFT
        px, py = cell_sql("r.pt", grid_zoom)
        lon, lat = lon_lat_sql("p.pt")
        p_sql, p_params = _rows_sql(points, tile_bounds(z, x, y))
        p_columns = ", ".join(["pt", "n", *sum_names])
        p_carried = "".join(f", p.{f}" for f in sum_names)
        parts.append(
            f"SELECT p.gx, p.gy, p.n, p.n * {lon}, p.n * {lat}{p_carried} FROM ("
            f"SELECT {px} AS gx, {py} AS gy, r.* FROM ({p_sql}) AS r ({p_columns}) OFFSET 0"
            f") AS p WHERE p.gx >> {GRID_SHIFT} = %s AND p.gy >> {GRID_SHIFT} = %s"
        )
        params += [*p_params, x, y]
    totals = "".join(f", sum(u.{f})::int AS {f}" for f in sum_names)
    union = " UNION ALL ".join(parts)
    u_columns = ", ".join(["gx", "gy", "n", "sum_lon", "sum_lat", *sum_names])
    sql = f"""
        SELECT ST_AsMVT(t, %s, {EXTENT}, 'geom') FROM (
            SELECT g.n{"".join(f", g.{f}" for f in sum_names)},
                   ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(g.lon, g.lat), 4326), 3857),
                                ST_TileEnvelope(%s, %s, %s), {EXTENT}, 0, true) AS geom
            FROM (
                SELECT sum(u.n)::int AS n{totals},
                       sum(u.sum_lon) / sum(u.n) AS lon, sum(u.sum_lat) / sum(u.n) AS lat
                FROM ({union}) AS u ({u_columns})
                GROUP BY u.gx, u.gy HAVING sum(u.n) > 0
            ) AS g
        ) AS t WHERE t.geom IS NOT NULL
    """
    return _fetch(sql, [layer, z, x, y, *params])
