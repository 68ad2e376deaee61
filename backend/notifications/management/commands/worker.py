"""`manage.py worker`: the procrastinate worker, riding out database restarts (worker_loop.py).

Use it instead of `manage.py procrastinate worker`, under a supervisor that restarts it if it
dies anyway (systemd, `make run`).
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from django.conf import settings
from django.core.management.base import BaseCommand
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.contrib.django.utils import connector_params

from backend.notifications.recovery import recover_on_start
from backend.notifications.worker_loop import run_forever


class Command(BaseCommand):
    help = "Run a job worker that waits for the database and starts again after a restart."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--queues", default="", help="comma-separated queues (default: all)")
        parser.add_argument("--name", default="worker")
        parser.add_argument("--concurrency", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        queues = [q.strip() for q in options["queues"].split(",") if q.strip()] or None
        params = connector_params()
        connector = cast(DjangoConnector, app.connector).get_worker_connector()
        with app.replace_connector(connector):
            restarts = asyncio.run(
                run_forever(
                    app,
                    conninfo=params,
                    on_start=recover_on_start,
                    queues=queues,
                    name=options["name"],
                    concurrency=options["concurrency"],
                    update_heartbeat_interval=settings.JOBS_HEARTBEAT_SECONDS,
                    stalled_worker_timeout=settings.JOBS_STALLED_AFTER_SECONDS,
                )
            )
        self.stderr.write(f"worker stopped ({restarts} restarts after a database fault)")
