"""Open311 clients: an issued key (throttle cache and media directory: tests/conftest.py)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

import pytest

from backend.accounts.api_keys import IssuedKey, api_client_create

BASE = "/open311/v2/"


@pytest.fixture
def issued(db: Any) -> IssuedKey:
    return api_client_create(name="Ứng dụng thử", contact_email="dev@example.com")


def xml_of(response: Any) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    return ET.fromstring(response.content)


def children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]
