"""Push on status change: the real firebase-admin SDK against the fake FCM server.

The job is run by calling the task function with the arguments of the job the service
deferred (a procrastinate_jobs row), so the wiring from workflow to push is exercised too.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from procrastinate.jobs import Job

from backend.accounts.models import User
from backend.incidents.models import Incident, Status
from backend.incidents.services.reporter import incident_cancel
from backend.incidents.services.workflow import incident_transition
from backend.notifications import push
from backend.notifications.deliveries import RetryLater
from backend.notifications.models import (
    Delivery,
    DeliveryStatus,
    Device,
    Follow,
)
from backend.notifications.services import report_follow, report_unfollow
from backend.notifications.tasks import PushRetry, notify_incident_status_changed
from backend.units.models import Role
from tests.incidents.factories import SAIGON, make_incident, make_staff, make_user, ward_unit

from .fake_fcm import FakeFCM, Reply
from .push_jobs import TASK, delivery, device, jobs, receive, run_job

pytestmark = pytest.mark.django_db


def test_status_change_reaches_reporter_and_followers_in_their_language(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "rep-vi", "vi", "android")
    device(reporter, "rep-en", "en", "ios")
    follower, stranger = make_user(), make_user()
    device(follower, "fol-en", "en")
    device(stranger, "stranger")
    Follow.objects.create(incident=incident, user=follower)

    assert run_job(receive(incident)) is None

    assert sorted(b["message"]["token"] for b in fcm.bodies) == ["fol-en", "rep-en", "rep-vi"]
    (vi,) = fcm.bodies_for("rep-vi")
    message = vi["message"]
    assert message["notification"] == {
        "title": f"Phản ánh {incident.reference}",
        "body": "Phản ánh của bạn đã chuyển sang trạng thái «Đã tiếp nhận».",
    }
    event = incident.events.get(to_status=Status.RECEIVED)
    assert message["data"] == {
        "type": "report_status",
        "report_id": str(incident.pk),
        "reference": incident.reference,
        "status": "received",
        "event_id": str(event.pk),
        "link": f"hotline1022://reports/{incident.pk}",
    }
    assert message["android"]["priority"] == "high"
    assert message["android"]["notification"]["channel_id"] == "report_status"
    assert message["apns"]["payload"]["aps"]["sound"] == "default"
    en = fcm.bodies_for("rep-en")[0]["message"]["notification"]
    assert en["body"] == "Your report is now “Received”."
    fol = fcm.bodies_for("fol-en")[0]["message"]["notification"]
    assert fol["body"] == "A report you follow is now “Received”."

    row = delivery(reporter)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 1, "")
    assert row.event == event and row.sent_at is not None
    assert len(row.sent_devices) == 2
    assert all(
        m.startswith("projects/hotline1022-test/messages/") for m in row.provider_message_id.split()
    )
    assert delivery(follower).status == DeliveryStatus.SENT
    assert not Delivery.objects.filter(recipient=stranger).exists()


def test_re_running_the_job_sends_nothing_twice(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "t1")
    args = receive(incident)
    run_job(args)
    run_job(args)
    notify_incident_status_changed(**args)
    assert fcm.count == 1
    assert Delivery.objects.count() == 1 and delivery(reporter).attempts == 1


def test_dead_tokens_are_deactivated_and_not_used_again(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "gone")
    device(reporter, "other-project")
    device(reporter, "alive")
    fcm.script("gone", Reply.unregistered())
    fcm.script("other-project", Reply.sender_mismatch())

    assert run_job(receive(incident)) is None

    active = dict(Device.objects.values_list("token", "is_active"))
    assert active == {"gone": False, "other-project": False, "alive": True}
    gone = Device.objects.get(token="gone")
    assert gone.deactivated_at is not None and gone.deactivation_reason == "UnregisteredError"
    mismatch = Device.objects.get(token="other-project")
    assert mismatch.deactivation_reason == "SenderIdMismatchError"
    assert delivery(reporter).status == DeliveryStatus.SENT
    requests_before = fcm.count
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    incident_transition(
        actor=operator, incident=incident, to_status=Status.REJECTED, note="Không thuộc thẩm quyền"
    )
    run_job(jobs()[-1])
    assert fcm.count == requests_before + 1
    assert fcm.bodies[-1]["message"]["token"] == "alive"


def test_re_registering_a_dead_token_reactivates_it(reporter: User) -> None:
    dead = device(reporter, "again")
    Device.objects.filter(pk=dead.pk).update(is_active=False, deactivated_at=timezone.now())
    assert device(reporter, "again").is_active
    assert Device.objects.get(pk=dead.pk).deactivated_at is None


def test_recipient_whose_devices_are_all_dead_has_no_device(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "gone")
    fcm.script("gone", Reply.unregistered())
    run_job(receive(incident))
    assert delivery(reporter).status == DeliveryStatus.NO_DEVICE


def test_reporter_without_devices_is_recorded_without_a_request(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    assert run_job(receive(incident)) is None
    assert fcm.count == 0
    row = delivery(reporter)
    assert (row.status, row.attempts) == (DeliveryStatus.NO_DEVICE, 0)


def test_429_with_retry_after_is_waited_out_by_the_sdk(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "busy")
    fcm.script("busy", Reply.quota(retry_after=1))
    started = time.monotonic()
    assert run_job(receive(incident)) is None
    assert time.monotonic() - started >= 1.0  # urllib3 under send_each slept Retry-After
    assert fcm.answers[429] == 1 and len(fcm.bodies_for("busy")) == 1
    assert delivery(reporter).status == DeliveryStatus.SENT


def test_429_still_there_after_the_sdk_retries_is_retried_by_the_job_after_retry_after(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "busy")
    device(reporter, "fine")
    fcm.script("busy", *[Reply.quota(retry_after=1)] * 5)  # the first try + the SDK's 4
    args = receive(incident)

    retry = run_job(args)

    assert retry is not None and retry.retry_after == 1 and retry.pending == 1
    assert fcm.answers[429] == 5
    row = delivery(reporter)
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert "QuotaExceededError" in row.last_error
    assert row.sent_devices == [Device.objects.get(token="fine").pk]
    job = Job(
        id=1,
        queue="notifications",
        lock=None,
        queueing_lock=None,
        task_name=TASK,
        task_kwargs=args,
        attempts=0,
    )
    decision = PushRetry().get_retry_decision(exception=retry, job=job)
    assert decision is not None and decision.retry_at is not None  # never before Retry-After
    assert decision.retry_at >= timezone.now() + dt.timedelta(seconds=1)

    assert run_job(args) is None
    assert [len(fcm.bodies_for(t)) for t in ("busy", "fine")] == [1, 1]
    row.refresh_from_db()
    assert (row.status, row.attempts, len(row.sent_devices)) == (DeliveryStatus.SENT, 2, 2)


def test_503_is_retried_by_the_sdk_then_the_delivery_fails_when_its_attempts_are_used(
    fcm: FakeFCM, settings: Any, reporter: User, incident: Incident
) -> None:
    settings.FCM_MAX_ATTEMPTS = 1
    device(reporter, "down")
    fcm.default = Reply.unavailable(retry_after=1)  # else the SDK backs off 1 + 2 + 4 s
    args = receive(incident)
    assert run_job(args) is None
    assert run_job(args) is None
    assert fcm.count == 5  # the first request and the SDK's 4 retries, in the first run only
    row = delivery(reporter)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    assert "UnavailableError" in row.last_error


def test_a_single_503_is_hidden_by_the_sdk_retry(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "flaky")
    fcm.script("flaky", Reply.unavailable())
    assert run_job(receive(incident)) is None  # the SDK's first retry does not wait
    assert (fcm.answers[503], fcm.answers[200]) == (1, 1)
    assert delivery(reporter).status == DeliveryStatus.SENT


def test_slow_answers_time_out_and_are_retried_a_bounded_number_of_times(
    fcm: FakeFCM, settings: Any, reporter: User, incident: Incident
) -> None:
    settings.FCM_MAX_ATTEMPTS = 2
    settings.FCM_TIMEOUT_SECONDS = 0.3
    device(reporter, "slow")
    fcm.script("slow", *[Reply.slow(1.5)] * 4)  # each run: a request and the SDK's one resend
    args = receive(incident)
    started = time.monotonic()
    retry = run_job(args)
    assert time.monotonic() - started < 1.4  # gave up at the timeouts, not the server's pace
    assert retry is not None and retry.retry_after is None
    row = delivery(reporter)
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert "Timeout" in row.last_error or "timed out" in row.last_error, row.last_error
    assert run_job(args) is None
    assert (delivery(reporter).status, fcm.count) == (DeliveryStatus.FAILED, 4)


def test_a_slow_answer_then_a_good_one(
    fcm: FakeFCM, settings: Any, reporter: User, incident: Incident
) -> None:
    settings.FCM_TIMEOUT_SECONDS = 0.3
    device(reporter, "slow")
    fcm.script("slow", Reply.slow(1.5))
    assert run_job(receive(incident)) is None  # the SDK resent it once, on a new connection
    # the first may have arrived too: both carry one collapse identity (test_collapse.py)
    assert delivery(reporter).status == DeliveryStatus.SENT


def test_refused_payload_fails_at_once_and_is_not_retried(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    device(reporter, "bad")
    fcm.script("bad", Reply.invalid())
    args = receive(incident)
    assert run_job(args) is None
    assert run_job(args) is None
    row = delivery(reporter)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    assert "InvalidArgumentError" in row.last_error
    assert fcm.count == 1


def test_payload_refused_by_the_sdk_costs_its_own_message_only(fcm: FakeFCM) -> None:
    def good(token: str) -> push.PushMessage:
        data = {"report_id": "1", "status": "new"}
        return push.PushMessage(token=token, title="t", body="b", data=data, collapse_key="k")

    bad = push.PushMessage(token="x", title="t", body="b", data={"n": 1})  # type: ignore[dict-item]
    results = push.send_batch([good("a"), bad, good("b"), good("c"), good("d")])
    assert [r.outcome for r in results] == [push.Outcome.SENT, push.Outcome.FAILED] + [
        push.Outcome.SENT
    ] * 3
    assert "ValueError" in results[1].error
    assert fcm.count == 4


def test_big_fan_out_is_sent_in_batches(
    fcm: FakeFCM, settings: Any, reporter: User, incident: Incident
) -> None:
    settings.FCM_BATCH_SIZE = 7
    followers = [make_user() for _ in range(20)]
    Follow.objects.bulk_create([Follow(incident=incident, user=u) for u in followers])
    for i, user in enumerate([reporter, *followers]):
        device(user, f"tok-{i}")
    assert run_job(receive(incident)) is None
    assert fcm.count == 21
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 21


def test_push_disabled_records_skipped_deliveries(
    settings: Any, reporter: User, incident: Incident
) -> None:
    settings.FCM_ENABLED = False
    device(reporter, "t")
    assert run_job(receive(incident)) is None
    assert delivery(reporter).status == DeliveryStatus.SKIPPED


def test_rolled_back_status_change_leaves_no_job(incident: Incident) -> None:
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    filed = jobs()  # the job of the filing
    with pytest.raises(RuntimeError), transaction.atomic():
        incident_transition(actor=operator, incident=incident, to_status=Status.RECEIVED)
        assert len(jobs()) == len(filed) + 1
        raise RuntimeError("boom")
    assert jobs() == filed
    assert Incident.objects.get(pk=incident.pk).status == Status.NEW


def test_every_status_change_defers_one_job(reporter: User) -> None:
    incident = make_incident(reporter=reporter)
    incident_cancel(incident_id=incident.pk, reporter=reporter)
    incident = make_incident(reporter=reporter)
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    incident_transition(actor=operator, incident=incident, to_status=Status.RECEIVED)
    incident_transition(actor=operator, incident=incident, to_status=Status.REJECTED, note="x")
    assert len(jobs()) == 5  # two filings, a cancel, two staff moves


def test_retry_strategy_backs_off_exponentially_and_is_bounded(settings: Any) -> None:
    settings.FCM_RETRY_BASE_SECONDS = 10
    settings.FCM_RETRY_MAX_SECONDS = 100
    settings.FCM_MAX_ATTEMPTS = 3
    strategy = PushRetry()

    def wait(attempts: int, retry_after: float | None = None, exc: BaseException | None = None):
        job = Job(
            id=1,
            queue="q",
            lock=None,
            queueing_lock=None,
            task_name=TASK,
            task_kwargs={},
            attempts=attempts,
        )
        exception = exc or RetryLater(pending=1, retry_after=retry_after)
        decision = strategy.get_retry_decision(exception=exception, job=job)
        if decision is None or decision.retry_at is None:
            return None
        return round((decision.retry_at - timezone.now()).total_seconds())

    assert [wait(a) for a in range(4)] == [10, 20, 40, 80]
    assert wait(4) == 100  # capped
    assert wait(0, retry_after=300) == 300  # Retry-After wins over backoff
    assert wait(5) is None  # bounded
    assert wait(0, exc=ValueError("bug")) is None


def test_followers_via_service_get_pushes_until_they_unfollow(
    fcm: FakeFCM, reporter: User, incident: Incident
) -> None:
    follower = make_user()
    device(follower, "fol")
    assert report_follow(user=follower, incident=incident) == report_follow(
        user=follower, incident=incident
    )
    run_job(receive(incident))
    assert len(fcm.bodies_for("fol")) == 1
    assert report_unfollow(user=follower, incident=incident)
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    incident_transition(actor=operator, incident=incident, to_status=Status.REJECTED, note="x")
    run_job(jobs()[-1])
    assert len(fcm.bodies_for("fol")) == 1
