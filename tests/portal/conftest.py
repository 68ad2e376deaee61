"""Residents signing in on the web with the app's SMS codes (the in-memory SMS gateway)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from backend.accounts import sms


@pytest.fixture
def outbox(settings: Any) -> Iterator[list[sms.SmsMessage]]:
    settings.SMS_GATEWAY = "backend.accounts.sms.MemoryGateway"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def last_code(outbox: list[sms.SmsMessage]) -> str:
    return re.findall(r"\d{4,8}", outbox[-1].text)[-1]  # "Mã đăng nhập 1022 … là 123456."


def web_sign_in(client: Client, outbox: list[sms.SmsMessage], phone: str, capture: Any) -> Any:
    """Ask for a code and sign in with it (through the portal's session API, CSRF enforced)."""
    with capture(execute=True):
        sent = client.post("/api/public/v1/session/code", {"phone": phone}, **csrf(client))
    assert sent.status_code == 202, sent.content
    body = {"phone": phone, "code": last_code(outbox)}
    return client.post("/api/public/v1/session", body, **csrf(client))


def csrf(client: Client) -> dict[str, Any]:
    """The header the pages' scripts send: the CSRF cookie set by any portal page."""
    if "csrftoken" not in client.cookies:
        client.get("/")
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y
