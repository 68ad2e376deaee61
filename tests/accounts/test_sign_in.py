"""Phone sign-in: normalisation, hashed single-use expiring codes, limits, tokens, sign-out."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts import sms
from backend.accounts.models import AuthToken, PhoneCode, User
from backend.accounts.phones import InvalidPhone, normalise_phone
from backend.accounts.services import token_issue, token_user

pytestmark = pytest.mark.django_db
BASE = "/api/mobile/v1/auth"


@pytest.fixture(autouse=True)
def memory_sms(settings: Any) -> Iterator[list[sms.SmsMessage]]:
    settings.SMS_GATEWAY = "backend.accounts.sms.MemoryGateway"
    cache.clear()
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()
    cache.clear()


@pytest.mark.parametrize(
    "raw",
    ["0901234567", "+84901234567", "84901234567", "090 123 4567", "(090) 123-4567",
     "+84 (0) 90 123 4567", "0084901234567", "01201234567"[:0] + "0901.234.567"],
)  # fmt: skip
def test_vietnamese_formats_normalise_to_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+84901234567"


def test_old_eleven_digit_numbers_are_renumbered() -> None:
    assert normalise_phone("01662345678") == "+84362345678"


@pytest.mark.parametrize(
    "raw", ["", "12345", "+1 415 555 0100", "0281234567", "09012345678", "090123456x"]
)
def test_invalid_numbers(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalise_phone(raw)


def request_code(api: APIClient, phone: str = "0901 234 567", **headers: Any) -> Any:
    return api.post(f"{BASE}/otp", {"phone": phone}, format="json", **headers)


def sent_code(outbox: list[sms.SmsMessage]) -> str:
    match = re.search(r"\b(\d{6})\b", outbox[-1].text)
    assert match
    return match.group(1)


def test_full_sign_in_flow(
    api: APIClient, memory_sms: list[sms.SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = request_code(api)
    assert response.status_code == 202 and response.json()["phone"] == "+84901234567"
    assert memory_sms[-1].to == "+84901234567"
    code = sent_code(memory_sms)
    row = PhoneCode.objects.get()
    assert code not in row.code_hash and len(row.code_hash) == 64  # stored hashed only

    tokens = api.post(f"{BASE}/token", {"phone": "+84901234567", "code": code}, format="json")
    assert tokens.status_code == 200
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["access"] and body["refresh"]
    user = User.objects.get(phone="+84901234567")
    assert not user.has_usable_password()

    again = api.post(f"{BASE}/token", {"phone": "0901234567", "code": code}, format="json")
    assert again.status_code == 400  # single use

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert api.get("/api/mobile/v1/reports").status_code == 200
    assert api.post(f"{BASE}/sign-out").status_code == 204
    revoked = api.get("/api/mobile/v1/reports")
    assert (revoked.status_code, revoked.json()["code"]) == (401, "authentication_failed")


def test_sms_text_follows_the_language(
    api: APIClient, memory_sms: list[sms.SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request_code(api, HTTP_ACCEPT_LANGUAGE="en")
    assert memory_sms[-1].text.startswith("Your 1022 sign-in code is")


def test_wrong_codes_are_counted_and_lock_the_code(
    api: APIClient, memory_sms: list[sms.SmsMessage], settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    settings.OTP_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        request_code(api)
    code = sent_code(memory_sms)
    wrong = "000000" if code != "000000" else "111111"
    answers = [
        api.post(f"{BASE}/token", {"phone": "0901234567", "code": wrong}, format="json").json()
        for _ in range(3)
    ]
    assert [a["code"] for a in answers] == ["otp_invalid"] * 3
    assert [a["details"]["attempts_left"] for a in answers] == [2, 1, 0]
    locked = api.post(f"{BASE}/token", {"phone": "0901234567", "code": code}, format="json")
    assert (locked.status_code, locked.json()["code"]) == (429, "otp_locked")


def test_expired_code(
    api: APIClient, memory_sms: list[sms.SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request_code(api)
    PhoneCode.objects.update(expires_at=timezone.now())
    response = api.post(
        f"{BASE}/token", {"phone": "0901234567", "code": sent_code(memory_sms)}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "otp_expired")


def test_resend_cooldown_and_hourly_limit(api: APIClient, settings: Any) -> None:
    assert request_code(api).status_code == 202
    too_soon = request_code(api)
    assert (too_soon.status_code, too_soon.json()["code"]) == (429, "otp_too_many_requests")
    assert too_soon.json()["details"]["retry_after_seconds"] > 0
    settings.OTP_RESEND_SECONDS = 0
    settings.OTP_MAX_PER_HOUR = 2
    assert request_code(api).status_code == 202
    assert request_code(api).status_code == 429


def test_invalid_phone_answer(api: APIClient) -> None:
    response = request_code(api, phone="12345", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_phone"
    assert response.json()["message"] == "Invalid phone number."


def test_otp_endpoint_is_throttled_per_client(api: APIClient, settings: Any) -> None:
    settings.MOBILE_THROTTLE_RATES = {**settings.MOBILE_THROTTLE_RATES, "otp": "2/hour"}
    codes = [request_code(api, phone=f"090123456{i}").status_code for i in range(3)]
    assert codes == [202, 202, 429]


def test_refresh_rotates_and_works_once(
    api: APIClient, memory_sms: list[sms.SmsMessage], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        request_code(api)
    body = api.post(
        f"{BASE}/token", {"phone": "0901234567", "code": sent_code(memory_sms)}, format="json"
    ).json()
    fresh = api.post(f"{BASE}/refresh", {"refresh": body["refresh"]}, format="json")
    assert fresh.status_code == 200 and fresh.json()["access"] != body["access"]
    reused = api.post(f"{BASE}/refresh", {"refresh": body["refresh"]}, format="json")
    assert (reused.status_code, reused.json()["code"]) == (401, "refresh_invalid")
    assert AuthToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_http_gateway_posts_json(settings: Any) -> None:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"auth": self.headers["Authorization"], **json.loads(body)})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    settings.SMS_GATEWAY = "backend.accounts.sms.HttpGateway"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/sms"
    settings.SMS_HTTP_TOKEN = "secret"
    sms._gateway.cache_clear()
    try:
        sms.send_sms(to="+84901234567", text="xin chào")
    finally:
        thread.join(5)
        server.server_close()
        sms._gateway.cache_clear()
    assert received == [
        {"auth": "Bearer secret", "to": "+84901234567", "text": "xin chào", "sender": "HOTLINE1022"}
    ]


def test_http_gateway_failure_is_an_sms_error(settings: Any) -> None:
    settings.SMS_GATEWAY = "backend.accounts.sms.HttpGateway"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/unreachable"
    sms._gateway.cache_clear()
    try:
        with pytest.raises(sms.SmsError):
            sms.send_sms(to="+84901234567", text="x")
    finally:
        sms._gateway.cache_clear()


def test_access_token_lookup_rules(api: APIClient) -> None:
    user = User.objects.create_user(username="+84901230000", phone="+84901230000")
    issued = token_issue(user=user)
    found = token_user(access=issued.access)
    assert found is not None
    found_user, found_token = found
    assert (found_user.pk, found_token.pk, found_token.user is found_user) == (
        user.pk,
        issued.token.pk,
        True,
    )
    assert (
        found_user.phone == "+84901230000" and found_token.access_hash == issued.token.access_hash
    )
    # every column as the ORM reads it (the lookup is hand-written SQL, prepared)
    for instance in (found_user, found_token):
        stored = type(instance).objects.get(pk=instance.pk)
        assert [getattr(instance, f.attname) for f in instance._meta.concrete_fields] == [
            getattr(stored, f.attname) for f in stored._meta.concrete_fields
        ]
    assert token_user(access=issued.refresh) is None  # a refresh token is not an access token
    assert token_user(access="nope") is None

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.access}")
    assert api.get("/api/mobile/v1/reports").status_code == 200
    AuthToken.objects.filter(pk=issued.token.pk).update(access_expires_at=timezone.now())
    assert token_user(access=issued.access) is None  # expired
    assert api.get("/api/mobile/v1/reports").status_code == 401
    AuthToken.objects.filter(pk=issued.token.pk).update(
        access_expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert token_user(access=issued.access) is not None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert token_user(access=issued.access) is None  # account disabled
    User.objects.filter(pk=user.pk).update(is_active=True)
    AuthToken.objects.filter(pk=issued.token.pk).update(revoked_at=timezone.now())
    assert token_user(access=issued.access) is None  # signed out
