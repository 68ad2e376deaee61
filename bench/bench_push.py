"""Push fan-out benchmark: one status change of a report followed by 10,000 residents.

    .venv/bin/python bench/bench_push.py [--recipients 10000] [--runs 3]

Each run appends a status event and calls the job's work (`push_status_change`) in this process:
create 10,000 delivery rows, lock them in batches of FCM_BATCH_SIZE, build localized messages,
send them with the real firebase-admin SDK (push.send_batch, FCM HTTP v1) to the fake FCM server
from tests/notifications/fake_fcm.py running in a child process on 127.0.0.1, then record
results. Printed: deliveries/s per run and the median, and the same SDK sending the same number
of prebuilt messages without any database work (the ceiling on this machine), with the ratio.
Also printed, because wall-clock rates on a shared 2-core machine follow its load: the CPU this
process spent per delivery (sender threads included; PostgreSQL's share is not in it), the fake
server's CPU per request, and the load average. Database: `hotline1022_bench_push` in var/pg.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from common import ROOT, bench_database

SERVER = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from tests.notifications.fake_fcm import FakeFCM
fake = FakeFCM(project="hotline1022-bench", keep_bodies=False).start()
print(fake.endpoint, flush=True)
sys.stdin.read()  # until the parent closes our stdin
print(fake.count, dict(fake.answers), len(fake.problems), f"connections={fake.connections}",
      f"cpu={1e6 * time.process_time() / max(fake.count, 1):.0f} µs/request", flush=True)
"""
PREFIX = "bench-push-"


def setup_recipients(count: int) -> int:
    """A report whose reporter and followers (count in all) have one device each."""
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from backend.accounts.models import User
    from backend.incidents.models import Incident
    from backend.notifications.models import Device, Follow
    from backend.units.models import Category
    from geo.locate import locate
    from geo.models import AdminArea

    User.objects.filter(username__startswith=PREFIX).delete()
    Incident.objects.filter(reference__startswith="BENCH-").delete()
    users = User.objects.bulk_create(
        [User(username=f"{PREFIX}{i}", password="!") for i in range(count)], batch_size=2000
    )
    Device.objects.bulk_create(
        [
            Device(
                user=u,
                token=f"bench-token-{u.pk}",
                platform="android",
                language=("vi", "en")[i % 2],
            )
            for i, u in enumerate(users)
        ],
        batch_size=2000,
    )
    category = Category.objects.order_by("pk").first()
    assert category is not None
    lon, lat = 106.70, 10.776
    info = locate(lon, lat)
    assert info is not None
    incident = Incident.objects.create(
        reference=f"BENCH-{int(time.time())}",
        reporter=users[0],
        category=category,
        description="Bench",
        location=Point(lon, lat, srid=4326),
        ward=AdminArea.objects.get(pk=info.id),
        created_at=timezone.now(),
    )
    Follow.objects.bulk_create(
        [Follow(incident=incident, user=u) for u in users[1:]], batch_size=2000
    )
    return incident.pk


def load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def fan_out(incident_id: int) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds of one run of the job's work, and what it did."""
    from backend.incidents.models import EventKind, IncidentEvent, Status
    from backend.notifications.deliveries import push_status_change

    event = IncidentEvent.objects.create(
        incident_id=incident_id, kind=EventKind.STATUS, to_status=Status.IN_PROGRESS
    )
    start, cpu = time.perf_counter(), time.process_time()
    run = push_status_change(event_id=event.pk)
    return time.perf_counter() - start, time.process_time() - cpu, run


def bare_sdk(count: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds to send `count` prebuilt messages."""
    from backend.notifications import push

    messages = [
        push.PushMessage(
            token=f"bare-{i}",
            title="Phản ánh 1022-2026-0000001",
            body="Phản ánh bạn theo dõi đã chuyển sang trạng thái «Đang xử lý».",
            data={"report_id": "1", "status": "in_progress", "type": "report_status"},
            collapse_key="report-1",
        )
        for i in range(count)
    ]
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, count, push.MAX_BATCH):
        results = push.send_batch(messages[i : i + push.MAX_BATCH])
        assert all(r.outcome is push.Outcome.SENT for r in results), results[0]
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=None, help="FCM_MAX_CONNECTIONS")
    args = parser.parse_args()

    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(ROOT)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    endpoint = server.stdout.readline().strip()
    try:
        bench_database("hotline1022_bench_push")
        from django.conf import settings

        settings.FCM_ENABLED = True
        settings.FCM_CREDENTIALS_FILE = ""
        settings.FCM_PROJECT_ID = "hotline1022-bench"
        settings.FCM_ENDPOINT = endpoint
        if args.connections:
            settings.FCM_MAX_CONNECTIONS = args.connections
        print(f"FCM_MAX_CONNECTIONS={settings.FCM_MAX_CONNECTIONS}; {load()}")

        incident_id = setup_recipients(args.recipients)
        bare_sdk(500)  # warm up: app, connection pool, threads
        n = args.recipients
        rates, cpus = [], []
        for i in range(args.runs):
            seconds, cpu, run = fan_out(incident_id)
            rates.append(n / seconds)
            cpus.append(cpu / n * 1e6)
            print(
                f"run {i + 1}: {n} deliveries in {seconds:.2f} s = {n / seconds:,.0f}/s, "
                f"{cpus[-1]:.0f} µs CPU per delivery; {load()}"
            )
            print(f"        {run}")
        bare_rates, bare_cpus = [], []
        for _ in range(args.runs):
            seconds, cpu = bare_sdk(n)
            bare_rates.append(n / seconds)
            bare_cpus.append(cpu / n * 1e6)
        job, sdk = statistics.median(rates), statistics.median(bare_rates)
        print(
            f"fan-out job, median: {job:,.0f} deliveries/s (target ≥ 2,000/s), "
            f"{statistics.median(cpus):.0f} µs CPU per delivery"
        )
        print(
            f"bare SDK (push.send_batch, no database), median: {sdk:,.0f} messages/s "
            f"(runs: {', '.join(f'{r:,.0f}' for r in bare_rates)}), "
            f"{statistics.median(bare_cpus):.0f} µs CPU per message"
        )
        print(f"ratio job / bare SDK: {job / sdk:.2f}; {load()}")
    finally:
        server.stdin.close()
        print("fake FCM:", server.stdout.read().strip())
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
