"""Background jobs of the notifications app (procrastinate, deferred inside the writer's
transaction so a rollback leaves no job)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from procrastinate import BaseRetryStrategy, RetryDecision, RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.jobs import Job

from .deliveries import PUSH_BATCH_TASK, RetryLater, push_batch_send, push_status_change
from .digest_notices import digest_send
from .fallback import fallback_status_change
from .notices import SEND_TASK, notices_send
from .reminders import reminders_sweep
from .retries import fault_retry
from .schedule import weekly_utc_cron
from .staff_alerts import staff_alerts_of_public_entry

logger = logging.getLogger(__name__)


class PushRetry(BaseRetryStrategy):
    """Exponential backoff (FCM_RETRY_BASE_SECONDS · 2^attempt, capped), never sooner than the
    longest Retry-After FCM asked for. `RetryLater` is retried, and so is a database fault
    (`fault_retry`); any other exception is a bug and fails the job (`manage.py jobs_failed`).

    Deliveries bound themselves (FCM_MAX_ATTEMPTS each); the job limit here is a backstop for
    runs that found their rows locked by a concurrent run.
    """

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, RetryLater):
            return fault_retry(exception, job)
        if job.attempts + 1 >= 2 * settings.FCM_MAX_ATTEMPTS:
            return None
        delay = retry_delay(job.attempts, exception.retry_after)
        return RetryDecision(retry_at=timezone.now() + dt.timedelta(seconds=delay))


def retry_delay(attempts: int, retry_after: float | None) -> float:
    backoff = min(settings.FCM_RETRY_MAX_SECONDS, settings.FCM_RETRY_BASE_SECONDS * 2**attempts)
    return float(max(backoff, retry_after or 0.0))


@app.task(queue="notifications", name="notify_incident_status_changed", retry=PushRetry())
def notify_incident_status_changed(incident_id: int, event_id: int) -> None:
    """Push the status change `event_id` of `incident_id` to its reporter and followers; SMS
    and e-mail to a reporter without an active device."""
    run = push_status_change(event_id=event_id)
    fallback = fallback_status_change(event_id=event_id)
    staff = staff_alerts_of_public_entry(event_id=event_id)  # a new report: its unit's staff
    logger.info(
        "incident %s event %s: %s sent, %s failed, %s pending, %s without device",
        incident_id,
        event_id,
        run.sent,
        run.failed,
        run.pending,
        run.no_device,
    )
    if fallback.sent or fallback.failed or fallback.pending:
        logger.info(
            "incident %s event %s: SMS/e-mail %s sent, %s failed, %s pending",
            incident_id,
            event_id,
            fallback.sent,
            fallback.failed,
            fallback.pending,
        )
    if run.batch_jobs:
        logger.info("incident %s event %s: %s batch jobs", incident_id, event_id, run.batch_jobs)
    if run.pending or fallback.pending or staff.pending:
        pending = run.pending + fallback.pending + staff.pending
        raise RetryLater(pending=pending, retry_after=run.retry_after)


@app.task(queue="notifications", name=PUSH_BATCH_TASK, retry=PushRetry())
def push_status_change_batch(incident_id: int, event_id: int, first_id: int, last_id: int) -> None:
    """One share of a large fan-out: the pending push deliveries of `event_id` with ids in
    [first_id, last_id] (deferred by notify_incident_status_changed)."""
    run = push_batch_send(event_id=event_id, first_id=first_id, last_id=last_id)
    logger.info(
        "incident %s event %s deliveries %s–%s: %s sent, %s failed, %s pending",
        incident_id,
        event_id,
        first_id,
        last_id,
        run.sent,
        run.failed,
        run.pending,
    )
    if run.pending:
        raise RetryLater(pending=run.pending, retry_after=run.retry_after)


class NoticeRetry(BaseRetryStrategy):
    """Backoff for SMS/e-mail notices: NOTICE_RETRY_BASE_SECONDS · 2^attempt, capped. Only
    `RetryLater` and database faults are retried; the rows bound themselves (NOTICE_MAX_ATTEMPTS
    each)."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, RetryLater):
            return fault_retry(exception, job)
        if job.attempts + 1 >= 2 * settings.NOTICE_MAX_ATTEMPTS:
            return None
        delay = min(
            settings.NOTICE_RETRY_MAX_SECONDS, settings.NOTICE_RETRY_BASE_SECONDS * 2**job.attempts
        )
        return RetryDecision(retry_at=timezone.now() + dt.timedelta(seconds=delay))


@app.task(queue="notifications", name=SEND_TASK, retry=NoticeRetry())
def send_notices(notice_ids: list[int]) -> None:
    """Send the pending SMS/e-mail notices among `notice_ids`."""
    run = notices_send(notice_ids=notice_ids)
    logger.info("notices: %s sent, %s failed, %s pending", run.sent, run.failed, run.pending)
    if run.pending:
        raise RetryLater(pending=run.pending, retry_after=None)


# A digest missed is a week without one: retry for about half an hour (0, 60, 120, … s).
DIGEST_RETRY = RetryStrategy(max_attempts=8, linear_wait=60)


# Periodic jobs: procrastinate evaluates cron in UTC and defers each tick once, however many
# workers run (procrastinate_periodic_defers is unique per task, periodic id and timestamp).
@app.periodic(cron=settings.REMINDER_SWEEP_CRON, periodic_id="reminders")
@app.task(queue="notifications", name="reminders_sweep")
def reminders_sweep_job(timestamp: int) -> None:
    run = reminders_sweep(now=dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))
    logger.info("reminder sweep at %s: %s, %s notices queued", timestamp, run.found, run.queued)


@app.periodic(
    cron=weekly_utc_cron(settings.DIGEST_SCHEDULE, settings.TIME_ZONE), periodic_id="digest"
)
@app.task(queue="notifications", name="weekly_digest", retry=DIGEST_RETRY)
def weekly_digest_job(timestamp: int) -> None:
    """The weekly digest to every unit leader, for the week ending at this tick. A retry (say,
    after a database restart) keeps the tick's timestamp, so it is the same week and creates
    only what the failed attempt did not."""
    queued = digest_send(at=dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))
    logger.info("weekly digest at %s: %s notices queued", timestamp, queued)
