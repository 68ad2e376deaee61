"""Rate limits key on the socket's address unless a trusted proxy forwarded the request."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from backend.common.client_address import client_address
from backend.common.throttles import ClientAddressIdent

OTP = "/api/mobile/v1/auth/otp"


@pytest.fixture(autouse=True)
def _memory_sms(settings: Any) -> None:
    settings.SMS_GATEWAY = "backend.accounts.sms.MemoryGateway"


def ask_code(api: APIClient, n: int, **headers: Any) -> int:
    return api.post(OTP, {"phone": f"09012{n:05d}"}, format="json", **headers).status_code


@pytest.mark.django_db
def test_a_spoofed_forwarded_for_does_not_buy_a_fresh_limit(api: APIClient) -> None:
    codes = [ask_code(api, n) for n in range(11)]
    assert codes == [202] * 10 + [429]
    assert ask_code(api, 11, HTTP_X_FORWARDED_FOR="203.0.113.77") == 429


@pytest.mark.django_db
def test_through_a_trusted_proxy_the_forwarded_address_counts(
    api: APIClient, settings: Any
) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    assert [ask_code(api, n, HTTP_X_FORWARDED_FOR="198.51.100.1") for n in range(11)][-1] == 429
    assert ask_code(api, 11, HTTP_X_FORWARDED_FOR="198.51.100.2") == 202


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("192.0.2.9", "203.0.113.77", "192.0.2.9"),  # not a proxy: the header is ignored
        ("10.0.0.5", "203.0.113.77", "203.0.113.77"),
        ("10.0.0.5", "1.2.3.4, 203.0.113.77, 10.0.0.9", "203.0.113.77"),  # nearest untrusted hop
        ("10.0.0.5", "", "10.0.0.5"),
        ("10.0.0.5", "bogus, 10.0.0.7", "10.0.0.7"),
        ("2001:db8::1", "203.0.113.77", "2001:db8::1"),
    ],
)
def test_client_address(settings: Any, remote: str, forwarded: str, expected: str) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def _views(patterns: list[Any]) -> list[Any]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += _views(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            found.append(getattr(entry.callback, "cls", None))
    return [view for view in found if view is not None]


def test_every_throttle_in_the_urlconf_uses_the_client_address() -> None:
    throttles = {t for view in _views(get_resolver().url_patterns) for t in view.throttle_classes}
    assert throttles  # the mobile, Open311 and public APIs all have some
    assert all(issubclass(t, ClientAddressIdent) for t in throttles), throttles
