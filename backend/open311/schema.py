"""OpenAPI description of GeoReport v2: the same shapes as JSON and as XML (`.json` / `.xml`).

Documentation only — the views build plain dicts (serializers.py) and render them themselves
(renderers.py). Refusals are the spec's list of `{code, description}`, in the request's format.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

JSON, XML = "application/json", "text/xml"


ERRORS = {
    "type": "array",
    "description": "the spec's error list",
    "items": {
        "type": "object",
        "properties": {
            "code": {"type": "integer", "description": "the HTTP status"},
            "description": {"type": "string"},
        },
        "required": ["code", "description"],
    },
}


class EndpointOut(serializers.Serializer):
    specification = serializers.CharField()
    url = serializers.CharField()
    changeset = serializers.CharField()
    type = serializers.CharField()
    formats = serializers.ListField(child=serializers.CharField())


class DiscoveryOut(serializers.Serializer):
    changeset = serializers.CharField()
    contact = serializers.CharField()
    key_service = serializers.CharField()
    endpoints = EndpointOut(many=True)


class ServiceOut(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField(allow_null=True)
    description = serializers.CharField(allow_null=True, allow_blank=True)
    metadata = serializers.BooleanField()
    type = serializers.CharField()
    keywords = serializers.CharField(allow_blank=True)
    group = serializers.CharField(allow_blank=True)


class AttributeValueOut(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class AttributeOut(serializers.Serializer):
    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # a field, not .required
    datatype_description = serializers.CharField(allow_null=True)
    order = serializers.IntegerField()
    description = serializers.CharField(allow_blank=True)
    values = AttributeValueOut(many=True)


class ServiceDefinitionOut(serializers.Serializer):
    service_code = serializers.CharField()
    attributes = AttributeOut(many=True)


class ServiceRequestOut(serializers.Serializer):
    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField(allow_null=True)
    service_name = serializers.CharField(allow_null=True)
    service_code = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    agency_responsible = serializers.CharField(allow_null=True)
    service_notice = serializers.CharField(allow_null=True)
    requested_datetime = serializers.CharField(allow_null=True)
    updated_datetime = serializers.CharField(allow_null=True)
    expected_datetime = serializers.CharField(allow_null=True)
    address = serializers.CharField(allow_null=True)
    address_id = serializers.CharField(allow_null=True)
    zipcode = serializers.CharField(allow_null=True)
    lat = serializers.FloatField()
    long = serializers.FloatField()
    media_url = serializers.CharField(allow_null=True)
    extended_attributes = serializers.DictField(
        required=False, help_text="with `extensions=true`: ward, detailed status, photos, notes…"
    )


class CreatedOut(serializers.Serializer):
    service_request_id = serializers.CharField()
    token = serializers.CharField()
    service_notice = serializers.CharField(allow_null=True)
    account_id = serializers.CharField(allow_null=True)


class TokenOut(serializers.Serializer):
    service_request_id = serializers.CharField()
    token = serializers.CharField()


class UpdateOut(serializers.Serializer):
    update_id = serializers.CharField()
    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    updated_datetime = serializers.CharField(allow_null=True)
    description = serializers.CharField(allow_blank=True)
    media_url = serializers.CharField(allow_null=True)
    extended_attributes = serializers.DictField()


def both(shape: Any, description: str = "") -> dict[Any, Any]:
    """A 200 answer in JSON and in XML (the element names of the JSON keys)."""
    return {
        (200, JSON): OpenApiResponse(shape, description=description),
        (200, XML): OpenApiResponse(shape, description=description),
    }


FORMAT = OpenApiParameter(
    "fmt", str, OpenApiParameter.PATH, enum=["json", "xml"], description="the answer's format"
)
API_KEY = OpenApiParameter("api_key", str, description="your application's key (optional)")
EXTENSIONS = OpenApiParameter("extensions", str, enum=["true", "false"])
DATES = "ISO 8601, e.g. 2026-03-01T00:00:00+07:00"
REQUEST_FILTERS = [
    FORMAT,
    API_KEY,
    OpenApiParameter("service_request_id", str, description="ids, comma-separated"),
    OpenApiParameter("service_code", str, description="codes, comma-separated"),
    OpenApiParameter("status", str, description="open, closed (comma-separated)"),
    OpenApiParameter("start_date", str, description=DATES),
    OpenApiParameter("end_date", str, description=f"{DATES}; ≤ 90 days after start_date"),
    OpenApiParameter("updated_after", str, description=DATES),
    OpenApiParameter("updated_before", str, description=DATES),
    OpenApiParameter("lat", float),
    OpenApiParameter("long", float),
    OpenApiParameter("radius", int, description="metres, ≤ 20000"),
    OpenApiParameter("bbox", str, description="min_long,min_lat,max_long,max_lat"),
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description="≤ 1000"),
    EXTENSIONS,
]
UPDATE_FILTERS = [
    FORMAT,
    API_KEY,
    OpenApiParameter("start_date", str, description=DATES),
    OpenApiParameter("end_date", str, description=DATES),
    OpenApiParameter("page", int),
    OpenApiParameter("page_size", int, description="≤ 1000"),
]


class RequestFormIn(serializers.Serializer):
    """POST requests.{fmt}: the spec's form fields (parsers.RequestIn) and the api_key."""

    api_key = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField(max_length=4000)
    lat = serializers.FloatField(required=False)
    long = serializers.FloatField(required=False)
    address_string = serializers.CharField(required=False, allow_blank=True, max_length=500)
    jurisdiction_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    email = serializers.EmailField(required=False, allow_blank=True)
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    media = serializers.ListField(child=serializers.FileField(), required=False, max_length=5)


FORM = {"multipart/form-data": RequestFormIn, "application/x-www-form-urlencoded": RequestFormIn}
CREATED = {(201, JSON): CreatedOut(many=True), (201, XML): CreatedOut(many=True)}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "backend.open311.auth.ApiKeyAuthentication"
    name = "open311ApiKey"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "query",
            "name": "api_key",
            "description": "Open311 application key (admin → Ứng dụng Open311); also a form "
            "field on POST. Required to file requests; reads work without it (per-IP limit)",
        }
