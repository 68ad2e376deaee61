"""The staff map page and its sign-in page (HTML shells; the browser tests drive them for real)."""

import json
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("staff-map"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff-login"))
    assert client.get(reverse("staff-login")).status_code == 200


@pytest.mark.django_db
def test_map_page_for_staff_only(client: Client, people: dict[str, Any]) -> None:
    client.force_login(people["resident"])
    assert client.get(reverse("staff-map")).status_code == 403
    client.force_login(people["operator"])
    response = client.get(reverse("staff-map"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    config = json.loads(
        html.split('id="map-config" type="application/json">')[1].split("</script>")[0]
    )
    assert config["lang"] == "vi"  # Vietnamese unless the user switched
    assert config["me"]["sees_contact"] is True and config["area_codes"] == ["26740"]
    assert config["basemap"]["url"] == settings.MAP_BASEMAP_URL
    assert 'src="/static/staff/map.js"' in html
    assert 'src="http' not in html and 'href="http' not in html  # nothing from a CDN


@pytest.mark.django_db
def test_english_after_switching(client: Client, people: dict[str, Any]) -> None:
    client.force_login(people["handler"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("staff-map")).content.decode()
    assert '<html lang="en">' in html and "Sign out" in html


def test_map_library_comes_from_node_modules() -> None:
    assert finders.find("vendor/maplibre-gl/maplibre-gl.mjs")
    assert finders.find("vendor/maplibre-gl/maplibre-gl-worker.mjs")
