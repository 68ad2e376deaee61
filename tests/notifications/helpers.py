"""SMS outbox, send jobs run from procrastinate_jobs rows, units with leader contacts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.accounts import sms
from backend.notifications.tasks import send_notices
from backend.units.models import Unit

SEND = "send_notices"


@pytest.fixture
def sms_outbox(settings: Any) -> Iterator[list[sms.SmsMessage]]:
    settings.SMS_GATEWAY = "backend.accounts.sms.MemoryGateway"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def send_jobs() -> list[dict[str, Any]]:
    return [j.args for j in ProcrastinateJob.objects.filter(task_name=SEND).order_by("id")]


def run_send_jobs(done: int = 0) -> int:
    """Run the send jobs deferred after the first `done` ones; returns how many exist now."""
    jobs = send_jobs()
    for args in jobs[done:]:
        send_notices(**args)
    return len(jobs)


def with_leader(unit: Unit, phone: str, email: str) -> Unit:
    unit.leader_phone, unit.leader_email = phone, email
    unit.save(update_fields=["leader_phone", "leader_email"])
    return unit


class BrokenGateway:
    def send(self, *, to: str, text: str) -> None:
        raise sms.SmsError("gateway down (503)")
