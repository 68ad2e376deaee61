import math

import pytest
from django.db import connection

from backend.incidents.models import Incident, Status
from geo import tiles
from tests.geo.mvt import decode
from tests.incidents.factories import BEN_THANH, SAIGON, make_incident


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_tile_bounds_match_the_xyz_scheme() -> None:
    whole = tiles.tile_bounds(0, 0, 0)
    assert (whole.west, whole.east) == (-180, 180) and whole.north == pytest.approx(85.0511, 1e-4)
    b = tiles.tile_bounds(12, *tile_of(106.7, 10.78, 12))
    assert b.west <= 106.7 < b.east and b.south <= 10.78 < b.north
    for bad in [(-1, 0, 0), (23, 0, 0), (3, 8, 0), (3, 0, -1)]:
        with pytest.raises(tiles.InvalidTile):
            tiles.tile_bounds(*bad)


def flagged(ids: list[int]) -> tiles.Rows:
    """id, point, status and a flag (received) of the incidents `ids`, newest first."""
    return tiles.Rows(
        f"SELECT id, location, status, status = 'received' FROM {Incident._meta.db_table}"
        " WHERE id = ANY(%s)",
        (ids,),
        geom="location",
        order="id DESC",
    )


def located(ids: list[int]) -> tiles.Rows:
    """point and the flag of `flagged`, for grid tiles."""
    return tiles.Rows(
        f"SELECT location, status = 'received' FROM {Incident._meta.db_table} WHERE id = ANY(%s)",
        (ids,),
        geom="location",
    )


@pytest.mark.django_db
def test_point_tile_has_one_feature_per_row_with_attributes() -> None:
    a = make_incident(SAIGON)
    b = make_incident(SAIGON, status=Status.RECEIVED)
    far = make_incident(BEN_THANH)
    x, y = tile_of(a.location.x, a.location.y, 16)
    body = tiles.point_tile(
        flagged([a.pk, b.pk, far.pk]), z=16, x=x, y=y, layer="incidents",
        attributes=("status", "flag"),
    )  # fmt: skip
    features = {f["id"]: f for f in decode(body)["incidents"]}
    assert a.pk in features and b.pk in features
    assert features[b.pk]["properties"] == {"status": "received", "flag": True}
    assert features[a.pk]["properties"] == {"status": "new", "flag": False}
    assert features[a.pk]["type"] == 1  # POINT
    px, py = features[a.pk]["points"][0]
    assert 0 <= px <= tiles.EXTENT and 0 <= py <= tiles.EXTENT
    fx, fy = tile_of(far.location.x, far.location.y, 16)
    assert far.pk not in features or (fx, fy) == (x, y)


@pytest.mark.django_db
def test_point_tile_is_empty_outside_the_rows_and_capped_by_limit() -> None:
    ids = [make_incident(SAIGON).pk for _ in range(3)]
    assert tiles.point_tile(flagged(ids), z=10, x=0, y=0, layer="incidents") == b""
    where = make_incident(SAIGON).location
    x, y = tile_of(where.x, where.y, 13)
    capped = tiles.point_tile(flagged(ids), z=13, x=x, y=y, layer="incidents", limit=2)
    assert {f["id"] for f in decode(capped)["incidents"]} == set(ids[-2:])  # the newest two


@pytest.mark.django_db
def test_cell_point_tile_keeps_the_newest_of_its_own_cells_only() -> None:
    from django.contrib.gis.geos import Point

    ids = [make_incident(SAIGON).pk for _ in range(4)]
    where = Incident.objects.get(pk=ids[0]).location
    x, y = tile_of(where.x, where.y, 12)
    box = tiles.tile_bounds(12, x, y)
    quarters = [(0, 0), (1, 0), (0, 1), (1, 1)]  # z13 cells (2x + i, 2y + j), y grows south
    for pk, (i, j) in zip(ids, quarters, strict=True):
        lon = box.west + (box.east - box.west) * (0.25 + 0.5 * i)
        lat = box.north - (box.north - box.south) * (0.25 + 0.5 * j)
        Incident.objects.filter(pk=pk).update(location=Point(lon, lat, srid=4326))
    far = make_incident(BEN_THANH)  # another cell (and maybe this tile: counted if so)
    fx, fy = tile_of(far.location.x, far.location.y, 12)
    rows = flagged([*ids, far.pk])

    def shown(z: int, tx: int, ty: int, limit: int) -> list[int]:
        body = tiles.cell_point_tile(
            rows, z=z, x=tx, y=ty, cell_zoom=13, layer="incidents", limit=limit
        )
        return sorted(f["id"] for f in decode(body).get("incidents", []))

    newest = sorted([*ids, far.pk] if (fx, fy) == (x, y) else ids)[-3:]
    assert shown(12, x, y, 3) == newest  # the tile's newest three, across its four cells
    for pk, (i, j) in zip(ids, quarters, strict=True):
        assert shown(13, 2 * x + i, 2 * y + j, 5) == [pk]  # a cell shows its own rows only
    with pytest.raises(ValueError):
        tiles.cell_point_tile(rows, z=14, x=0, y=0, cell_zoom=13, layer="incidents")


@pytest.mark.django_db
def test_cell_sql_is_the_tile_of_the_point() -> None:
    from django.db import connection

    where = make_incident(BEN_THANH).location
    for z in tiles.CELL_ZOOMS:
        cx, cy = tiles.cell_sql("location", z)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {cx}, {cy} FROM (SELECT %s::geometry AS location) AS p", [where.ewkt]
            )
            assert cursor.fetchone() == tile_of(where.x, where.y, z)
    assert [tiles.cell_level(z) for z in (3, 8, 9, 11)] == [12, 12, 13, 15]


@pytest.mark.django_db
def test_grid_tile_counts_rows_and_flags_per_cell() -> None:
    rows = [make_incident(SAIGON), make_incident(SAIGON, status=Status.RECEIVED)]
    rows.append(make_incident(BEN_THANH, status=Status.RECEIVED))
    x, y = tile_of(rows[0].location.x, rows[0].location.y, 8)
    body = tiles.grid_tile(
        located([r.pk for r in rows]), z=8, x=x, y=y, layer="incidents", flags=("flag",)
    )
    features = decode(body)["incidents"]
    assert sum(f["properties"]["n"] for f in features) == 3
    assert sum(f["properties"]["flag"] for f in features) == 2
    assert all(f["id"] is None for f in features)


def test_attribute_names_are_checked() -> None:
    with pytest.raises(ValueError):
        tiles.point_tile(flagged([]), z=1, x=0, y=0, layer="x", attributes=("a; DROP",))


def test_rows_with_a_limit_need_an_order() -> None:
    rows = tiles.Rows("SELECT 1, NULL::geometry WHERE true", geom="NULL::geometry")
    with pytest.raises(ValueError, match="LIMIT without an order"):
        tiles.point_tile(rows, z=10, x=0, y=0, layer="incidents")


@pytest.mark.django_db
def test_covered_by_box_keeps_points_on_the_edge() -> None:
    where = make_incident(SAIGON).location
    condition = tiles.covered_by_box_sql("location")
    with connection.cursor() as cursor:
        for box, inside in [
            ((where.x, where.y, where.x + 1, where.y + 1), True),  # on the corner
            ((where.x - 1, where.y - 1, where.x - 0.1, where.y + 1), False),
        ]:
            cursor.execute(
                f"SELECT {condition} FROM (SELECT %s::geometry AS location) AS p",
                [*box, where.ewkt],
            )
            assert cursor.fetchone() == (inside,)
