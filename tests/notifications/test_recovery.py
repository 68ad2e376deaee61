"""Recovery sweeps: database faults retried, orphaned pending rows re-queued, a digest missed by
a late worker sent once (a frozen clock: the sweep's `now`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.jobs import Job

from backend.incidents.models import Status
from backend.incidents.services.workflow import incident_transition
from backend.notifications.deliveries import PUSH_BATCH_TASK
from backend.notifications.digest_notices import digest_send
from backend.notifications.models import Channel, Delivery, DeliveryStatus, Notice, NoticeKind
from backend.notifications.notices import NoticeDraft, notices_create
from backend.notifications.recovery import (
    deliveries_requeue_orphans,
    digest_catch_up,
    notices_requeue_orphans,
    orphaned_rows,
)
from backend.notifications.tasks import NoticeRetry, PushRetry
from backend.units.models import Role
from tests.incidents.factories import SAIGON, make_incident, make_staff, make_user, ward_unit

from .helpers import with_leader

pytestmark = pytest.mark.django_db
NOTIFY = "notify_incident_status_changed"
NOW = dt.datetime(2026, 11, 20, 8, 11, tzinfo=dt.UTC)  # Friday 15:11 in HCMC, 11 min after the tick


def job(attempts: int = 0) -> Job:
    return Job(id=1, queue="notifications", lock=None, queueing_lock=None, task_name=NOTIFY,
               attempts=attempts)  # fmt: skip


@pytest.mark.parametrize("strategy", [PushRetry(), NoticeRetry()])
def test_a_job_failing_on_a_database_fault_is_retried(strategy: Any) -> None:
    for fault in (OperationalError("server closed the connection"), InterfaceError("closed")):
        decision = strategy.get_retry_decision(exception=fault, job=job())
        assert decision is not None and decision.retry_at > timezone.now()
    assert strategy.get_retry_decision(exception=ValueError("a bug"), job=job()) is None
    assert strategy.get_retry_decision(exception=OperationalError(), job=job(attempts=99)) is None


def notify_jobs() -> list[dict[str, Any]]:
    return [j.args for j in ProcrastinateJob.objects.filter(task_name=NOTIFY).order_by("id")]


def age(model: Any, ids: list[int], hours: float) -> None:
    then = timezone.now() - dt.timedelta(hours=hours)
    model.objects.filter(pk__in=ids).update(created_at=then, updated_at=then)


def fail_jobs(task_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'failed' WHERE task_name = %s", [task_name]
        )


def test_a_pending_delivery_whose_job_failed_gets_a_new_job() -> None:
    reporter = make_user()
    incident = make_incident(reporter=reporter)
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON))
    incident_transition(actor=operator, incident=incident, to_status=Status.RECEIVED)
    event = incident.events.get(to_status=Status.RECEIVED)
    row = Delivery.objects.create(event=event, recipient=reporter, channel=Channel.PUSH)
    before = notify_jobs()  # the filing's and the transition's
    now = timezone.now()

    assert deliveries_requeue_orphans(now=now) == 0  # young, and its job is still todo
    age(Delivery, [row.pk], hours=1)
    assert deliveries_requeue_orphans(now=now) == 0  # old enough, but its job will send it
    fail_jobs(NOTIFY)  # the job died on a fault...
    batch = {"incident_id": incident.pk, "event_id": event.pk, "first_id": 1, "last_id": row.pk}
    app.configure_task(PUSH_BATCH_TASK).defer(**batch)
    assert deliveries_requeue_orphans(now=now) == 0  # ...but a batch job of its fan-out is live
    fail_jobs(PUSH_BATCH_TASK)  # now the row is an orphan
    assert deliveries_requeue_orphans(now=now) == 1
    assert notify_jobs() == [*before, {"incident_id": incident.pk, "event_id": event.pk}]
    assert deliveries_requeue_orphans(now=now) == 0  # the new job is todo: not twice
    fail_jobs(NOTIFY)  # ...and failed too: the row waits ORPHAN_MIN_AGE_SECONDS again
    assert deliveries_requeue_orphans(now=now) == 0
    age(Delivery, [row.pk], hours=1)
    assert deliveries_requeue_orphans(now=now) == 1

    fail_jobs(NOTIFY)
    age(Delivery, [row.pk], hours=100)  # older than ORPHAN_MAX_AGE_HOURS: news too stale
    assert deliveries_requeue_orphans(now=now) == 0


def test_a_pending_notice_whose_job_failed_gets_a_new_job() -> None:
    unit = ward_unit(SAIGON)
    draft = NoticeDraft(
        kind=NoticeKind.DIGEST, unit_id=unit.pk, period=dt.date(2026, 11, 13),
        channel=Channel.SMS, address="+84900000009", body="digest",
    )  # fmt: skip
    ids = notices_create([draft])
    age(Notice, ids, hours=1)
    assert notices_requeue_orphans(now=timezone.now()) == 1  # created without any job
    sends = ProcrastinateJob.objects.filter(task_name="send_notices")
    assert [j.args for j in sends] == [{"notice_ids": ids}]
    assert notices_requeue_orphans(now=timezone.now()) == 0
    fail_jobs("send_notices")
    assert notices_requeue_orphans(now=timezone.now()) == 0  # touched: not before 10 minutes


def test_a_digest_missed_by_a_late_worker_is_sent_once(settings: Any) -> None:
    settings.DIGEST_SCHEDULE = "FRI 15:00"
    with_leader(ward_unit(SAIGON), "+84900000001", "a@hcm.example")
    digests = Notice.objects.filter(kind=NoticeKind.DIGEST, period=dt.date(2026, 11, 20))

    # 14:59: this week's digest is not due; last week's is older than DIGEST_CATCH_UP_HOURS
    assert digest_catch_up(now=NOW - dt.timedelta(minutes=12)) is None
    assert not digests.exists()
    # the tick's own job is waiting for a worker: leave it to that job
    app.configure_task("weekly_digest").defer(timestamp=int(NOW.timestamp()))
    assert digest_catch_up(now=NOW) is None
    fail_jobs("weekly_digest")  # ...which then failed for good
    # 15:11, the worker is back: procrastinate skips the 15:00 tick, the catch-up does not
    queued = digest_catch_up(now=NOW)
    assert queued is not None and queued >= 2
    assert sorted(digests.filter(unit__code=ward_unit(SAIGON).code).values_list("channel")) == [
        ("email",),
        ("sms",),
    ]
    created = digests.count()
    # later sweeps, and the regular tick if it ran after all: nothing twice
    assert digest_catch_up(now=NOW + dt.timedelta(hours=5)) is None
    assert digest_send(at=NOW) == 0
    assert digests.count() == created
    assert digests.filter(status=DeliveryStatus.PENDING).count() == queued


@pytest.mark.parametrize(("model", "index"), [(Delivery, "delivery_pending_updated"),
                                              (Notice, "notice_pending_updated")])  # fmt: skip
def test_the_sweep_finds_pending_rows_through_a_partial_index(model: Any, index: str) -> None:
    query = orphaned_rows(model, timezone.now()).values_list("pk").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: force the choice
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan
