"""Test session: a throwaway PostGIS cluster (backend.settings.test) seeded once with HCMC wards."""

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from rest_framework.test import APIClient


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        call_command("seed", stdout=io.StringIO())
    yield


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in Vietnamese: a request with Accept-Language leaves its language
    active in the thread, which would otherwise leak into the next test."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def api() -> APIClient:
    return APIClient()
