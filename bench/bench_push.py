"""Push benchmark: the job path against the bare public SDK, and a 100,000-device fan-out
taken from the queue by 1 and by 2 real worker processes.

    .venv/bin/python bench/bench_push.py [--recipients 10000] [--runs 3]
                                         [--fan-out 100000] [--workers 1,2] [--concurrency 1]

The fake FCM server of tests/notifications/fake_fcm.py runs in a child process on 127.0.0.1,
reached as firebase-admin reaches FCM behind an egress proxy (HTTPS_PROXY, CONNECT, TLS with a
throwaway CA); everything below is measured against it in the same run.

1. Per worker, in this process (runs alternate, medians): a status change of a report followed
   by `--recipients` residents (one device each, half vi, half en) through the job path — the
   status change's job creates the delivery rows and splits them into batch jobs of
   FCM_JOB_DELIVERIES; each batch job's work locks FCM_BATCH_SIZE rows at a time (SKIP LOCKED),
   builds localized messages, sends them (`messaging.send_each`, FCM_MAX_CONNECTIONS at a
   time) and records the results — against the bare SDK: `messaging.send_each` on as many
   prebuilt messages, in calls of the same size, no database. Target: ratio ≥ 0.8.
2. A status change of a report followed by `--fan-out` residents, deferred as the workflow
   defers it, worked off by N `manage.py procrastinate worker [--concurrency C]` processes: wall
   time from the defer to the last delivery settled, deliveries/s, and the messages the fake
   server received (= devices: nothing sent twice).

Also printed, because wall-clock rates on a shared 2-core machine follow its load: CPU per
delivery of this process, the fake server's CPU per request, the load average.
Database: `hotline1022_bench_push` in var/pg.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import ROOT, bench_database

SERVER = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from tests.notifications.fake_fcm import FakeFCM
fake = FakeFCM(project="hotline1022-bench", keep_bodies=False).start()
print(json.dumps(fake.environ()), flush=True)
for line in sys.stdin:  # "count": how many messages so far; EOF: a summary, then exit
    print(fake.count, flush=True)
print(fake.count, dict(fake.answers), len(fake.problems), f"tunnels={fake.tunnels}",
      f"cpu={1e6 * time.process_time() / max(fake.count, 1):.0f} µs/request", flush=True)
"""
PREFIX = "bench-push-"


class FakeServer:
    def __init__(self) -> None:
        import json

        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(ROOT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        self.environ: dict[str, str] = json.loads(self.stdout.readline())

    def count(self) -> int:
        self.stdin.write("count\n")
        self.stdin.flush()
        return int(self.stdout.readline())

    def close(self) -> str:
        self.stdin.close()
        summary = self.stdout.read().strip()
        self.process.wait(timeout=30)
        return summary


def users(count: int) -> list[int]:
    """`count` bench users with one device each (created once, kept between runs)."""
    from backend.accounts.models import User
    from backend.notifications.models import Device

    have = list(
        User.objects.filter(username__startswith=PREFIX).order_by("pk").values_list("pk", flat=True)
    )
    if len(have) < count:
        new = User.objects.bulk_create(
            [User(username=f"{PREFIX}{i}", password="!") for i in range(len(have), count)],
            batch_size=5000,
        )
        Device.objects.bulk_create(
            [
                Device(user=u, token=f"bench-token-{u.pk}", platform="android", language=lang)
                for u, lang in zip(new, ["vi", "en"] * count, strict=False)
            ],
            batch_size=5000,
        )
        have += [u.pk for u in new]
    return have[:count]


def incident_followed_by(user_ids: list[int]) -> int:
    """A report by the first user, followed by the others."""
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from backend.incidents.models import Incident
    from backend.notifications.models import Follow
    from backend.units.models import Category
    from geo.locate import locate
    from geo.models import AdminArea

    category = Category.objects.order_by("pk").first()
    assert category is not None
    lon, lat = 106.70, 10.776
    info = locate(lon, lat)
    assert info is not None
    incident = Incident.objects.create(
        reference=f"BENCH-{len(user_ids)}-{time.time_ns()}",
        reporter_id=user_ids[0],
        category=category,
        description="Bench",
        location=Point(lon, lat, srid=4326),
        ward=AdminArea.objects.get(pk=info.id),
        created_at=timezone.now(),
    )
    Follow.objects.bulk_create(
        [Follow(incident=incident, user_id=u) for u in user_ids[1:]], batch_size=5000
    )
    return incident.pk


def status_event(incident_id: int) -> int:
    from backend.incidents.models import EventKind, IncidentEvent, Status

    return IncidentEvent.objects.create(
        incident_id=incident_id, kind=EventKind.STATUS, to_status=Status.IN_PROGRESS
    ).pk


def load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def job_path(incident_id: int) -> tuple[float, float, int]:
    """Wall-clock and CPU seconds of the status change's job and all its batch jobs, run
    one after the other in this process as one worker would; deliveries settled."""
    from procrastinate.contrib.django.models import ProcrastinateJob

    from backend.notifications.deliveries import (
        PUSH_BATCH_TASK,
        push_batch_send,
        push_status_change,
    )

    event_id = status_event(incident_id)
    start, cpu = time.perf_counter(), time.process_time()
    run = push_status_change(event_id=event_id)
    settled = run.sent
    batches = ProcrastinateJob.objects.filter(
        task_name=PUSH_BATCH_TASK, args__event_id=event_id
    ).values_list("args", flat=True)
    for args in batches:
        batch = push_batch_send(
            event_id=args["event_id"], first_id=args["first_id"], last_id=args["last_id"]
        )
        settled += batch.sent
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    ProcrastinateJob.objects.filter(task_name=PUSH_BATCH_TASK).delete()  # done by hand
    return seconds, cpu, settled


def bare_app() -> Any:
    import firebase_admin
    from firebase_admin import credentials
    from google.auth.credentials import AnonymousCredentials

    class Anonymous(credentials.Base):
        def get_credential(self) -> AnonymousCredentials:
            return AnonymousCredentials()

    from django.conf import settings

    return firebase_admin.initialize_app(
        Anonymous(),
        {"projectId": settings.FCM_PROJECT_ID, "httpTimeout": settings.FCM_TIMEOUT_SECONDS},
        name="bench-bare-sdk",
    )


def bare_sdk(app: Any, count: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds of `messaging.send_each` on `count` prebuilt messages, in
    calls of FCM_MAX_CONNECTIONS (as the job path makes them)."""
    from django.conf import settings
    from firebase_admin import messaging

    from backend.notifications import push

    messages = [
        push.message_for(
            push.PushMessage(
                token=f"bare-{i}",
                title="Phản ánh 1022-2026-0000001",
                body="Phản ánh bạn theo dõi đã chuyển sang trạng thái «Đang xử lý».",
                data={"report_id": "1", "status": "in_progress", "type": "report_status"},
                collapse_key="report-1-event-1",
                thread="report-1",
            )
        )
        for i in range(count)
    ]
    size = settings.FCM_MAX_CONNECTIONS
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, count, size):
        batch = messaging.send_each(messages[i : i + size], app=app)
        assert batch.failure_count == 0, batch.responses[0].exception
    return time.perf_counter() - start, time.process_time() - cpu


def per_worker(fake: FakeServer, recipients: int, runs: int) -> None:
    incident_id = incident_followed_by(users(recipients))
    app = bare_app()
    bare_sdk(app, 500)  # warm up: the App, its connection pool
    job_path(incident_id)
    jobs, bares, job_cpu, bare_cpu = [], [], [], []
    for i in range(runs):
        seconds, cpu, settled = job_path(incident_id)
        assert settled == recipients, (settled, recipients)
        jobs.append(recipients / seconds)
        job_cpu.append(cpu / recipients * 1e6)
        seconds, cpu = bare_sdk(app, recipients)
        bares.append(recipients / seconds)
        bare_cpu.append(cpu / recipients * 1e6)
        print(
            f"run {i + 1}: job path {jobs[-1]:,.0f} deliveries/s ({job_cpu[-1]:.0f} µs CPU each)"
            f" · bare SDK {bares[-1]:,.0f} messages/s ({bare_cpu[-1]:.0f} µs CPU each); {load()}"
        )
    job, sdk = statistics.median(jobs), statistics.median(bares)
    print(
        f"per worker, {recipients:,} deliveries, medians of {runs}: job path {job:,.0f}/s, "
        f"bare SDK {sdk:,.0f}/s, ratio {job / sdk:.2f} (target ≥ 0.8); CPU per delivery "
        f"{statistics.median(job_cpu):.0f} µs · per bare message "
        f"{statistics.median(bare_cpu):.0f} µs"
    )


def start_workers(count: int, concurrency: int, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_workers")  # stale rows of earlier runs
    workers = []
    for i in range(count):
        log = (log_dir / f"bench-push-worker-{i + 1}.log").open("ab")
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    str(ROOT / "manage.py"),
                    "procrastinate",
                    "worker",
                    f"--concurrency={concurrency}",
                ],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # each worker registers itself when it is ready
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM procrastinate_workers")
            (registered,) = cursor.fetchone() or (0,)
        if registered >= count:
            return workers
        time.sleep(0.2)
    raise RuntimeError("workers did not start; see var/bench-push-worker-*.log")


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def fan_out(
    fake: FakeServer, incident_id: int, devices: int, workers: int, concurrency: int
) -> None:
    from django.db import connection, transaction

    from backend.notifications.models import Channel, Delivery, DeliveryStatus
    from backend.notifications.tasks import notify_incident_status_changed

    cpu_before = os.times()
    running = start_workers(workers, concurrency, ROOT / "var")
    try:
        before = fake.count()
        start = time.perf_counter()
        with transaction.atomic():  # as the workflow defers it: with the status event
            event_id = status_event(incident_id)
            notify_incident_status_changed.defer(incident_id=incident_id, event_id=event_id)
        rows = Delivery.objects.filter(event_id=event_id, channel=Channel.PUSH)
        while True:
            time.sleep(0.2)
            total = rows.count()
            if total == devices and not rows.filter(status=DeliveryStatus.PENDING).exists():
                break
        seconds = time.perf_counter() - start
        received = fake.count() - before
        sent = rows.filter(status=DeliveryStatus.SENT).count()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM procrastinate_jobs WHERE args->>'event_id' = %s",
                [str(event_id)],
            )
            (jobs,) = cursor.fetchone() or (0,)
    finally:
        stop_workers(running)
    cpu_after = os.times()  # children's CPU counts once they are reaped
    workers_cpu = (cpu_after.children_user + cpu_after.children_system) - (
        cpu_before.children_user + cpu_before.children_system
    )
    print(
        f"fan-out to {devices:,} devices, {workers} worker process(es) × {concurrency} job(s) "
        f"at a time: {seconds:.1f} s wall = "
        f"{devices / seconds:,.0f} deliveries/s; {jobs} jobs; {sent:,} sent; fake FCM received "
        f"{received:,} messages ({received - devices:+,} vs devices); {load()}"
        + f"; workers' CPU (start-up included) {workers_cpu / devices * 1e6:.0f} µs/delivery"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fan-out", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--concurrency", type=int, default=1, help="jobs at a time per worker")
    args = parser.parse_args()

    fake = FakeServer()
    try:
        os.environ.update(fake.environ)  # the SDK's requests (and the workers') go to the fake
        os.environ.update(
            FCM_ENABLED="1", FCM_CREDENTIALS_FILE="", FCM_PROJECT_ID="hotline1022-bench"
        )
        bench_database("hotline1022_bench_push")
        from django.conf import settings

        print(
            f"FCM_JOB_DELIVERIES={settings.FCM_JOB_DELIVERIES} "
            f"FCM_BATCH_SIZE={settings.FCM_BATCH_SIZE} "
            f"FCM_MAX_CONNECTIONS={settings.FCM_MAX_CONNECTIONS}; {load()}"
        )
        if args.runs:
            per_worker(fake, args.recipients, args.runs)
        if args.fan_out:
            incident_id = incident_followed_by(users(args.fan_out))
            for workers in [int(w) for w in args.workers.split(",") if w]:
                fan_out(fake, incident_id, args.fan_out, workers, args.concurrency)
    finally:
        print("fake FCM:", fake.close())


if __name__ == "__main__":
    main()
