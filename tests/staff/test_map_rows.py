"""Tiles from the SQL of `map_rows` equal tiles from the list's querysets, for every filter.

A created-date filter that holds every incident sends the same request down the queryset path
(points) or the live count path (grids), so each pair below is the same question answered both
ways, through the endpoint.
"""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.incidents import grid
from backend.incidents.models import Incident, Status
from tests.geo.mvt import decode
from tests.geo.test_tiles import tile_of
from tests.incidents.factories import BEN_THANH, SAIGON, make_incident, point_in

from .test_map_api import API, BEN_THANH_POINT, client_for

EVERYTHING = {"created_from": "2000-01-01"}  # true of every row; not served by map_rows


@pytest.fixture
def incidents(db: Any) -> list[Incident]:
    now = timezone.now()
    made = [
        make_incident(),
        make_incident(category="flooding"),
        make_incident(status=Status.RECEIVED, due_at=now - dt.timedelta(days=2)),
        make_incident(status=Status.IN_PROGRESS, due_at=now - dt.timedelta(minutes=5)),
        make_incident(status=Status.RESOLVED, due_at=now - dt.timedelta(days=3)),
        make_incident(BEN_THANH),
        make_incident(BEN_THANH, status=Status.CLOSED),
        make_incident(BEN_THANH, status=Status.ASSIGNED, due_at=now - dt.timedelta(minutes=1)),
        make_incident(BEN_THANH, category="flooding", status=Status.REJECTED),
    ]
    Incident.objects.filter(pk=made[1].pk).update(due_at=None)  # no deadline: never overdue
    grid.rebuild(now - dt.timedelta(hours=1))  # two of them fell due after the counts' instant
    return made


def _filters(incidents: list[Incident]) -> list[dict[str, str]]:
    saigon, ben_thanh = incidents[0], incidents[5]
    return [
        {},
        {"overdue": "true"},
        {"overdue": "false"},
        {"status": "received,closed"},
        {"status": "in_progress,assigned", "overdue": "false"},
        {"category": str(incidents[1].category_id)},
        {"ward": str(ben_thanh.ward_id)},
        {"ward": f"{saigon.ward_id},{ben_thanh.ward_id}", "overdue": "true"},
        {"unit": str(saigon.unit_id)},
        {"unit": str(ben_thanh.unit_id), "status": "closed,assigned,rejected"},
    ]


def _tile(
    client: Any, z: int, params: dict[str, str], point: tuple[float, float] = BEN_THANH_POINT
) -> tuple[list[Any], list[str]]:
    x, y = tile_of(*point, z)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}tiles/{z}/{x}/{y}.mvt", params)
    assert response.status_code == 200, response.content
    features = decode(response.content).get("incidents", [])
    found = sorted(
        (f.get("id", 0), sorted(f["properties"].items()), *f["points"][0]) for f in features
    )
    return found, [q["sql"] for q in queries.captured_queries if "ST_AsMVT" in q["sql"]]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["supervisor", "operator", "other_ward"])
@pytest.mark.parametrize("z", [8, 11, 12, 15])
def test_map_rows_tiles_equal_queryset_tiles(
    people: dict[str, Any], incidents: list[Incident], role: str, z: int
) -> None:
    client = client_for(people[role])
    seen = 0
    for params in _filters(incidents):
        for point in (BEN_THANH_POINT, point_in(SAIGON)):
            fast, (fast_sql,) = _tile(client, z, params, point)
            slow, (slow_sql,) = _tile(client, z, {**params, **EVERYTHING}, point)
            assert fast == slow, (role, z, params, point)
            assert "ST_MakeEnvelope" in fast_sql and "ST_MakeEnvelope" not in slow_sql
            seen += len(fast)
    assert seen  # the cases drew something


@pytest.mark.django_db
def test_map_rows_points_carry_the_overdue_flag(
    people: dict[str, Any], incidents: list[Incident]
) -> None:
    found, _ = _tile(client_for(people["supervisor"]), 15, {}, point_in(SAIGON))
    flags = {fid: dict(props).get("overdue") for fid, props, *_ in found}
    assert flags[incidents[2].pk] is True  # open, two days late
    assert flags[incidents[4].pk] is False  # resolved: not overdue however late
    assert flags[incidents[1].pk] is None  # no deadline: the flag is absent, as before
