"""Push jobs as the status change defers them: run from their procrastinate_jobs rows."""

from __future__ import annotations

from typing import Any

from procrastinate.contrib.django.models import ProcrastinateJob

from backend.accounts.models import User
from backend.incidents.models import Incident, Status
from backend.incidents.services.workflow import incident_transition
from backend.notifications.deliveries import PUSH_BATCH_TASK, RetryLater
from backend.notifications.models import Channel, Delivery, Device
from backend.notifications.services import device_register
from backend.notifications.tasks import notify_incident_status_changed, push_status_change_batch
from backend.units.models import Role
from tests.incidents.factories import SAIGON, make_staff, ward_unit

TASK = "notify_incident_status_changed"


def device(user: User, token: str, language: str = "vi", platform: str = "android") -> Device:
    return device_register(user=user, token=token, platform=platform, language=language)


def jobs(task: str = TASK) -> list[dict[str, Any]]:
    return [j.args for j in ProcrastinateJob.objects.filter(task_name=task).order_by("id")]


def run_job(args: dict[str, Any]) -> RetryLater | None:
    """One attempt of the status change's job; the RetryLater it raises (if any) is returned."""
    try:
        notify_incident_status_changed(**args)
    except RetryLater as exc:
        return exc
    return None


def run_batch_jobs(done: int = 0) -> int:
    """Run the fan-out batch jobs deferred after the first `done`; how many exist now."""
    batches = jobs(PUSH_BATCH_TASK)
    for args in batches[done:]:
        push_status_change_batch(**args)
    return len(batches)


def receive(incident: Incident) -> dict[str, Any]:
    """Move `incident` new → received as an operator; returns the job it deferred."""
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    before = len(jobs())
    incident_transition(actor=operator, incident=incident, to_status=Status.RECEIVED)
    (args,) = jobs()[before:]
    return args


def delivery(user: User) -> Delivery:
    return Delivery.objects.get(recipient=user, channel=Channel.PUSH)
