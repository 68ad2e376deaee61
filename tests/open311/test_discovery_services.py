"""discovery, services, services/{code}: element names of GeoReport v2 in XML and JSON."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.open311.conftest import BASE, children, xml_of

pytestmark = pytest.mark.django_db
SERVICE = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE = [
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
]


def test_discovery_in_both_formats(api: APIClient) -> None:
    root = xml_of(api.get(BASE + "discovery.xml"))
    assert root.tag == "discovery"
    assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert children(endpoint) == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in endpoint.iterfind("formats/format")] == [
        "text/xml",
        "application/json",
    ]
    body = api.get(BASE + "discovery.json").json()
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert body["endpoints"][0]["url"].endswith("/open311/v2/")


def test_services_list(api: APIClient, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        root = xml_of(api.get(BASE + "services.xml"))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) >= 16 and all(children(s) == SERVICE for s in services)
    flooding = next(s for s in services if s.findtext("service_code") == "flooding")
    assert flooding.findtext("metadata") == "true" and flooding.findtext("type") == "realtime"
    body = api.get(BASE + "services.json").json()
    assert isinstance(body, list) and list(body[0]) == SERVICE
    rubbish = next(s for s in body if s["service_code"] == "rubbish")
    assert rubbish["metadata"] is False
    en = api.get(BASE + "services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert next(s for s in en if s["service_code"] == "flooding")["service_name"] == (
        "Flooding and drainage"
    )


def test_service_definition_with_attributes(api: APIClient) -> None:
    root = xml_of(api.get(BASE + "services/flooding.xml"))
    assert root.tag == "service_definition"
    assert children(root) == ["service_code", "attributes"]
    attribute = root.find("attributes/attribute")
    assert attribute is not None and children(attribute) == ATTRIBUTE
    assert attribute.findtext("datatype") == "singlevaluelist"
    assert attribute.findtext("required") == "true"
    keys = [v.findtext("key") for v in attribute.iterfind("values/value")]
    assert keys == ["ankle", "knee", "above_knee"]
    body = api.get(BASE + "services/traffic-accident.json").json()
    assert body["service_code"] == "traffic-accident"
    assert [a["code"] for a in body["attributes"]] == ["injured", "vehicles"]
    assert body["attributes"][1]["datatype"] == "number"
    assert api.get(BASE + "services/rubbish.json").json()["attributes"] == []


def test_unknown_service_and_unknown_path_are_spec_errors(api: APIClient) -> None:
    response = api.get(BASE + "services/no-such-thing.xml")
    assert response.status_code == 404
    root = xml_of(response)
    assert root.tag == "errors"
    error = root.find("error")
    assert error is not None and children(error) == ["code", "description"]
    assert error.findtext("code") == "404"
    body = api.get(BASE + "services/no-such-thing.json").json()
    assert body[0]["code"] == 404 and body[0]["description"]
    assert api.get(BASE + "services.csv").status_code == 404
