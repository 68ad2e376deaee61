"""Staff password sign-in: lockouts per username and per address, lifted in the admin; audit log."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from backend.accounts.models import SignInEvent, SignInLockout
from tests.incidents.factories import make_user

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(
        reverse("staff-login"), {"username": username, "password": password}, **extra
    )


def test_wrong_passwords_lock_the_username_until_an_admin_lifts_it(
    client: Client, people: dict[str, Any]
) -> None:
    name = people["handler"].username
    assert [sign_in(client, name, "wrong").status_code for _ in range(4)] == [200] * 4
    fifth = sign_in(client, name, "wrong")
    assert fifth.status_code == 429 and int(fifth["Retry-After"]) > 800
    right = sign_in(client, name, "pw")  # the right password does not help while locked
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    assert "thử lại sau 15 phút" in right.content.decode()
    outcomes = list(SignInEvent.objects.filter(username=name).values_list("outcome", flat=True))
    assert sorted(outcomes) == ["failure"] * 5 + ["locked"]

    admin = Client()
    admin.force_login(make_user("root", is_staff=True, is_superuser=True))
    lockout = SignInLockout.objects.get(kind="username", value=name)
    assert admin.get("/admin/accounts/signinlockout/?active=1").status_code == 200
    admin.post(
        "/admin/accounts/signinlockout/",
        {"action": "lift", "_selected_action": [lockout.pk]},
    )
    lockout.refresh_from_db()
    assert lockout.lifted_by is not None
    assert sign_in(client, name, "pw").status_code == 302  # counting starts afresh
    assert SignInEvent.objects.filter(username=name, outcome="success").count() == 1
    assert admin.get("/admin/accounts/signinevent/").status_code == 200


def test_many_usernames_from_one_address_lock_the_address(client: Client, settings: Any) -> None:
    settings.STAFF_SIGN_IN_MAX_FAILURES_PER_ADDRESS = 3
    make_user("real.person")
    codes = [sign_in(client, f"guess{i}", "x").status_code for i in range(3)]
    assert codes == [200, 200, 429]
    assert sign_in(client, "real.person", "pw").status_code == 429
    other_address = Client(REMOTE_ADDR="192.0.2.44")
    assert sign_in(other_address, "real.person", "pw").status_code == 302


def test_lockout_message_in_english(client: Client) -> None:
    SignInLockout.objects.create(
        kind="username", value="someone", until="2999-01-01T00:00:00+07:00"
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = sign_in(client, "Someone", "pw").content.decode()
    assert "Too many failed sign-ins" in page


def test_admin_sign_in_goes_through_the_same_door(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert (
        response.status_code == 302
        and response["Location"] == reverse("staff-login") + "?next=/admin/"
    )
