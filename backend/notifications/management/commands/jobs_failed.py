from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Max
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.notifications.models import JobError


class Command(BaseCommand):
    help = (
        "Liệt kê tác vụ nền thất bại / List failed procrastinate jobs, newest first: id, task, "
        "queue, attempts, when, last error (retry one with `manage.py procrastinate retry ID`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--task", help="only this task name")
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument(
            "--full",
            action="store_true",
            help="print the whole recorded error, not its first line",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        jobs = ProcrastinateJob.objects.filter(status="failed")
        if opts["task"]:
            jobs = jobs.filter(task_name=opts["task"])
        total = jobs.count()
        rows = list(
            jobs.annotate(failed_at=Max("procrastinateevent__at")).order_by("-id")[: opts["limit"]]
        )
        errors = dict(
            JobError.objects.filter(job_id__in=[j.id for j in rows]).values_list("job_id", "error")
        )
        self.stdout.write(f"{total} failed job(s)")
        for job in rows:
            when = (
                timezone.localtime(job.failed_at).strftime("%Y-%m-%d %H:%M:%S")
                if job.failed_at
                else "?"
            )
            error = errors.get(job.id, "(no error recorded: failed before the middleware ran)")
            shown = error if opts["full"] else error.splitlines()[0]
            self.stdout.write(
                f"#{job.id}  {job.task_name}  queue={job.queue_name}  attempts={job.attempts}  "
                f"failed={when}  args={job.args}\n    {shown}"
            )
