"""The OpenAPI schema a mobile team generates its client from: shapes, refusals, no ambiguity."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api: APIClient) -> dict[str, Any]:
    return dict(api.get("/api/schema/", HTTP_ACCEPT="application/json").json())


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()
    ]


def test_operation_ids_are_unique(schema: dict[str, Any]) -> None:
    ids = Counter(op["operationId"] for _path, _method, op in operations(schema))
    assert [name for name, n in ids.items() if n > 1] == []


def test_every_refusal_is_in_the_error_format(schema: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    for path, _method, op in operations(schema):
        for status, response in op["responses"].items():
            if status < "400" or path == "/healthz":
                continue
            body = response["content"]["application/json"]["schema"]
            if path.startswith("/open311/"):  # the GeoReport list, in JSON and XML
                assert body["type"] == "array" and "text/xml" in response["content"], path
            else:
                assert body == error, (path, status)


def test_refusals_follow_from_each_view(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    assert {"400", "401", "403", "404", "429"} <= set(
        paths["/api/mobile/v1/reports/{id}/cancel"]["post"]["responses"]
    )
    assert "422" in paths["/api/mobile/v1/reports"]["post"]["responses"]
    assert {"400", "403", "404", "409"} <= set(
        paths["/api/staff/v1/incidents/{id}/transition"]["post"]["responses"]
    )


def test_the_staff_api_is_described(schema: dict[str, Any]) -> None:
    paths, components = schema["paths"], schema["components"]["schemas"]
    incidents = paths["/api/staff/v1/incidents"]["get"]
    names = {p["name"] for p in incidents["parameters"]}
    assert {"status", "bbox", "page", "page_size", "q", "overdue"} <= names
    assert "results" in components["StaffIncidentPageOut"]["properties"]
    transition = paths["/api/staff/v1/incidents/{id}/transition"]["post"]
    assert transition["requestBody"]["required"] is True
    tile = paths["/api/staff/v1/tiles/{z}/{x}/{y}.mvt"]["get"]
    assert {"mapToken": []} in tile["security"]
    assert schema["components"]["securitySchemes"]["mapToken"]["name"] == "X-Map-Token"


def test_the_contact_api_is_described(schema: dict[str, Any]) -> None:
    paths, components = schema["paths"], schema["components"]
    contact = {p: ops for p, ops in paths.items() if p.startswith("/api/contact/v1/")}
    assert len(contact) == 18
    assert {"/api/contact/v1/stats", "/api/contact/v1/stats/map"} <= set(contact)
    for path, ops in contact.items():
        for method, op in ops.items():
            assert op["tags"][0].startswith("contact: "), (path, method)
            assert "200" in op["responses"] or "201" in op["responses"], (path, method)
    event = paths["/api/contact/v1/cti/events"]["post"]
    assert event["security"] == [{"ctiSignature": []}]  # the HMAC, not the session
    assert components["securitySchemes"]["ctiSignature"]["name"] == "X-CTI-Signature"
    assert {"X-CTI-Timestamp"} == {p["name"] for p in event["parameters"]}
    assert {"200", "201", "400", "403", "404"} == set(event["responses"])
    assert "event" in components["schemas"]["ContactCtiEventIn"]["properties"]
    calls = paths["/api/contact/v1/calls"]
    assert calls["get"]["operationId"] != paths["/api/contact/v1/calls/{id}"]["get"]["operationId"]
    assert {"waiting", "mine"} <= set(components["schemas"]["ContactCallsOut"]["properties"])
    assert "409" in paths["/api/contact/v1/calls/{id}/take"]["post"]["responses"]
    preview = paths["/api/contact/v1/preview"]["get"]
    assert {"lat", "lon", "category"} == {p["name"] for p in preview["parameters"]}


def test_my_reports_are_declared_paginated(schema: dict[str, Any]) -> None:
    listed = schema["paths"]["/api/mobile/v1/reports"]["get"]
    ref = listed["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"count", "next", "previous", "results"} <= set(page["properties"])


@pytest.mark.parametrize(
    ("component", "field"),
    [("PhoneIn", "phone"), ("SignInIn", "phone"), ("RefreshIn", "refresh"), ("DeviceIn", "token")],
)
def test_blank_text_is_refused_by_the_schema_too(
    schema: dict[str, Any], component: str, field: str
) -> None:
    prop = schema["components"]["schemas"][component]["properties"][field]
    assert prop["minLength"] == 1 and prop["pattern"] == r"\S"


def test_open311_and_healthz_are_documented(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    for path in ("discovery", "services", "services/{code}", "requests", "requests/{request_id}",
                 "tokens/{token}", "servicerequestupdates"):  # fmt: skip
        assert f"/open311/v2/{path}.{{fmt}}" in paths, path
    listed = paths["/open311/v2/requests.{fmt}"]["get"]
    assert {"application/json", "text/xml"} <= set(listed["responses"]["200"]["content"])
    assert listed["responses"]["404"]["content"]["application/json"]["schema"]["type"] == "array"
    assert {"open311ApiKey": []} in listed["security"] and {} in listed["security"]
    assert "requestBody" in paths["/open311/v2/requests.{fmt}"]["post"]
    assert set(paths["/healthz"]["get"]["responses"]) == {"200", "503"}
