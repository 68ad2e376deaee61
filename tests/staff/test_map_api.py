"""Staff API for the map: incident tiles, stats strip, reporter's contact."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.incidents import grid
from backend.incidents.models import Status
from tests.geo.mvt import decode
from tests.geo.test_tiles import tile_of
from tests.incidents.factories import BEN_THANH, make_incident, make_user, point_in

API = "/api/staff/v1/"
BEN_THANH_POINT = point_in(BEN_THANH)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)  # a session, as the map has: tiles are served by a plain view
    return client


def tile_ids(client: APIClient, incident: Any, z: int = 15, **params: Any) -> set[int]:
    x, y = tile_of(incident.location.x, incident.location.y, z)
    response = client.get(f"{API}tiles/{z}/{x}/{y}.mvt", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    return {f["id"] for f in decode(response.content).get("incidents", [])}


@pytest.mark.django_db
def test_tiles_follow_scope_and_filters(people: dict[str, Any]) -> None:
    mine = make_incident(description="Cây đổ chắn đường")
    received = make_incident(status=Status.RECEIVED)
    theirs = make_incident(BEN_THANH)
    op = client_for(people["operator"])
    assert {mine.pk, received.pk} <= tile_ids(op, mine)
    assert theirs.pk not in tile_ids(op, theirs)
    assert theirs.pk in tile_ids(client_for(people["supervisor"]), theirs)
    assert tile_ids(op, mine, status="received") >= {received.pk}
    assert mine.pk not in tile_ids(op, mine, status="received")
    assert tile_ids(op, mine, q="cây đổ") & {mine.pk, received.pk} == {mine.pk}
    assert mine.pk not in tile_ids(op, mine, overdue="true")


@pytest.mark.django_db
def test_tile_features_carry_status_and_overdue(people: dict[str, Any]) -> None:
    late = make_incident(status=Status.RECEIVED, due_at=timezone.now() - dt.timedelta(hours=1))
    x, y = tile_of(late.location.x, late.location.y, 14)
    body = client_for(people["leader"]).get(f"{API}tiles/14/{x}/{y}.mvt").content
    feature = next(f for f in decode(body)["incidents"] if f["id"] == late.pk)
    assert feature["properties"] == {"status": "received", "overdue": True}


@pytest.mark.django_db
def test_low_zoom_tiles_are_counts_per_cell(people: dict[str, Any]) -> None:
    a = make_incident()
    make_incident(status=Status.RECEIVED, due_at=timezone.now() - dt.timedelta(hours=1))
    grid.rebuild(timezone.now())  # the factory writes rows directly, not through the services
    x, y = tile_of(a.location.x, a.location.y, 8)
    body = client_for(people["operator"]).get(f"{API}tiles/8/{x}/{y}.mvt").content
    cells = decode(body)["incidents"]
    assert sum(c["properties"]["n"] for c in cells) >= 2
    assert sum(c["properties"]["overdue"] for c in cells) >= 1
    assert set(cells[0]["properties"]) == {"n", "overdue", "open"}


def cells(client: APIClient, z: int, x: int, y: int, **params: Any) -> list[tuple[Any, ...]]:
    response = client.get(f"{API}tiles/{z}/{x}/{y}.mvt", params)
    assert response.status_code == 200, response.content
    found = decode(response.content).get("incidents", [])
    return sorted(
        (f["properties"]["n"], f["properties"]["overdue"], f["properties"]["open"], *f["points"][0])
        for f in found
    )


@pytest.mark.django_db
@pytest.mark.parametrize("z", [5, 8, 10, 11])
def test_low_zoom_counts_equal_live_counts(people: dict[str, Any], z: int) -> None:
    """Summed from IncidentGridCount == counted from the rows (a date filter forces that path),
    including incidents that fell due after the counts' overdue instant (counted live)."""
    now = timezone.now()
    make_incident(status=Status.RECEIVED, due_at=now - dt.timedelta(days=2))
    make_incident(status=Status.RECEIVED, due_at=now - dt.timedelta(minutes=5))  # after W
    make_incident(category="flooding")
    make_incident(BEN_THANH, status=Status.CLOSED)
    make_incident(BEN_THANH, status=Status.IN_PROGRESS, due_at=now - dt.timedelta(minutes=1))
    grid.rebuild(now - dt.timedelta(hours=1))
    x, y = tile_of(*BEN_THANH_POINT, z)
    live = {"created_from": "2000-01-01"}
    for role in ("supervisor", "operator"):
        client = client_for(people[role])
        for params in [
            {},
            {"overdue": "true"},
            {"overdue": "false"},
            {"status": "received,closed"},
            {"status": "in_progress", "overdue": "false"},
        ]:
            summed = cells(client, z, x, y, **params)
            assert summed == cells(client, z, x, y, **params, **live), (role, params)
            assert summed or role != "supervisor" or params


@pytest.mark.django_db
def test_tiles_refuse_outsiders_and_bad_input(people: dict[str, Any]) -> None:
    a = make_incident()
    x, y = tile_of(a.location.x, a.location.y, 12)
    path = f"{API}tiles/12/{x}/{y}.mvt"
    assert client_for(None).get(path).status_code == 403
    assert client_for(people["resident"]).get(path).status_code == 403
    op = client_for(people["operator"])
    assert op.get(f"{API}tiles/3/9/0.mvt").status_code == 404
    bad = op.get(path, {"status": "bogus"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["leader", "supervisor"])
@pytest.mark.parametrize("z", [8, 12])
def test_tile_query_budget(
    people: dict[str, Any], django_assert_num_queries: Any, role: str, z: int
) -> None:
    a = make_incident()
    grid.rebuild(timezone.now())
    x, y = tile_of(a.location.x, a.location.y, z)
    client = APIClient()
    client.force_login(people[role])
    client.get(f"{API}me")
    # session, user, scope (one statement, unit tree included); the tile: savepoint (BEGIN
    # outside tests), SET LOCAL jit, the tile's one statement, release (COMMIT)
    with django_assert_num_queries(7) as captured:
        response = client.get(f"{API}tiles/{z}/{x}/{y}.mvt")
    assert response.status_code == 200
    assert decode(response.content)["incidents"]
    assert sum("ST_AsMVT" in q["sql"] for q in captured.captured_queries) == 1


@pytest.mark.django_db
def test_tile_plain_view_keeps_the_api_answers(people: dict[str, Any]) -> None:
    """The tile is served without DRF; refusals and errors still come from the API view."""
    a = make_incident()
    x, y = tile_of(a.location.x, a.location.y, 12)
    path = f"{API}tiles/12/{x}/{y}.mvt"
    inactive = people["operator"]
    op = client_for(inactive)
    assert op.get(path).status_code == 200
    assert op.post(path).status_code == 405  # other methods: the API view answers
    assert op.get(path, {"overdue": "maybe"}).json()["code"] == "invalid"
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    assert op.get(path).status_code == 403
    anonymous = client_for(None).get(path)
    assert anonymous.status_code == 403 and anonymous["Content-Type"] == "application/json"
    schema = client_for(None).get("/api/schema/", {"format": "json"}).json()
    assert "get" in schema["paths"]["/api/staff/v1/tiles/{z}/{x}/{y}.mvt"]  # still documented


@pytest.mark.django_db
def test_summary_counts_the_scope(people: dict[str, Any]) -> None:
    make_incident(status=Status.RECEIVED, due_at=timezone.now() - dt.timedelta(hours=1))
    make_incident(BEN_THANH)
    body = client_for(people["operator"]).get(API + "stats/summary").json()
    assert body["open"] >= 1 and body["overdue"] >= 1
    assert set(body) == {"open", "overdue", "resolved_this_week", "quarter", "late_rate"}
    everything = client_for(people["supervisor"]).get(API + "stats/summary").json()
    assert everything["open"] >= body["open"] + 1


@pytest.mark.django_db
def test_reporter_contact_only_for_roles_that_call_back(people: dict[str, Any]) -> None:
    resident = make_user(phone="+84907654321", first_name="Lan")
    incident = make_incident(reporter=resident)
    path = f"{API}incidents/{incident.pk}/reporter"
    for role in ("operator", "leader", "supervisor"):
        assert client_for(people[role]).get(path).json()["phone"] == "+84907654321"
    assert client_for(people["handler"]).get(path).status_code == 403
    assert client_for(people["other_ward"]).get(path).status_code == 404
