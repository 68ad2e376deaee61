"""GET /api/staff/v1/incidents/{id}/duplicates and the demand in the staff detail."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.incidents.models import Incident, IncidentPhoto
from backend.notifications.services import report_follow
from tests.incidents.factories import BEN_THANH, make_incident, make_user
from tests.incidents.test_duplicates import scene
from tests.mobile_api.fixtures import client_for, make_resident
from tests.mobile_api.images import upload

pytestmark = pytest.mark.django_db


def staff_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def submit(phone: str, seed: int, description: str, key: str) -> Incident:
    """A report with a photo of scene `seed`, through the app's API (the photo gets its hash)."""
    out = io.BytesIO()
    scene(seed).save(out, "JPEG", quality=85)
    response = client_for(make_resident(phone)).post(
        "/api/mobile/v1/reports",
        {
            "category": "road-damage",
            "description": description,
            "lon": "106.7009",
            "lat": "10.7769",
            "photos": [upload(out.getvalue())],
        },
        format="multipart",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 201, response.json()
    return Incident.objects.get(reference=response.json()["reference"])


def test_candidates_carry_photo_and_text_likeness_and_a_score(
    people: dict[str, Any], media: Any
) -> None:
    first = submit("+84901110001", 1, "Ổ gà lớn giữa đường Đồng Khởi", "a")
    again = submit("+84901110002", 1, "Ổ gà lớn giữa đường Đồng Khởi, xe máy té", "b")
    other = submit("+84901110003", 9, "Vỉa hè bị vỡ", "c")
    assert IncidentPhoto.objects.filter(dhash__isnull=True).count() == 0

    response = staff_client(people["leader"]).get(f"/api/staff/v1/incidents/{again.pk}/duplicates")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [first.pk, other.pk]
    best, worse = rows
    assert best["signals"]["photo"] > 0.7 > worse["signals"]["photo"]
    assert best["signals"]["text"] > worse["signals"]["text"]
    assert best["score"] > worse["score"] and 0 <= worse["score"] <= best["score"] <= 1
    assert best["distance_m"] == 0 and best["demand"] == 1
    assert best["thumbnail_url"] and best["reference"] == first.reference
    assert "reporter" not in best and "phone" not in str(best)


def test_candidates_stay_within_the_viewers_scope(people: dict[str, Any]) -> None:
    mine = make_incident()
    make_incident()  # another report in the same ward
    answer = staff_client(people["other_ward"]).get(f"/api/staff/v1/incidents/{mine.pk}/duplicates")
    assert answer.status_code == 404  # not theirs: not even the candidates
    theirs = make_incident(BEN_THANH)
    rows = staff_client(people["other_ward"]).get(f"/api/staff/v1/incidents/{theirs.pk}/duplicates")
    assert rows.status_code == 200
    assert {r["id"] for r in rows.json()["results"]} <= set(
        Incident.objects.filter(ward__code=BEN_THANH).values_list("pk", flat=True)
    )


def test_duplicates_within_a_query_budget(
    people: dict[str, Any], django_assert_num_queries: Any
) -> None:
    incident = make_incident()
    for _ in range(3):
        make_incident()
    client = staff_client(people["leader"])
    client.get(f"/api/staff/v1/incidents/{incident.pk}/duplicates")  # warm: scope, SRS
    # the incident, its photos, the candidates, their photos, demand (the scope is cached)
    with django_assert_num_queries(5):
        rows = client.get(f"/api/staff/v1/incidents/{incident.pk}/duplicates").json()["results"]
    assert len(rows) == 3


def test_the_detail_shows_the_demand(people: dict[str, Any]) -> None:
    incident = make_incident(reporter=make_user())
    report_follow(user=make_user(), incident=incident)
    report_follow(user=make_user(), incident=incident)
    detail = staff_client(people["leader"]).get(f"/api/staff/v1/incidents/{incident.pk}").json()
    assert detail["demand"] == 3
