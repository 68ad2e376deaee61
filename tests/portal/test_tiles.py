"""The public map's tiles: published reports only, public attributes only, filters, caps."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from backend.incidents.models import Status
from tests.geo.mvt import decode
from tests.incidents.factories import BEN_THANH, SAIGON, make_incident, point_in

from .conftest import tile_of

pytestmark = pytest.mark.django_db


def tile(z: int, ward: str = SAIGON, query: str = "") -> list[dict]:
    x, y = tile_of(*point_in(ward), z)
    response = Client().get(f"/api/public/v1/tiles/{z}/{x}/{y}.mvt{query}")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"].startswith("public")
    return decode(response.content).get("reports", [])


def test_points_carry_only_public_attributes() -> None:
    shown = make_incident(status=Status.IN_PROGRESS)
    hidden = make_incident(is_public=False)
    rejected = make_incident(status=Status.REJECTED)
    merged = make_incident(status=Status.MERGED, merged_into=shown)
    features = tile(15)
    assert [f["id"] for f in features] == [shown.pk]
    assert features[0]["properties"] == {
        "status": "in_progress",
        "field": shown.category_id,
        "ref": shown.reference,
    }
    assert {hidden.pk, rejected.pk, merged.pk}.isdisjoint(f["id"] for f in features)


def test_filters_by_field_status_ward_and_period() -> None:
    rubbish = make_incident(category="rubbish")
    done = make_incident(status=Status.RESOLVED)
    other_ward = make_incident(BEN_THANH)
    ids = lambda query: {f["id"] for f in tile(14, query=query)}  # noqa: E731
    field = rubbish.category_id
    assert rubbish.pk in ids(f"?field={field}")
    assert ids("?status=done") == {done.pk}
    assert done.pk not in ids("?status=open")
    assert other_ward.pk not in ids(f"?ward={rubbish.ward_id}")
    assert rubbish.pk in ids("?period=7")


def test_low_zooms_count_published_reports_per_cell() -> None:
    for _ in range(3):
        make_incident()
    make_incident(is_public=False)  # counted in the cells' rows, taken off again
    make_incident(status=Status.REJECTED)
    cells = tile(10)
    assert sum(c["properties"]["n"] for c in cells) == 3
    assert all(set(c["properties"]) == {"n"} for c in cells)
    assert sum(c["properties"]["n"] for c in tile(10, query="?period=30")) == 3


def test_bad_filters_and_tiles_are_clear_errors(client: Client) -> None:
    bad = client.get("/api/public/v1/tiles/14/0/0.mvt?status=rejected")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_filter"
    assert client.get("/api/public/v1/tiles/14/0/0.mvt?period=2").status_code == 400
    assert client.get("/api/public/v1/tiles/3/9/9.mvt").status_code == 404
    assert client.post("/api/public/v1/tiles/14/0/0.mvt").status_code == 405


def test_street_zooms_read_the_published_cell_index(client: Client) -> None:
    """The z12–13 tiles' SQL is answered by `incident_published_cell` (migration 0019): the
    index's expressions and the query's are the same, whatever the planner's row counts."""
    shown = make_incident(status=Status.IN_PROGRESS)
    captured: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "ST_AsMVT" in sql:
            captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        assert [f["id"] for f in tile(13)] == [shown.pk]
        assert [f["id"] for f in tile(12, query="?status=open")] == [shown.pk]
    with transaction.atomic(), connection.cursor() as cursor:
        # on a handful of rows any plan is cheap: leave only index-only scans possible, which
        # for these rows (id, point, status, field) only the cell index can give
        for method in ("seqscan", "bitmapscan", "indexscan"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
        for sql, params in captured:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Index Only Scan Backward using incident_published_cell" in plan, plan
