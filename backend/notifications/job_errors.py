"""Worker-side helpers for procrastinate jobs: remembering why a job failed.

procrastinate records a job's status and attempts but not its exception; the task middleware
below keeps the last one per job (`JobError`), so `manage.py jobs_failed` can say what went wrong
without digging through worker logs. Registered for every worker by `on_app_ready`, named in
settings (PROCRASTINATE_ON_APP_READY); importing this module loads no model.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

logger = logging.getLogger(__name__)


def on_app_ready(app: Any) -> None:
    """Called by procrastinate's Django app once it is built: every worker records errors."""
    middleware = app.worker_defaults.setdefault("task_middleware", [])
    if record_job_error not in middleware:
        middleware.append(record_job_error)


def record_job_error(call_next: Any, context: Any, worker: Any) -> Any:
    try:
        return call_next()
    except Exception as exc:
        _remember(context.job, exc)
        raise


def _remember(job: Any, exc: Exception) -> None:
    from django.utils import timezone

    from .models import JobError

    text = "".join(traceback.format_exception_only(exc)).strip()
    tail = "".join(traceback.format_tb(exc.__traceback__)[-3:])
    try:
        JobError.objects.update_or_create(
            job_id=job.id,
            defaults={
                "task_name": job.task_name,
                "attempt": job.attempts + 1,
                "error": f"{text}\n{tail}"[:10_000],
                "at": timezone.now(),
            },
        )
    except Exception:  # never hide the job's own error behind ours
        logger.exception("could not record the error of job %s", job.id)
