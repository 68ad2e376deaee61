"""Emergencies in the staff workspace: on top of every staff list, their own marker on the map,
counted separately in the staff summary and the public statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from backend.incidents.models import Incident, Status
from tests.geo.mvt import decode
from tests.geo.test_tiles import tile_of
from tests.incidents.factories import make_incident

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def emergency(**fields: Any) -> Incident:
    return make_incident(is_emergency=True, emergency_at=timezone.now(), **fields)


def listed(client: APIClient, name: str, **params: Any) -> list[int]:
    body = client.get(reverse(f"staff:{name}"), params).json()
    rows = body["results"] if "results" in body else body["features"]
    return [row["id"] for row in rows]


@pytest.mark.parametrize("name", ["incidents", "incidents-geojson"])
def test_open_emergencies_sit_on_top_of_the_staff_lists(people: dict[str, Any], name: str) -> None:
    urgent = emergency()  # the oldest
    closed = emergency(status=Status.CLOSED)  # no longer on top
    plain = [make_incident() for _ in range(3)]
    client = client_for(people["leader"])

    everything = listed(client, name, page_size=50)
    assert everything[0] == urgent.pk
    newest_first = [closed.pk, *(i.pk for i in plain)][::-1]
    assert everything[1:] == newest_first

    # pages are cut from the same order: nothing twice, nothing lost
    pages = [listed(client, name, page_size=2, page=n) for n in (1, 2, 3)]
    assert [pk for page in pages for pk in page] == everything
    assert listed(client, name, status="closed") == [closed.pk]


def test_the_list_rows_say_emergency(people: dict[str, Any]) -> None:
    urgent = emergency()
    body = client_for(people["leader"]).get(reverse("staff:incidents")).json()
    assert [(r["id"], r["is_emergency"]) for r in body["results"]] == [(urgent.pk, True)]


def test_the_map_gives_open_emergencies_their_own_marker(people: dict[str, Any]) -> None:
    urgent, plain, closed = emergency(), make_incident(), emergency(status=Status.CLOSED)
    x, y = tile_of(urgent.location.x, urgent.location.y, 12)
    response = client_for(people["leader"]).get(
        reverse("staff:tiles", kwargs={"z": 12, "x": x, "y": y})
    )
    flags = {f["id"]: f["properties"]["emergency"] for f in decode(response.content)["incidents"]}
    assert {k: flags.get(k) for k in (urgent.pk, plain.pk, closed.pk)} == {
        urgent.pk: True,
        plain.pk: False,
        closed.pk: False,
    }


def test_the_staff_summary_counts_emergencies_separately(people: dict[str, Any]) -> None:
    emergency()
    emergency(due_at=timezone.now() - dt.timedelta(hours=1))
    emergency(status=Status.CLOSED)
    make_incident()
    summary = client_for(people["leader"]).get(reverse("staff:summary")).json()
    assert (summary["open"], summary["emergencies_open"], summary["emergencies_overdue"]) == (
        3,
        2,
        1,
    )
    # another ward's leader sees none of them
    other = client_for(people["other_ward"]).get(reverse("staff:summary")).json()
    assert other["emergencies_open"] == 0


def test_the_public_statistics_count_emergencies_separately(api: APIClient) -> None:
    emergency()
    emergency(status=Status.RESOLVED, resolved_at=timezone.now())
    make_incident()
    today = timezone.localdate().isoformat()
    city = api.get(reverse("transparency:stats"), {"from": today, "to": today}).json()["city"]
    assert (city["received"], city["emergencies_received"], city["emergencies_resolved"]) == (
        3,
        2,
        1,
    )
