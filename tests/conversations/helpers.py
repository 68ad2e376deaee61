"""Posting signed events the way the platforms do."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from backend.conversations.engine import categories
from backend.units.models import Category

from .fakes import zalo_event, zalo_signed

ZALO_URL = "/api/conversations/v1/zalo/events"


def zalo_post(client: APIClient, event: dict[str, Any], secret: str | None = None) -> Any:
    body, mac = zalo_signed(event) if secret is None else zalo_signed(event, secret)
    return client.post(
        ZALO_URL, data=body, content_type="application/json", headers={"X-ZEvent-Signature": mac}
    )


class ZaloUser:
    """One resident writing to the OA: each call posts one signed event with a new msg_id."""

    def __init__(self, client: APIClient, user_id: str = "zu-100") -> None:
        self.client, self.user_id, self.n = client, user_id, 0

    def _next(self) -> str:
        self.n += 1
        return f"{self.user_id}-msg-{self.n}"

    def text(self, text: str) -> Any:
        return zalo_post(
            self.client, zalo_event("user_send_text", self.user_id, self._next(), text=text)
        )

    def location(self, lon: float, lat: float) -> Any:
        attachment = {
            "type": "location",
            "payload": {"coordinates": {"latitude": str(lat), "longitude": str(lon)}},
        }
        return zalo_post(
            self.client,
            zalo_event("user_send_location", self.user_id, self._next(), attachments=[attachment]),
        )

    def image(self, url: str) -> Any:
        attachment = {"type": "image", "payload": {"url": url, "thumbnail": url}}
        return zalo_post(
            self.client,
            zalo_event("user_send_image", self.user_id, self._next(), attachments=[attachment]),
        )


def choice_of(code: str) -> str:
    """The number the dialogue lists category `code` under."""
    codes = [c.code for c in categories()]
    return str(codes.index(code) + 1)


def category(code: str) -> Category:
    return Category.objects.get(code=code)
