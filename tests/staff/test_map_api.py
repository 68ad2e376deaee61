"""Staff API for the map: incident tiles, stats strip, reporter's contact."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.incidents import grid
from backend.incidents.models import OPEN_STATUSES, Incident, Status
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
    assert feature["properties"] == {"status": "received", "overdue": True, "emergency": False}


@pytest.mark.django_db
def test_point_features_carry_the_overdue_flag(people: dict[str, Any]) -> None:
    now = timezone.now()
    late = make_incident(status=Status.RECEIVED, due_at=now - dt.timedelta(days=2))
    done = make_incident(status=Status.RESOLVED, due_at=now - dt.timedelta(days=3))
    undated = make_incident()
    Incident.objects.filter(pk=undated.pk).update(due_at=None)
    x, y = tile_of(late.location.x, late.location.y, 15)
    body = client_for(people["supervisor"]).get(f"{API}tiles/15/{x}/{y}.mvt").content
    flags = {f["id"]: f["properties"].get("overdue") for f in decode(body)["incidents"]}
    assert flags[late.pk] is True  # open, two days late
    assert flags[done.pk] is False  # resolved: not overdue however late
    assert flags[undated.pk] is None  # no deadline: the flag is absent


@pytest.mark.django_db
def test_low_zoom_tiles_are_counts_per_cell(people: dict[str, Any]) -> None:
    a = make_incident()
    make_incident(status=Status.RECEIVED, due_at=timezone.now() - dt.timedelta(hours=1))
    grid.roll(timezone.now())
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


def expected_cells(incidents: list[Incident], z: int, now: dt.datetime) -> list[tuple[int, ...]]:
    """(n, overdue, open) per grid cell (the tiles of zoom z + 4), counted here in Python."""
    found: dict[tuple[int, int], list[int]] = {}
    for i in incidents:
        is_open = i.status in OPEN_STATUSES
        late = is_open and i.due_at is not None and i.due_at < now
        cell = found.setdefault(tile_of(i.location.x, i.location.y, z + 4), [0, 0, 0])
        for k, counted in enumerate((True, late, is_open)):
            cell[k] += counted
    return sorted(tuple(c) for c in found.values())


@pytest.mark.django_db
@pytest.mark.parametrize("z", [5, 8, 10, 11])
def test_low_zoom_cells_count_what_the_filters_and_scope_keep(
    people: dict[str, Any], z: int
) -> None:
    """Each cell's n / overdue / open, summed from the counts (or counted live for a date
    filter), against a count made in Python — including incidents that fell due after the
    counts' overdue instant (counted live until the next roll)."""
    now = timezone.now()
    made = [
        make_incident(status=Status.RECEIVED, due_at=now - dt.timedelta(days=2)),
        make_incident(status=Status.RECEIVED, due_at=now - dt.timedelta(minutes=5)),  # after W
        make_incident(category="flooding"),
        make_incident(BEN_THANH, status=Status.CLOSED),
        make_incident(BEN_THANH, status=Status.IN_PROGRESS, due_at=now - dt.timedelta(minutes=1)),
    ]
    grid.rebuild(now - dt.timedelta(hours=1))
    saigon = made[0].unit_id
    x, y = tile_of(*BEN_THANH_POINT, z)
    inside = [i for i in made if tile_of(i.location.x, i.location.y, z) == (x, y)]
    assert inside
    cases: list[tuple[dict[str, str], Any]] = [
        ({}, lambda i: True),
        ({"overdue": "true"}, lambda i: i.due_at < now and i.status in OPEN_STATUSES),
        ({"overdue": "false"}, lambda i: not (i.due_at < now and i.status in OPEN_STATUSES)),
        ({"status": "received,closed"}, lambda i: i.status in ("received", "closed")),
        ({"status": "in_progress", "overdue": "false"}, lambda i: False),
        ({"created_from": "2000-01-01"}, lambda i: True),  # counted live from the rows
        ({"created_from": "2999-01-01"}, lambda i: False),
    ]
    for role, sees in (("supervisor", lambda i: True), ("operator", lambda i: i.unit_id == saigon)):
        client = client_for(people[role])
        for params, keeps in cases:
            shown = [i for i in inside if sees(i) and keeps(i)]
            expected = expected_cells(shown, z, now)
            drawn = sorted(cell[:3] for cell in cells(client, z, x, y, **params))
            assert drawn == expected, (role, params)


@pytest.mark.django_db
@pytest.mark.parametrize("z", [8, 15])
def test_tiles_follow_assignee_dates_text_and_bbox(people: dict[str, Any], z: int) -> None:
    handler = people["handler"]
    a = make_incident(description="Đèn đường 50% hỏng", assignee=handler)
    b = make_incident(address="Hẻm 12_3 Lê Lợi")
    c = make_incident(BEN_THANH)
    Incident.objects.filter(pk=c.pk).update(created_at=dt.datetime(2020, 5, 1, tzinfo=dt.UTC))
    client = client_for(people["supervisor"])
    lon, lat = c.location.coords
    around = (lon - 0.0005, lat - 0.0005, lon + 0.0005, lat + 0.0005)
    cases: list[tuple[dict[str, Any], set[int]]] = [
        ({"assignee": handler.pk}, {a.pk}),
        ({"created_to": "2020-05-01"}, {c.pk}),
        ({"created_from": "2020-05-02"}, {a.pk, b.pk}),
        ({"q": "50% HỎNG"}, {a.pk}),  # case-insensitive, % taken literally
        ({"q": "50_"}, set()),
        ({"q": "12_3"}, {b.pk}),
        ({"q": b.reference.lower()}, {b.pk}),
        ({"bbox": ",".join(str(v) for v in around)}, {c.pk}),
    ]
    for params, expected in cases:
        if z == 15:
            found = tile_ids(client, a, z, **params) | tile_ids(client, c, z, **params)
        else:
            found_cells = cells(client, z, *tile_of(*BEN_THANH_POINT, z), **params)
            assert sum(n for n, *_ in found_cells) == len(expected), params
            continue
        assert found & {a.pk, b.pk, c.pk} == expected, params


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
    assert set(body) == {
        "open",
        "overdue",
        "emergencies_open",
        "emergencies_overdue",
        "resolved_this_week",
        "quarter",
        "late_rate",
    }
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
