"""The console page: operators (and the city) only; Vietnamese unless English is chosen."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.incidents.factories import SAIGON, make_staff, ward_unit

from .helpers import operator

pytestmark = pytest.mark.django_db
URL = "/tong-dai/"


def client_of(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_an_operator_gets_the_console_in_vietnamese() -> None:
    response = client_of(operator()).get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    assert "Phiếu cuộc gọi" in response.text


def test_english_when_chosen() -> None:
    client = client_of(operator())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(URL)
    assert '<html lang="en">' in response.text
    assert "Call card" in response.text


@pytest.mark.parametrize("role", ["handler", "leader"])
def test_other_staff_are_refused(role: str) -> None:
    assert client_of(make_staff(role, ward_unit(SAIGON))).get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff-login"))


@pytest.mark.parametrize(
    ("role", "status", "has_map"),
    [("leader", 200, True), ("operator", 200, False), ("handler", 403, False)],
)
def test_the_statistics_page_for_leaders(role: str, status: int, has_map: bool) -> None:
    user = make_staff(role, ward_unit(SAIGON))
    response = client_of(user).get(reverse("contact-stats-page"))
    assert response.status_code == status
    if status == 200:
        assert "Theo ca trực" in response.text
        assert ('id="map"' in response.text) is has_map
