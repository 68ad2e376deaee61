"""OpenAPI pieces shared by every API: the one error format and its answers per status."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


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
