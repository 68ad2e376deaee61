"""Residents with bearer tokens (throttle cache and media directory: tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import token_issue
from backend.units.models import Category


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
