"""Failed jobs: the worker middleware remembers the error, `jobs_failed` lists them."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.notifications.job_errors import record_job_error
from backend.notifications.models import JobError

pytestmark = pytest.mark.django_db


def failed_job(task: str, attempts: int) -> int:
    job_id = app.configure_task(task, allow_unknown=False).defer(notice_ids=[1])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'failed', attempts = %s WHERE id = %s",
            [attempts, job_id],
        )
    return job_id


def test_the_middleware_is_on_every_worker_and_keeps_the_last_error() -> None:
    # the app procrastinate built from the settings gives every worker the middleware
    assert any(m is record_job_error for m in app.worker_defaults["task_middleware"])
    job = SimpleNamespace(id=41, task_name="send_notices", attempts=0)

    for message in ("first", "second"):

        def fail(message: str = message) -> None:
            raise ValueError(message)

        with pytest.raises(ValueError, match=message):
            record_job_error(fail, SimpleNamespace(job=job), None)
        job.attempts += 1
    row = JobError.objects.get(job_id=41)
    assert row.error.startswith("ValueError: second") and row.attempt == 2
    assert record_job_error(lambda: "ok", SimpleNamespace(job=job), None) == "ok"


def test_jobs_failed_lists_failed_jobs_with_their_error() -> None:
    ok = app.configure_task("send_notices", allow_unknown=False).defer(notice_ids=[2])
    bad = failed_job("send_notices", 3)
    JobError.objects.create(
        job_id=bad, task_name="send_notices", attempt=3, error="SmsError: 503\n"
    )
    out = io.StringIO()
    call_command("jobs_failed", stdout=out)
    text = out.getvalue()
    assert text.startswith("1 failed job(s)")
    assert f"#{bad}  send_notices  queue=notifications  attempts=3" in text
    assert "SmsError: 503" in text and f"#{ok} " not in text
    assert ProcrastinateJob.objects.filter(status="failed").count() == 1
