"""OpenAPI pieces shared by every API: the one error format and its answers per status."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ErrorSerializer(serializers.Serializer):
    """`{code, message, details}` — backend/common/errors.py."""

    code = serializers.CharField(help_text="stable, machine-readable: `invalid`, `not_found`, …")
    message = serializers.CharField(help_text="in the request's language (Accept-Language)")
    details = serializers.DictField(help_text="per-field errors or facts about the refusal")


_MEANING = {
    400: "invalid input (`details` per field)",
    401: "missing, invalid or expired credentials",
    403: "not allowed (`not_authenticated`, `permission_denied`, `second_factor_required`)",
    404: "not found, or outside your scope",
    405: "method not allowed",
    406: "the requested format cannot be produced",
    409: "conflict with the current state (`conflict`, `illegal_transition`, …)",
    413: "upload too large",
    415: "unsupported media type",
    422: "understood but refused (`outside_service_area`, `idempotency_key_reused`, …)",
    429: "rate limited (`throttled`, `details.retry_after_seconds`; Retry-After header)",
}


def errors(*statuses: int) -> dict[int, Any]:
    """`responses={**errors(400, 404)}`: each status answered in the error format."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=_MEANING.get(status, "error"))
        for status in statuses
    }


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus what every operation can answer besides success.

    The refusals come from the view itself, so no operation can forget one: 400 when it reads
    a body or query parameters, 401 for bearer-token operations, 403 for operations that need
    a signed-in user (and the session's CSRF check), 404 when the path names an object, 429
    when the view is throttled — each in the one error format. Views add their own (409, 422,
    413) with `errors(...)`. Text inputs that the server refuses when blank carry
    `minLength: 1` and a non-blank pattern, so a generated client cannot send "".
    """

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        # a view with an error format of its own (Open311) names it: (serializer, media types)
        shape, media_types = getattr(self.view, "schema_errors", (ErrorSerializer, None))
        for key, response in responses.items():
            if key >= "400" and "content" not in response:  # a description only: add the body
                described = OpenApiResponse(shape, description=response["description"])
                responses[key] = self._get_response_for_code(described, key, media_types)
        for status in self._refusals():
            key = str(status)
            if key not in responses:
                responses[key] = self._get_response_for_code(
                    OpenApiResponse(shape, description=_MEANING[status]), key, media_types
                )
        return responses

    def get_auth(self) -> list[dict[str, list[str]]]:
        # a view signed otherwise than through an authenticator (a webhook's HMAC) names its
        # scheme: (name, security scheme object)
        security = getattr(self.view, "schema_security", None)
        if security is not None:
            name, definition = security
            self.registry.register_on_missing(
                ResolvedComponent(
                    name=name,
                    type=ResolvedComponent.SECURITY_SCHEMA,
                    object=name,
                    schema=definition,
                )
            )
            return [{name: []}]
        auth: list[dict[str, list[str]]] = super().get_auth()
        reads_anonymous = getattr(self.view, "schema_anonymous_reads", False)
        if reads_anonymous and self.method == "GET" and {} not in auth:
            auth.append({})
        return auth

    def _refusals(self) -> list[int]:
        view = self.view
        statuses = []
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer()
        has_query = any(p.get("in") in ("query", "header") for p in self._get_parameters())
        if has_body or has_query:
            statuses.append(400)
        authenticators = [a() for a in getattr(view, "authentication_classes", [])]
        open_to_all = all(
            p is permissions.AllowAny for p in getattr(view, "permission_classes", [])
        )
        if not open_to_all:
            if any(a.authenticate_header(view.request) for a in authenticators):
                statuses.append(401)
            statuses.append(403)
        paged = self.method == "GET" and getattr(view, "pagination_class", None)
        if "{" in self.path or paged:  # an object named in the path, or a page past the end
            statuses.append(404)
        if getattr(view, "throttle_classes", None):
            statuses.append(429)
        return statuses

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(schema, dict)
            and isinstance(field, serializers.CharField)
            and not isinstance(field, serializers.RegexField | serializers.ChoiceField)
            and not field.allow_blank
            and schema.get("type") == "string"
        ):
            schema.setdefault("minLength", 1)
            if field.trim_whitespace:
                schema.setdefault("pattern", r"\S")
        return schema


def document_healthz(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: /healthz is a plain Django view (no DRF, cheap for
    the load balancer's probe), described here by hand."""
    health = {
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": ["ok", "error"]},
            "database": {"type": "string", "description": "`ok`, or the first line of the error"},
            "postgis": {"type": "string", "description": "PostGIS version, when up"},
        },
        "required": ["status", "database"],
    }
    result["paths"]["/healthz"] = {
        "get": {
            "operationId": "healthz",
            "summary": "Kiểm tra sống — 200 only when PostgreSQL and PostGIS answer",
            "tags": ["health"],
            "security": [{}],
            "responses": {
                "200": {"description": "up", "content": {"application/json": {"schema": health}}},
                "503": {
                    "description": "the database does not answer",
                    "content": {"application/json": {"schema": health}},
                },
            },
        }
    }
    return result
