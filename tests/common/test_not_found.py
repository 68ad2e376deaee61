"""Unknown paths under /api/ and /open311/ answer in the API's own error format."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/nope",
        "/api/mobile/v1/nope",
        "/api/mobile/v1/reports/abc",
        "/api/staff/v1/incidents/1/nope",
        "/api/public/v1/nope",
        "/api/v2/geo/locate",
    ],
)
def test_unknown_api_paths_answer_the_error_format(client: Client, path: str) -> None:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "message": "Not found.", "details": {}}


@pytest.mark.django_db
def test_unknown_open311_paths_answer_the_georeport_error_list(client: Client) -> None:
    as_json = client.get("/open311/v2/nope.json")
    assert as_json.status_code == 404 and as_json.json()[0]["code"] == 404
    as_xml = client.get("/open311/v2/requests/x/y.xml")
    assert as_xml.status_code == 404
    assert ET.fromstring(as_xml.content).findtext("error/code") == "404"
    assert client.get("/open311/nope").json()[0]["description"] == "Không tìm thấy."


@pytest.mark.django_db
def test_other_unknown_paths_stay_html(client: Client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/mobile/v1/devices/a%00b", ""),
        ("/api/staff/v1/incidents", "q=a%00b"),
        ("/open311/v2/requests.json", "service_code=a%00"),
    ],
)
def test_a_nul_character_in_a_path_or_query_is_a_400(client: Client, path: str, query: str) -> None:
    response = client.get(f"{path}?{query}" if query else path)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" if path.startswith("/api/") else body[0]["code"] == 400
