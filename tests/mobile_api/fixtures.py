"""Residents with bearer tokens, a clean throttle cache and a private media directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import token_issue
from backend.incidents.models import Category


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def make_resident(phone: str = "+84901234567") -> User:
    return User.objects.create_user(username=phone, phone=phone, password=None)


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user).access}")
    return client


@pytest.fixture
def resident(db: Any) -> User:
    return make_resident()


@pytest.fixture
def app(resident: User) -> APIClient:
    return client_for(resident)


@pytest.fixture
def category(db: Any) -> Category:
    return Category.objects.get(code="road-damage")


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
