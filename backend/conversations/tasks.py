"""Background jobs of the chat channels: handle a stored event, send a message, close idle
conversations."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from procrastinate import BaseRetryStrategy, RetryDecision, RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.jobs import Job

from backend.notifications.deliveries import RetryLater
from backend.notifications.retries import fault_retry

from .idle import conversations_close_idle
from .outbound import SEND_QUEUE, SEND_TASK, message_send
from .services import HANDLE_QUEUE, HANDLE_TASK, event_handle

logger = logging.getLogger(__name__)

# a database fault or a platform that is down while downloading: a few tries, then the job fails
# (visible in `manage.py jobs_failed`); the event stays stored and unhandled.
HANDLE_RETRY = RetryStrategy(max_attempts=5, exponential_wait=5)


class SendRetry(BaseRetryStrategy):
    """Backoff for replies: CHAT_RETRY_BASE_SECONDS · 2^attempt, capped. `RetryLater` and
    database faults are retried; the message rows bound themselves (CHAT_MAX_ATTEMPTS)."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, RetryLater):
            return fault_retry(exception, job)
        if job.attempts + 1 >= 2 * settings.CHAT_MAX_ATTEMPTS:
            return None
        delay = min(
            settings.CHAT_RETRY_MAX_SECONDS, settings.CHAT_RETRY_BASE_SECONDS * 2**job.attempts
        )
        return RetryDecision(retry_at=timezone.now() + dt.timedelta(seconds=delay))


@app.task(queue=HANDLE_QUEUE, name=HANDLE_TASK, retry=HANDLE_RETRY)
def conversation_handle_event(event_id: int) -> None:
    outcome = event_handle(event_id=event_id)
    logger.info("conversation event %s: %s", event_id, outcome)


@app.task(queue=SEND_QUEUE, name=SEND_TASK, retry=SendRetry())
def conversation_send(message_id: int) -> None:
    status = message_send(message_id=message_id)
    logger.info("conversation message %s: %s", message_id, status or "nothing to do")


@app.periodic(cron=settings.CONVERSATION_IDLE_CRON, periodic_id="conversations_idle")
@app.task(queue=SEND_QUEUE, name="conversations_close_idle")
def conversations_close_idle_job(timestamp: int) -> None:
    closed = conversations_close_idle(now=dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))
    if closed:
        logger.info("idle sweep at %s: %s conversations closed", timestamp, closed)
