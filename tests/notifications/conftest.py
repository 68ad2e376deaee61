"""A fake FCM server per test, and the settings and environment (HTTPS proxy, CA) that route
the real firebase-admin SDK to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from backend.accounts.models import User
from backend.incidents.models import Incident
from backend.notifications import push
from tests.incidents.factories import make_incident, make_user

from .fake_fcm import FakeFCM


@pytest.fixture
def fcm(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeFCM]:
    with FakeFCM(project="hotline1022-test") as fake:
        for name, value in fake.environ().items():  # the SDK's requests go to the fake
            monkeypatch.setenv(name, value)
        settings.FCM_ENABLED = True
        settings.FCM_CREDENTIALS_FILE = ""
        settings.FCM_PROJECT_ID = fake.project
        settings.FCM_TIMEOUT_SECONDS = 10  # generous: the machine may be busy
        settings.FCM_MAX_ATTEMPTS = 3
        settings.FCM_BATCH_SIZE = 100
        settings.FCM_JOB_DELIVERIES = 500
        yield fake
        push.reset()
    assert not fake.problems, fake.problems


@pytest.fixture
def reporter() -> User:
    return make_user()


@pytest.fixture
def incident(reporter: User) -> Incident:
    return make_incident(reporter=reporter)
