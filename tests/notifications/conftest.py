"""A fake FCM server per test, and settings that point the real firebase-admin SDK at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from backend.notifications import push

from .fake_fcm import FakeFCM


@pytest.fixture
def fcm(settings: Any) -> Iterator[FakeFCM]:
    with FakeFCM(project="hotline1022-test") as fake:
        settings.FCM_ENABLED = True
        settings.FCM_CREDENTIALS_FILE = ""
        settings.FCM_PROJECT_ID = fake.project
        settings.FCM_ENDPOINT = fake.endpoint
        settings.FCM_TIMEOUT_SECONDS = 10  # generous: the machine may be busy
        settings.FCM_MAX_ATTEMPTS = 3
        settings.FCM_BATCH_SIZE = 500
        yield fake
        push.reset()
    assert not fake.problems, fake.problems
