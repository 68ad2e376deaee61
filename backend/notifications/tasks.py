"""Background jobs of the notifications app (procrastinate, deferred inside the writer's
transaction so a rollback leaves no job)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app
from procrastinate.jobs import Job

from .deliveries import RetryLater, push_status_change

logger = logging.getLogger(__name__)


class PushRetry(BaseRetryStrategy):
    """Exponential backoff (FCM_RETRY_BASE_SECONDS · 2^attempt, capped), never sooner than the
    longest Retry-After FCM asked for. Only `RetryLater` is retried: any other exception is a bug
    or an outage of our own and fails the job (visible in `procrastinate_jobs`).

    Deliveries bound themselves (FCM_MAX_ATTEMPTS each); the job limit here is a backstop for
    runs that found their rows locked by a concurrent run.
    """

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, RetryLater):
            return None
        if job.attempts + 1 >= 2 * settings.FCM_MAX_ATTEMPTS:
            return None
        delay = retry_delay(job.attempts, exception.retry_after)
        return RetryDecision(retry_at=timezone.now() + dt.timedelta(seconds=delay))


def retry_delay(attempts: int, retry_after: float | None) -> float:
    backoff = min(settings.FCM_RETRY_MAX_SECONDS, settings.FCM_RETRY_BASE_SECONDS * 2**attempts)
    return float(max(backoff, retry_after or 0.0))


@app.task(queue="notifications", name="notify_incident_status_changed", retry=PushRetry())
def notify_incident_status_changed(incident_id: int, event_id: int) -> None:
    """Push the status change `event_id` of `incident_id` to its reporter and followers."""
    run = push_status_change(event_id=event_id)
    logger.info(
        "incident %s event %s: %s sent, %s failed, %s pending, %s without device",
        incident_id,
        event_id,
        run.sent,
        run.failed,
        run.pending,
        run.no_device,
    )
    if run.pending:
        raise RetryLater(pending=run.pending, retry_after=run.retry_after)
