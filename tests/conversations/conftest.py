"""Fake platforms per test, the settings that point the real clients at them, and a runner for
the jobs the webhooks and the dialogue defer (run from their procrastinate_jobs rows)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob
from rest_framework.test import APIClient

from backend.accounts import sms
from backend.conversations.outbound import SEND_TASK
from backend.conversations.services import HANDLE_TASK
from backend.conversations.tasks import conversation_handle_event, conversation_send
from backend.notifications.deliveries import RetryLater
from backend.notifications.models import ZaloToken
from backend.notifications.tasks import notify_incident_status_changed

from .fakes import APP_ID, APP_SECRET, OA_SECRET, PAGE_TOKEN, FakeMessenger, FakeZalo

NOTIFY_TASK = "notify_incident_status_changed"
TASKS: dict[str, Callable[..., None]] = {
    HANDLE_TASK: conversation_handle_event,
    SEND_TASK: conversation_send,
    NOTIFY_TASK: notify_incident_status_changed,
}


class Jobs:
    """Runs the deferred jobs in order, each once (a RetryLater is remembered, not raised)."""

    def __init__(self) -> None:
        self.done: set[int] = set()
        self.retries: list[tuple[str, dict[str, Any]]] = []

    def run(self) -> int:
        ran = 0
        while True:
            job = (
                ProcrastinateJob.objects.filter(task_name__in=list(TASKS))
                .exclude(id__in=self.done)
                .order_by("id")
                .first()
            )
            if job is None:
                return ran
            self.done.add(job.id)
            try:
                TASKS[job.task_name](**job.args)
            except RetryLater:
                self.retries.append((job.task_name, job.args))
            ran += 1

    def run_retries(self) -> None:
        retries, self.retries = self.retries, []
        for name, args in retries:
            try:
                TASKS[name](**args)
            except RetryLater:
                self.retries.append((name, args))
        self.run()


@pytest.fixture
def jobs() -> Jobs:
    return Jobs()


@pytest.fixture
def sms_outbox(settings: Any) -> Iterator[list[sms.SmsMessage]]:
    settings.SMS_GATEWAY = "backend.accounts.sms.MemoryGateway"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def zalo(settings: Any, sms_outbox: list[sms.SmsMessage]) -> Iterator[FakeZalo]:
    with FakeZalo() as fake:
        settings.ZALO_APP_ID = APP_ID
        settings.ZALO_APP_SECRET_KEY = APP_SECRET
        settings.ZALO_OA_SECRET_KEY = OA_SECRET
        settings.ZALO_API_URL = fake.url
        settings.ZALO_OAUTH_URL = fake.url
        settings.CHAT_PHOTO_TIMEOUT_SECONDS = 1
        ZaloToken.objects.create(
            access_token=fake.access_token,
            refresh_token=fake.refresh_token,
            expires_at=timezone.now() + dt.timedelta(hours=20),
        )
        yield fake
    assert not fake.problems, fake.problems


@pytest.fixture
def messenger(settings: Any, sms_outbox: list[sms.SmsMessage]) -> Iterator[FakeMessenger]:
    with FakeMessenger() as fake:
        settings.MESSENGER_APP_SECRET = "messenger-app-secret"
        settings.MESSENGER_VERIFY_TOKEN = "verify-me"
        settings.MESSENGER_PAGE_ACCESS_TOKEN = PAGE_TOKEN
        settings.MESSENGER_GRAPH_URL = fake.url + "/v21.0"
        settings.CHAT_PHOTO_TIMEOUT_SECONDS = 1
        yield fake


@pytest.fixture
def client() -> APIClient:
    return APIClient()
