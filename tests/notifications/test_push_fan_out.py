"""A large fan-out is split into batch jobs that any worker takes from the queue."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from backend.accounts.models import User
from backend.accounts.sms import SmsMessage
from backend.incidents.models import Incident
from backend.notifications.deliveries import PUSH_BATCH_TASK, RetryLater
from backend.notifications.models import Channel, Delivery, DeliveryStatus, Device, Follow
from backend.notifications.tasks import push_status_change_batch
from tests.incidents.factories import make_incident, make_user

from .fake_fcm import FakeFCM, Reply
from .helpers import sms_outbox
from .push_jobs import jobs, receive, run_batch_jobs, run_job

pytestmark = pytest.mark.django_db
__all__ = ["sms_outbox"]


def followers_with_devices(incident: Incident, count: int) -> list[User]:
    users = [make_user() for _ in range(count)]
    Follow.objects.bulk_create([Follow(incident=incident, user=u) for u in users])
    Device.objects.bulk_create(
        [Device(user=u, token=f"fol-{i}", platform="android") for i, u in enumerate(users)]
    )
    return users


def sent_tokens(fcm: FakeFCM) -> Counter[str]:
    return Counter(b["message"]["token"] for b in fcm.bodies)


def test_a_large_fan_out_is_split_into_batch_jobs_each_delivery_sent_once(
    fcm: FakeFCM, settings: Any, reporter: User, incident: Incident
) -> None:
    settings.FCM_JOB_DELIVERIES = 5
    settings.FCM_BATCH_SIZE = 2
    Device.objects.create(user=reporter, token="rep", platform="ios")
    followers_with_devices(incident, 17)
    args = receive(incident)

    assert run_job(args) is None

    assert sent_tokens(fcm) == {"rep": 1}  # the reporter first, by the status change's job
    batches = jobs(PUSH_BATCH_TASK)
    assert [b["last_id"] - b["first_id"] + 1 for b in batches] == [5, 5, 5, 2]
    assert {(b["incident_id"], b["event_id"]) for b in batches} == {
        (args["incident_id"], args["event_id"])
    }
    pending = Delivery.objects.filter(status=DeliveryStatus.PENDING).values_list("pk", flat=True)
    covered = {pk for b in batches for pk in range(b["first_id"], b["last_id"] + 1)}
    assert set(pending) == covered  # all queued at once: any idle worker can take one

    assert run_batch_jobs() == 4
    assert set(sent_tokens(fcm).values()) == {1} and len(sent_tokens(fcm)) == 18
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}

    run_batch_jobs()  # a job run twice (a retry, a recovered worker): nothing sent again
    assert run_job(args) is None  # the status change's job re-run: nothing left to split
    assert len(jobs(PUSH_BATCH_TASK)) == 4 and fcm.count == 18


def test_a_fan_out_within_one_job_is_not_split(
    fcm: FakeFCM, settings: Any, incident: Incident
) -> None:
    settings.FCM_JOB_DELIVERIES = 5
    followers_with_devices(incident, 5)  # and the reporter, without a device
    assert run_job(receive(incident)) is None
    assert jobs(PUSH_BATCH_TASK) == [] and fcm.count == 5


def test_a_batch_job_retries_its_own_share_only(
    fcm: FakeFCM, settings: Any, incident: Incident
) -> None:
    settings.FCM_JOB_DELIVERIES = 3
    followers_with_devices(incident, 6)
    fcm.script("fol-4", Reply(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"))
    run_job(receive(incident))
    first, second = jobs(PUSH_BATCH_TASK)

    push_status_change_batch(**first)
    with pytest.raises(RetryLater, match="1 deliveries pending"):
        push_status_change_batch(**second)
    push_status_change_batch(**second)
    assert sent_tokens(fcm) == {f"fol-{i}": 1 for i in range(6)}
    assert fcm.answers[429] == 1


def test_the_reporter_is_pushed_before_the_sms_fallback_decides(
    fcm: FakeFCM, settings: Any, sms_outbox: list[SmsMessage]
) -> None:
    settings.FCM_JOB_DELIVERIES = 2
    reporter = make_user(phone="+84901112233")
    incident = make_incident(reporter=reporter)
    Device.objects.create(user=reporter, token="gone", platform="android")
    fcm.script("gone", Reply.unregistered())
    followers_with_devices(incident, 5)

    assert run_job(receive(incident)) is None

    assert not Device.objects.get(token="gone").is_active  # found dead by the push …
    assert [m.to for m in sms_outbox] == ["+84901112233"]  # … so the SMS went in the same job
    assert Delivery.objects.get(recipient=reporter, channel=Channel.SMS).status == "sent"
    assert len(jobs(PUSH_BATCH_TASK)) == 3


def test_push_disabled_after_the_split_skips_the_batch(
    fcm: FakeFCM, settings: Any, incident: Incident
) -> None:
    settings.FCM_JOB_DELIVERIES = 2
    followers_with_devices(incident, 3)
    run_job(receive(incident))
    settings.FCM_ENABLED = False
    run_batch_jobs()
    assert fcm.count == 0
    assert Delivery.objects.filter(status=DeliveryStatus.SKIPPED).count() == 3
