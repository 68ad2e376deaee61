"""Push fan-out benchmark: one status change of a report followed by 10,000 residents.

    .venv/bin/python bench/bench_push.py [--recipients 10000] [--runs 3]

Each run appends a status event and calls the job's work (`push_status_change`) in this process:
create 10,000 delivery rows, lock them in batches of FCM_BATCH_SIZE, build localized messages,
send them with the real firebase-admin SDK (push.send_batch, FCM HTTP v1) to the fake FCM server
from tests/notifications/fake_fcm.py running in a child process on 127.0.0.1, then record
results. Printed: deliveries/s per run and the median, and the same SDK sending the same number
of prebuilt messages without any database work (the ceiling on this machine), with the ratio.
Database: `hotline1022_bench_push` in var/pg.
"""

from __future__ import annotations

import argparse
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
print(fake.count, dict(fake.answers), len(fake.problems), flush=True)
"""
PREFIX = "bench-push-"


def setup_recipients(count: int) -> int:
    """A report whose reporter and followers (count in all) have one device each."""
    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from backend.accounts.models import User
    from backend.incidents.models import Category, Incident
    from backend.notifications.models import Device, Follow
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


def fan_out(incident_id: int) -> tuple[float, object]:
    from backend.incidents.models import EventKind, IncidentEvent, Status
    from backend.notifications.deliveries import push_status_change

    event = IncidentEvent.objects.create(
        incident_id=incident_id, kind=EventKind.STATUS, to_status=Status.IN_PROGRESS
    )
    start = time.perf_counter()
    run = push_status_change(event_id=event.pk)
    return time.perf_counter() - start, run


def bare_sdk(count: int) -> float:
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
    start = time.perf_counter()
    for i in range(0, count, push.MAX_BATCH):
        results = push.send_batch(messages[i : i + push.MAX_BATCH])
        assert all(r.outcome is push.Outcome.SENT for r in results), results[0]
    return time.perf_counter() - start


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
        print(f"FCM_MAX_CONNECTIONS={settings.FCM_MAX_CONNECTIONS}")

        incident_id = setup_recipients(args.recipients)
        bare_sdk(500)  # warm up: app, connection pool, threads
        rates = []
        for n in range(args.runs):
            seconds, run = fan_out(incident_id)
            rate = args.recipients / seconds
            rates.append(rate)
            print(f"run {n + 1}: {args.recipients} deliveries in {seconds:.2f} s = {rate:,.0f}/s")
            print(f"        {run}")
        bare = [args.recipients / bare_sdk(args.recipients) for _ in range(args.runs)]
        job, sdk = statistics.median(rates), statistics.median(bare)
        print(f"fan-out job, median: {job:,.0f} deliveries/s (target ≥ 2,000/s)")
        print(f"bare SDK (push.send_batch, no database), median: {sdk:,.0f} messages/s")
        print(f"ratio job / bare SDK: {job / sdk:.2f}")
    finally:
        server.stdin.close()
        print("fake FCM:", server.stdout.read().strip())
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
