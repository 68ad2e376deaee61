"""Test session: a throwaway PostGIS cluster (backend.settings.test) seeded once with HCMC wards."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        call_command("seed", stdout=open("/dev/null", "w"))  # noqa: SIM115
    yield


@pytest.fixture
def api() -> APIClient:
    return APIClient()
