"""The staff workspace moved under /staff/: the old addresses redirect there for good."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_workspace_lives_under_staff() -> None:
    assert reverse("staff-map") == "/staff/"
    assert reverse("staff-login") == "/staff/login/"
    assert reverse("staff-sign-in-code") == "/staff/login/code/"
    assert reverse("staff-two-factor-setup") == "/staff/login/two-factor/"
    assert reverse("staff-logout") == "/staff/logout/"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/login/", "staff-login"),
        ("/login/code/", "staff-sign-in-code"),
        ("/login/two-factor/", "staff-two-factor-setup"),
        ("/logout/", "staff-logout"),
    ],
)
def test_old_sign_in_addresses_redirect_permanently(client: Client, old: str, new: str) -> None:
    response = client.get(f"{old}?next=/staff/")
    assert response.status_code == 301
    assert response["Location"] == f"{reverse(new)}?next=/staff/"


def test_a_form_posted_to_an_old_address_keeps_its_method(
    client: Client, people: dict[str, Any]
) -> None:
    client.force_login(people["operator"])
    moved = client.post("/logout/")
    assert (moved.status_code, moved["Location"]) == (308, reverse("staff-logout"))
    assert "_auth_user_id" in client.session  # a redirect signs nobody out by itself
    client.post(moved["Location"])
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "query", ["incident=42", "status=open&category=3", "overdue=true", "q=r%C3%A1c"]
)
def test_old_staff_map_links_land_on_the_staff_map(client: Client, query: str) -> None:
    response = client.get(f"/?{query}")
    assert response.status_code == 301
    assert response["Location"] == f"{reverse('staff-map')}?{query}"


def test_the_front_door_is_for_residents(client: Client, people: dict[str, Any]) -> None:
    home = client.get("/")
    assert home.status_code == 200 and home.templates[0].name == "portal/home.html"
    # a link with only a fragment (/#map=…) is sent on by the page's first script
    assert f'location.replace("{reverse("staff-map")}" + location.hash)' in home.content.decode()
    client.force_login(people["operator"])
    assert client.get("/").status_code == 200  # staff see the residents' home too


def test_admin_sign_in_still_goes_through_the_staff_door(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"] == f"{reverse('staff-login')}?next=/admin/"
