"""API keys in the admin: issued with the key shown once, revoked and rotated by actions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from backend.accounts.api_keys import api_client_create, api_client_for_key
from backend.accounts.models import ApiClient, User

pytestmark = pytest.mark.django_db
URL = "/admin/accounts/apiclient/"


@pytest.fixture
def admin_client(db: Any) -> Client:
    admin = User.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(admin)
    return client


def test_issue_in_the_admin_shows_the_key_once(admin_client: Client) -> None:
    response = admin_client.post(
        URL + "add/", {"name": "Bản đồ cộng đồng", "contact_email": "", "rate_limit": "20/minute"}
    )
    assert response.status_code == 302
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    found = re.search(r"(o311_\S+)", text)
    assert found is not None
    key = found.group(1)
    client = api_client_for_key(key)
    assert client is not None and client.name == "Bản đồ cộng đồng"
    assert client.rate_limit == "20/minute" and key not in client.key_hash
    page = f"{URL}{client.pk}/change/"
    assert key in admin_client.get(page).content.decode()  # the page after saving shows it
    assert key not in admin_client.get(page).content.decode()  # and never again


def test_revoke_and_rotate_actions(admin_client: Client) -> None:
    issued = api_client_create(name="A")
    admin_client.post(URL, {"action": "revoke", "_selected_action": [issued.client.pk]})
    assert api_client_for_key(issued.key) is None
    admin_client.post(URL, {"action": "rotate", "_selected_action": [issued.client.pk]})
    assert api_client_for_key(issued.key) is None
    assert ApiClient.objects.get(pk=issued.client.pk).revoked_at is None


def test_rate_limit_format_is_checked(admin_client: Client) -> None:
    response = admin_client.post(URL + "add/", {"name": "B", "rate_limit": "lots"})
    assert response.status_code == 200 and not ApiClient.objects.filter(name="B").exists()
