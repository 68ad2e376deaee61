"""Retrying a job that failed on a fault of ours (the database went away mid-job), not a bug.

Such a job is safe to run again (deliveries and notices are idempotent rows) and must be: its
pending rows have no other job to send them.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from procrastinate import RetryDecision
from procrastinate.jobs import Job

from backend.common.unavailable import is_unavailable

FAULT_RETRY_MAX_ATTEMPTS = 10
FAULT_RETRY_BASE_SECONDS = 5  # 5, 10, 20, … s, at most FAULT_RETRY_MAX_SECONDS
FAULT_RETRY_MAX_SECONDS = 300


def fault_retry(exception: BaseException, job: Job) -> RetryDecision | None:
    """A retry with backoff when `exception` is an OperationalError/InterfaceError, else None."""
    if not is_unavailable(exception) or job.attempts + 1 >= FAULT_RETRY_MAX_ATTEMPTS:
        return None
    delay = min(FAULT_RETRY_MAX_SECONDS, FAULT_RETRY_BASE_SECONDS * 2**job.attempts)
    return RetryDecision(retry_at=timezone.now() + dt.timedelta(seconds=delay))
