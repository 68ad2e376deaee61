"""TOTP two-factor for staff (django-otp): enrolment with a QR code, the code at sign-in, and the
rule that supervisors and admins cannot reach anything without it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from backend.accounts.models import SignInEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required(settings: Any) -> None:
    settings.STAFF_2FA_REQUIRED_ROLES = ["supervisor", "admin"]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's own back-off (seconds after a wrong code)


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def sign_in(client: Client, user: Any) -> Any:
    return client.post(reverse("staff-login"), {"username": user.username, "password": "pw"})


def test_a_supervisor_enrols_then_signs_in_with_a_code(
    client: Client, people: dict[str, Any]
) -> None:
    supervisor = people["supervisor"]
    first = sign_in(client, supervisor)
    assert first.status_code == 302 and first["Location"] == reverse("staff-two-factor-setup")
    assert "_auth_user_id" not in client.session  # a password alone signs nobody in
    page = client.get(reverse("staff-two-factor-setup")).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)
    assert client.post(reverse("staff-two-factor-setup"), {"code": "000000"}).status_code == 200
    done = client.post(reverse("staff-two-factor-setup"), {"code": code_for(device)})
    assert done.status_code == 302 and done["Location"] == reverse("staff-map")
    assert client.get("/api/staff/v1/me").status_code == 200

    client.post(reverse("staff-logout"))
    again = sign_in(client, supervisor)
    assert again["Location"] == reverse("staff-sign-in-code")
    wrong = client.post(reverse("staff-sign-in-code"), {"code": "123 456"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    right = client.post(reverse("staff-sign-in-code"), {"code": code_for(device, steps_ahead=1)})
    assert right.status_code == 302 and client.get("/api/staff/v1/me").status_code == 200
    outcomes = SignInEvent.objects.filter(user=supervisor).values_list("outcome", "second_factor")
    assert sorted(outcomes) == [
        ("code_failure", False),
        ("code_failure", False),
        ("success", True),
        ("success", True),
    ]


def test_wrong_codes_count_toward_the_lockout(client: Client, people: dict[str, Any]) -> None:
    sign_in(client, people["supervisor"])
    answers = [
        client.post(reverse("staff-two-factor-setup"), {"code": "000000"}).status_code
        for _ in range(5)
    ]
    assert answers == [200] * 4 + [429]


def test_a_session_without_the_second_factor_reaches_nothing(
    client: Client, people: dict[str, Any]
) -> None:
    client.force_login(people["supervisor"])
    api = client.get("/api/staff/v1/me")
    assert (api.status_code, api.json()["code"]) == (403, "second_factor_required")
    assert client.get(reverse("staff-map"))["Location"] == reverse("staff-two-factor-setup")
    assert client.get("/admin/")["Location"] == reverse("staff-two-factor-setup")
    client.force_login(people["handler"])  # not a role that needs it
    assert client.get("/api/staff/v1/me").status_code == 200


def test_other_staff_may_enrol_and_are_then_asked_for_the_code(
    client: Client, people: dict[str, Any]
) -> None:
    handler = people["handler"]
    client.force_login(handler)
    assert client.get(reverse("staff-two-factor-setup")).status_code == 200
    device = TOTPDevice.objects.get(user=handler)
    assert client.post(reverse("staff-two-factor-setup"), {"code": code_for(device)})[
        "Location"
    ] == reverse("staff-map")
    client.post(reverse("staff-logout"))
    assert sign_in(client, handler)["Location"] == reverse("staff-sign-in-code")


def test_enrolment_page_in_english(client: Client, people: dict[str, Any]) -> None:
    sign_in(client, people["supervisor"])
    client.cookies["django_language"] = "en"
    assert (
        "Two-factor authentication"
        in client.get(reverse("staff-two-factor-setup")).content.decode()
    )
