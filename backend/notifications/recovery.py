"""Recovery after faults: nothing waits forever for a job that will never come.

Periodic jobs (every JOBS_RECOVERY_CRON, and once when a worker starts; registered with the
procrastinate app through PROCRASTINATE_IMPORT_PATHS):
- `retry_stalled_jobs`: a job left `doing` by a worker whose heartbeat stopped (killed, or cut
  off from the database) goes back to `todo` (procrastinate's heartbeat-based stalled jobs).
- `recovery_sweep`: a `pending` delivery or notice with no `todo`/`doing` job that will send it
  (its job failed on a fault, or was lost) gets a new job — only rows untouched for
  ORPHAN_MIN_AGE_SECONDS (their own job had its chance; a re-queue touches them, so a job that
  keeps failing is re-queued at that pace) and younger than ORPHAN_MAX_AGE_HOURS (no flood of
  stale news); and a weekly digest that is due but was never created is sent now
  (procrastinate defers a periodic tick only within ~10 minutes, so a worker back later skips it).
Each is idempotent: deliveries and notices are unique rows sent only while `pending`, and the
digest creates its notices once per (unit, week, channel, address).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from procrastinate import App, JobContext
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.exceptions import AlreadyEnqueued

from backend.incidents.models import IncidentEvent
from backend.incidents.services.changes import NOTIFY_TASK

from .deliveries import PUSH_BATCH_TASK
from .digest_notices import digest_send
from .models import Delivery as DeliveryRow
from .models import DeliveryStatus, Notice, NoticeKind
from .notices import SEND_TASK, notices_queue
from .schedule import last_weekly_instant
from .services import updates_defer_again

logger = logging.getLogger(__name__)

LIVE = ("todo", "doing")
DIGEST_TASK = "weekly_digest"
PUSH_TASKS = (NOTIFY_TASK, PUSH_BATCH_TASK)  # a job of either will send an event's deliveries
SWEEP_LIMIT = 1000  # events / notices per sweep: a backlog drains over a few sweeps


@dataclass
class Sweep:
    events: int = 0
    notices: int = 0
    digest_queued: int | None = None  # None: no digest was due and missing


def deliveries_requeue_orphans(*, now: dt.datetime) -> int:
    """Defer the status job again for every event with an orphaned pending delivery."""
    events = set(
        orphaned_rows(DeliveryRow, now).values_list("event_id", flat=True).distinct()[:SWEEP_LIMIT]
    )
    if not events:
        return 0
    live = {
        args.get("event_id")
        for args in ProcrastinateJob.objects.filter(task_name__in=PUSH_TASKS, status__in=LIVE)
        .values_list("args", flat=True)
        .iterator()
    }
    orphaned = list(
        IncidentEvent.objects.filter(pk__in=events - live).values_list("incident_id", "pk")
    )
    with transaction.atomic():  # touched rows wait ORPHAN_MIN_AGE again: a job that keeps
        orphaned_rows(DeliveryRow, now).filter(  # failing is re-queued at that pace, no faster
            event_id__in=[pk for _incident, pk in orphaned]
        ).update(updated_at=now)
        return updates_defer_again(events=orphaned)


def notices_requeue_orphans(*, now: dt.datetime) -> int:
    """Defer a send job again for orphaned pending notices (reminders, alerts, digests)."""
    pending = set(orphaned_rows(Notice, now).values_list("pk", flat=True)[:SWEEP_LIMIT])
    if not pending:
        return 0
    for args in (
        ProcrastinateJob.objects.filter(task_name=SEND_TASK, status__in=LIVE)
        .values_list("args", flat=True)
        .iterator()
    ):
        pending -= set(args.get("notice_ids") or [])
    with transaction.atomic():
        Notice.objects.filter(pk__in=pending).update(updated_at=now)
        return notices_queue(sorted(pending))


def orphaned_rows(model: type[DeliveryRow] | type[Notice], now: dt.datetime) -> QuerySet[Any]:
    return model._default_manager.filter(
        status=DeliveryStatus.PENDING,
        updated_at__lt=now - dt.timedelta(seconds=settings.ORPHAN_MIN_AGE_SECONDS),
        created_at__gte=now - dt.timedelta(hours=settings.ORPHAN_MAX_AGE_HOURS),
    )


def digest_catch_up(*, now: dt.datetime) -> int | None:
    """Send the latest digest if it is due (within DIGEST_CATCH_UP_HOURS) and was never created;
    the number of notices queued, or None when there was nothing to catch up."""
    due = last_weekly_instant(settings.DIGEST_SCHEDULE, settings.TIME_ZONE, at=now)
    if now - due > dt.timedelta(hours=settings.DIGEST_CATCH_UP_HOURS):
        return None
    period = due.date()  # digest_drafts: the local date of the week's end
    if Notice.objects.filter(kind=NoticeKind.DIGEST, period=period).exists():
        return None
    if ProcrastinateJob.objects.filter(task_name=DIGEST_TASK, status__in=LIVE).exists():
        return None  # the tick's own job is on it (a failure of it is caught up next time)
    logger.warning("weekly digest of %s was not sent (worker down at the tick?): sending", period)
    return digest_send(at=due)


def recovery_sweep_run(*, now: dt.datetime) -> Sweep:
    return Sweep(
        events=deliveries_requeue_orphans(now=now),
        notices=notices_requeue_orphans(now=now),
        digest_queued=digest_catch_up(now=now),
    )


@app.periodic(cron=settings.JOBS_RECOVERY_CRON, periodic_id="recovery_sweep")
@app.task(queue="recovery", name="recovery_sweep", queueing_lock="recovery_sweep")
def recovery_sweep(timestamp: int) -> None:
    run = recovery_sweep_run(now=dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))
    if run.events or run.notices or run.digest_queued is not None:
        logger.warning("recovery sweep: %s", run)


@app.periodic(cron=settings.JOBS_RECOVERY_CRON, periodic_id="retry_stalled_jobs")
@app.task(
    queue="recovery",
    name="retry_stalled_jobs",
    queueing_lock="retry_stalled_jobs",
    pass_context=True,
)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> int:
    """Jobs of workers without a heartbeat for JOBS_STALLED_AFTER_SECONDS go back to `todo`."""
    manager = context.app.job_manager
    stalled = list(
        await manager.get_stalled_jobs(seconds_since_heartbeat=settings.JOBS_STALLED_AFTER_SECONDS)
    )
    for job in stalled:
        await manager.retry_job(job)
    if stalled:
        logger.warning("retried stalled jobs %s", [job.id for job in stalled])
    return len(stalled)


async def recover_on_start(worker_app: App) -> None:
    """A worker starting (first time, or after a fault) runs both sweeps at once, through
    `worker_app` (the app with the worker's connector)."""
    stamp = int(time.time())
    for task in (recovery_sweep, retry_stalled_jobs):
        with contextlib.suppress(AlreadyEnqueued):
            await worker_app.configure_task(task.name).defer_async(timestamp=stamp)
