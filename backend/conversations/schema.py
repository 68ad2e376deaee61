"""OpenAPI pieces of the chat webhooks: how each platform signs (docs/API.md has the detail)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter

from . import signatures as sig

MESSENGER_SECURITY = "messengerSignature"
MESSENGER_SECURITY_DEFINITION: dict[str, Any] = {
    "type": "apiKey",
    "in": "header",
    "name": sig.MESSENGER_HEADER,
    "description": (
        "`sha256=<hex>`: HMAC-SHA256 of the raw body keyed with MESSENGER_APP_SECRET; bad or "
        "missing → 403 `bad_signature`, nothing stored"
    ),
}
SMS_SECURITY = "smsGatewaySignature"
SMS_SECURITY_DEFINITION: dict[str, Any] = {
    "type": "apiKey",
    "in": "header",
    "name": sig.SMS_SIGNATURE_HEADER,
    "description": (
        "`sha256=<hex>`: HMAC-SHA256 over `<X-SMS-Timestamp>.<raw body>` keyed with "
        "SMS_INBOUND_SECRET; bad → 403 `bad_signature`, too old → 403 `stale_signature`"
    ),
}
SMS_TIMESTAMP = OpenApiParameter(
    sig.SMS_TIMESTAMP_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="Unix seconds; signed together with the raw body (X-SMS-Signature)",
)
HUB_PARAMETERS = [
    OpenApiParameter("hub.mode", str, required=True, description="`subscribe`"),
    OpenApiParameter("hub.verify_token", str, required=True),
    OpenApiParameter("hub.challenge", str, required=True, description="echoed back as text"),
]
