"""Open311 clients: an issued key, a clean throttle cache, a private media directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.core.cache import cache
from django.utils import translation

from backend.accounts.api_keys import IssuedKey, api_client_create

BASE = "/open311/v2/"


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _language_restored() -> Iterator[None]:
    """A request with Accept-Language: en activates English for the thread; undo it."""
    with translation.override("vi"):
        yield


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def issued(db: Any) -> IssuedKey:
    return api_client_create(name="Ứng dụng thử", contact_email="dev@example.com")


def xml_of(response: Any) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    return ET.fromstring(response.content)


def children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]
