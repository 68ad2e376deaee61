"""The mobile endpoints appear in the OpenAPI schema; Swagger UI loads nothing from a CDN."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_mobile_endpoints_are_in_the_schema(api: APIClient) -> None:
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in ("reports", "reports/{id}", "reports/{id}/rating", "reports/{id}/cancel",
                 "categories", "devices", "auth/otp", "auth/token", "auth/sign-out"):  # fmt: skip
        assert f"/api/mobile/v1/{path}" in paths, path
    submit = paths["/api/mobile/v1/reports"]["post"]
    assert "multipart/form-data" in submit["requestBody"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in submit["parameters"])
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_swagger_ui_references_no_external_host(api: APIClient) -> None:
    html = api.get("/api/docs/").content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert urls
    assert all(not re.match(r"^(https?:)?//", url) for url in urls), urls
