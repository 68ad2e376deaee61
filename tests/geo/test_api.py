import json

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/geo/locate"


def test_locate_answers_ward_names_and_parent(api: APIClient) -> None:
    response = api.get(URL, {"lat": "10.7769", "lon": "106.7009"})
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "26740"
    assert body["name"] == "Phường Sài Gòn"
    assert body["parent"] == {"code": "79", "name": "Thành phố Hồ Chí Minh", "level": "city"}


def test_outside_the_city_is_a_clear_404(api: APIClient) -> None:
    response = api.get(URL, {"lat": "10.1", "lon": "107.3"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "outside_service_area"
    assert body["message"] == "The location is outside the service area."


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"lat": "91", "lon": "106.7"}, "lat_out_of_range"),
        ({"lat": "10.7", "lon": "-181"}, "lon_out_of_range"),
        ({"lat": "NaN", "lon": "106.7"}, "invalid_coordinates"),
        ({"lat": "inf", "lon": "106.7"}, "invalid_coordinates"),
        ({"lat": "mười", "lon": "106.7"}, "invalid_coordinates"),
        ({"lon": "106.7"}, "missing_coordinates"),
        ({}, "missing_coordinates"),
        ({"lat": "106.7009", "lon": "10.7769"}, "lat_out_of_range"),  # swapped
    ],
)
def test_bad_coordinates_are_400_with_a_code(
    api: APIClient, params: dict[str, str], code: str
) -> None:
    response = api.get(URL, params)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_messages_follow_accept_language(api: APIClient) -> None:
    vi = api.get(URL, {"lat": "91", "lon": "1"}, HTTP_ACCEPT_LANGUAGE="vi").json()["message"]
    en = api.get(URL, {"lat": "91", "lon": "1"}, HTTP_ACCEPT_LANGUAGE="en").json()["message"]
    assert vi.startswith("Vĩ độ phải nằm")
    assert en.startswith("Latitude must be")


def test_swapped_input_gets_a_hint(api: APIClient) -> None:
    body = api.get(URL, {"lat": "106.7", "lon": "10.77"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert "swapped" in body["message"]


def test_wards_geojson_has_every_ward_and_simplifies(api: APIClient) -> None:
    full = api.get("/api/v1/geo/wards", {"tolerance": "0"})
    simple = api.get("/api/v1/geo/wards", {"tolerance": "0.001"})
    assert full.status_code == simple.status_code == 200
    assert full["Content-Type"] == "application/geo+json"
    features = json.loads(full.content)["features"]
    assert len(features) == 168
    assert {f["properties"]["level"] for f in features} == {"ward", "commune", "special_zone"}
    assert len(simple.content) < len(full.content) / 3


@pytest.mark.parametrize("tolerance", ["-1", "1", "abc"])
def test_wards_bad_tolerance_is_400(api: APIClient, tolerance: str) -> None:
    response = api.get("/api/v1/geo/wards", {"tolerance": tolerance})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_tolerance"
