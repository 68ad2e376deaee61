"""GET /api/public/v1/similar-reports and /api/mobile/v1/reports/similar: the contract, privacy,
bad input, throttling, "follow this one instead" and where a merged report went."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.incidents.models import Incident, Status
from backend.notifications.models import Follow
from backend.units.models import Role
from tests.incidents.factories import SAIGON, make_incident, make_staff, make_user, ward_unit
from tests.mobile_api.fixtures import client_for, make_resident
from tests.mobile_api.images import jpeg_bytes, upload

pytestmark = pytest.mark.django_db
PUBLIC = "/api/public/v1/similar-reports"
MOBILE = "/api/mobile/v1/reports/similar"
FIELDS = {
    "reference",
    "status",
    "status_display",
    "category",
    "distance_m",
    "created_at",
    "thumbnail_url",
    "public_url",
    "demand",
}


def near(incident: Incident, metres: float = 30) -> dict[str, str]:
    return {
        "lon": str(incident.location.x),
        "lat": str(incident.location.y + metres / 111_320),
        "category": incident.category.code,
    }


def test_the_public_answer_has_exactly_the_contracts_fields_and_no_person(api: APIClient) -> None:
    reporter = make_user(phone="+84909998877", first_name="Nguyễn", last_name="Văn A")
    pothole = make_incident(
        category="road-damage",
        reporter=reporter,
        status=Status.IN_PROGRESS,
        description="Ổ gà trước nhà ông Nguyễn Văn A, gọi 0909998877",
    )
    response = api.get(PUBLIC, near(pothole))
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert set(row) == FIELDS
    assert row["reference"] == pothole.reference and row["category"] == "road-damage"
    assert row["status"] == "in_progress" and row["status_display"] == "Đang xử lý"
    assert 25 <= row["distance_m"] <= 35 and row["thumbnail_url"] is None
    assert row["public_url"].endswith(f"/phan-anh/{pothole.reference}/")
    assert row["demand"] == 1
    text = response.content.decode()
    assert "0909998877" not in text and "Nguyễn" not in text and "84909998877" not in text


def test_only_open_reports_of_the_same_category_nearby(api: APIClient) -> None:
    pothole = make_incident(category="road-damage")
    make_incident(category="rubbish")  # same place, another category
    make_incident(category="road-damage", status=Status.RESOLVED)
    far = near(pothole, metres=400)
    assert [r["reference"] for r in api.get(PUBLIC, near(pothole)).json()["results"]] == [
        pothole.reference
    ]
    assert api.get(PUBLIC, far).json() == {"results": []}


def test_the_answer_within_a_query_budget(api: APIClient, django_assert_num_queries: Any) -> None:
    pothole = make_incident(category="road-damage")
    api.get(PUBLIC, near(pothole))  # first use: the SRS lookup GeoDjango caches per process
    # category and demand; the reports nearby (with their thumbnail) are one statement sent
    # through psycopg directly (prepared server-side), which Django does not count
    with django_assert_num_queries(2):
        assert api.get(PUBLIC, near(pothole)).status_code == 200


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"category": "road-damage"}, "missing_coordinates", "lat"),
        ({"lon": "abc", "lat": "10.77", "category": "road-damage"}, "invalid_coordinates", "lon"),
        ({"lon": "106.7", "lat": "95", "category": "road-damage"}, "lat_out_of_range", None),
        ({"lon": "106.7", "lat": "10.77"}, "missing_category", "category"),
        ({"lon": "106.7", "lat": "10.77", "category": "potholes!"}, "unknown_category", "category"),
    ],
)
def test_bad_input_is_a_400_with_a_code_in_english_or_vietnamese(
    api: APIClient, query: dict[str, str], code: str, field: str | None
) -> None:
    english = api.get(PUBLIC, query, HTTP_ACCEPT_LANGUAGE="en")
    vietnamese = api.get(PUBLIC, query, HTTP_ACCEPT_LANGUAGE="vi")
    assert english.status_code == vietnamese.status_code == 400
    body = english.json()
    assert body["code"] == vietnamese.json()["code"] == code
    assert body["message"] and body["message"] != vietnamese.json()["message"]
    if field:
        assert field in body["details"]


def test_the_check_is_throttled_per_client(api: APIClient, settings: Any) -> None:
    settings.PUBLIC_THROTTLE_SIMILAR = "3/minute"
    query = {"lon": "106.7009", "lat": "10.7769", "category": "road-damage"}
    assert [api.get(PUBLIC, query).status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get(PUBLIC, query)
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"


def test_the_app_gets_the_same_answer_with_the_id_to_follow(api: APIClient) -> None:
    pothole = make_incident(category="road-damage", reporter=make_user())
    resident = make_resident()
    app = client_for(resident)
    assert api.get(MOBILE, near(pothole)).status_code == 401
    mobile = app.get(MOBILE, near(pothole)).json()["results"]
    public = api.get(PUBLIC, near(pothole)).json()["results"]
    assert [{k: v for k, v in r.items() if k != "id"} for r in mobile] == public
    assert mobile[0]["id"] == pothole.pk and mobile[0]["demand"] == 1

    # "follow this one instead": the resident now counts in its demand
    assert app.post(f"/api/mobile/v1/reports/{mobile[0]['id']}/follow").status_code == 200
    assert app.get(MOBILE, near(pothole)).json()["results"][0]["demand"] == 2
    assert api.get(PUBLIC, near(pothole)).json()["results"][0]["demand"] == 2


def test_a_thumbnail_of_a_report_with_a_photo(media: Any) -> None:
    resident = make_resident()
    app = client_for(resident)
    sent = app.post(
        "/api/mobile/v1/reports",
        {
            "category": "road-damage",
            "description": "Ổ gà",
            "lon": "106.7009",
            "lat": "10.7769",
            "photos": [upload(jpeg_bytes())],
        },
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert sent.status_code == 201
    query = {"lon": "106.7010", "lat": "10.7769", "category": "road-damage"}
    [row] = APIClient().get(PUBLIC, query).json()["results"]
    assert (
        row["thumbnail_url"].startswith("http://testserver/") and "thumbs" in row["thumbnail_url"]
    )


def test_the_app_tells_a_merged_reports_reporter_where_it_went(resident_app: Any) -> None:
    resident, app = resident_app
    leader = make_staff(Role.LEADER, ward_unit(SAIGON))
    master = make_incident(reporter=make_user())
    mine = make_incident(reporter=resident)
    assert app.get(f"/api/mobile/v1/reports/{mine.pk}").json()["merged_into"] is None

    staff = APIClient()
    staff.force_authenticate(leader)
    merge = staff.post(
        f"/api/staff/v1/incidents/{mine.pk}/merge", {"master": master.pk}, format="json"
    )
    assert merge.status_code == 200 and merge.json()["status"] == "merged"

    detail = app.get(f"/api/mobile/v1/reports/{mine.pk}").json()
    assert detail["status"] == "merged"
    assert detail["merged_into"]["reference"] == master.reference
    assert detail["merged_into"]["id"] == master.pk
    assert detail["merged_into"]["public_url"].endswith(f"/phan-anh/{master.reference}/")
    # ... and they follow the master, so its updates reach them
    assert Follow.objects.filter(incident=master, user=resident).exists()


@pytest.fixture
def resident_app(db: Any) -> tuple[User, APIClient]:
    resident = make_resident("+84907654321")
    return resident, client_for(resident)


def test_point_far_outside_the_city_is_simply_no_result(api: APIClient) -> None:
    make_incident(category="road-damage")
    point = Point(105.0, 21.0, srid=4326)  # Hà Nội
    query = {"lon": str(point.x), "lat": str(point.y), "category": "road-damage"}
    assert api.get(PUBLIC, query).json() == {"results": []}
