"""Fault benchmark: a database restart and a killed worker, against a production-like instance.

    .venv/bin/python bench/bench_faults.py [--clients 6] [--outage 5] [--devices 2000]

The instance: a PostgreSQL cluster of the bench's own in a temporary directory (stopped and
started by the bench; var/pg is not touched), migrated and seeded; a WSGI server with a pool of
8 long-lived threads (like gunicorn's gthread worker) serving backend.wsgi in a child process
(settings dev, DEBUG off); `manage.py worker` in a child process; the project's fake FCM
(tests/notifications/fake_fcm.py) on 127.0.0.1, reached by the real firebase-admin SDK as its
HTTPS proxy. Job settings are
the production defaults (heartbeat 10 s, stalled after 60 s, recovery jobs every minute).

1. Database restart: --clients residents (one device each) submit reports with a photo; each
   report is retried with its Idempotency-Key until acknowledged (0.2 s between tries).
   PostgreSQL is stopped for --outage seconds mid-load. Prints acknowledged, lost (acknowledged,
   no incident), duplicated (more than one incident per key), missing photo files, errors during
   the outage and the share of them that were clean (503, {code, message, details},
   Retry-After), web recovery (restart → first acknowledgement), the worker's state and its
   recovery (restart → first push of a report submitted after it), pushes left pending.
2. Worker kill: a status change fanned out to --devices followers; SIGKILL of the worker mid
   fan-out (3/8 recorded sent: inside a batch job, not between two) and a new worker at once (as
   a supervisor would). Prints devices with nothing, duplicates (what was in flight at the
   kill), recovery (kill → every device reached).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import ROOT

SERVER = r"""
from concurrent.futures import ThreadPoolExecutor
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
import django
django.setup()
from backend.wsgi import application

class Quiet(WSGIRequestHandler):
    def log_message(self, *args): pass

class Pooled(WSGIServer):
    pool = ThreadPoolExecutor(8)
    def process_request(self, request, client_address):
        self.pool.submit(self.work, request, client_address)
    def work(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

server = make_server("127.0.0.1", 0, application, server_class=Pooled, handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
"""


@dataclass
class Load:
    acked: dict[str, float] = field(default_factory=dict)  # key → time acknowledged
    errors: list[tuple[float, int, bool]] = field(default_factory=list)  # (time, status, clean)
    lock: threading.Lock = field(default_factory=threading.Lock)


def is_clean(status: int, headers: Any, raw: bytes) -> bool:
    try:
        body = json.loads(raw)
    except ValueError:
        return False
    return (
        status == 503
        and bool(headers.get("Retry-After"))
        and isinstance(body, dict)
        and set(body) == {"code", "message", "details"}
    )


def submit(base: str, token: str, key: str, photo: bytes) -> tuple[int, Any, bytes]:
    boundary = uuid.uuid4().hex
    fields = {"category": "road-damage", "description": f"Ổ gà {key[:8]}", "lat": "10.7769",
              "lon": "106.7009"}  # fmt: skip
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{base}/api/mobile/v1/reports", data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()
    except OSError:
        return 0, {}, b""


def client(base: str, token: str, photo: bytes, stop_at: float, load: Load) -> None:
    while time.monotonic() < stop_at:
        key = uuid.uuid4().hex
        while True:
            status, headers, raw = submit(base, token, key, photo)
            now = time.monotonic()
            if status in (200, 201):
                with load.lock:
                    load.acked[key] = now
                break
            with load.lock:
                load.errors.append((now, status, is_clean(status, headers, raw)))
            time.sleep(0.2)


def child_env(url: str, media: Path, fcm: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.dev",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": url,
        "HOTLINE_MEDIA_ROOT": str(media),
        "MOBILE_THROTTLE_SUBMIT": "100000/hour",
        "MOBILE_THROTTLE_DEFAULT": "100000/minute",
        "FCM_ENABLED": "1",
        "FCM_CREDENTIALS_FILE": "",
        "FCM_PROJECT_ID": "hotline1022-bench",
        **fcm,  # the fake FCM as the SDK's HTTPS proxy, its CA trusted
        "DIGEST_CATCH_UP_HOURS": "0",
        "LOG_LEVEL": "WARNING",
    }


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker"], cwd=ROOT, env=env,
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_until(check: Any, timeout: float, step: float = 0.5) -> float | None:
    """Seconds until `check()` held, or None after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(step)
    return None


def database_restart(args: Any, datadir: Path, base: str, env: dict[str, str], log: Path) -> None:
    from django.db import connection

    from backend.accounts.models import User
    from backend.accounts.services import token_issue
    from backend.incidents.models import Incident, IncidentPhoto
    from backend.notifications.models import Delivery, DeliveryStatus, Device
    from tests.mobile_api.images import exif_with, jpeg_bytes
    from tools import pgcluster

    photo = jpeg_bytes(size=(1600, 1200), exif=exif_with())
    tokens = []
    for i in range(args.clients):
        user = User.objects.create_user(username=f"+8490{i:07d}", phone=f"+8490{i:07d}")
        Device.objects.create(user=user, token=f"resident-{i}", platform="android")
        tokens.append(token_issue(user=user).access)
    connection.close()
    worker = start_worker(env, log)
    time.sleep(5)  # the worker is up
    load = Load()
    stop_at = time.monotonic() + 6 + args.outage + 10
    threads = [
        threading.Thread(target=client, args=(base, t, photo, stop_at, load)) for t in tokens
    ]
    for t in threads:
        t.start()
    time.sleep(6)
    down_at = time.monotonic()
    pgcluster.stop(datadir)
    time.sleep(args.outage)
    pgcluster.start(datadir)
    up_at = time.monotonic()
    up_wall = time.time()
    for t in threads:
        t.join()
    print("database restart:")
    after = [t for t in load.acked.values() if t > up_at]
    print(f"  outage {up_at - down_at:.1f} s (PostgreSQL stopped, started again)")
    print(f"  web recovery: {min(after) - up_at:.2f} s after PostgreSQL was back" if after else
          "  web recovery: none")  # fmt: skip
    errors = [e for e in load.errors if down_at <= e[0] <= up_at + 5]
    clean = sum(1 for e in errors if e[2])
    statuses: dict[int, int] = {}
    for e in load.errors:
        statuses[e[1]] = statuses.get(e[1], 0) + 1
    print(f"  errors answered: {len(load.errors)} {statuses}; during the outage {len(errors)}, "
          f"clean (503 + error format + Retry-After) {clean} = "
          f"{100 * clean / max(len(errors), 1):.0f} %")  # fmt: skip
    keys = list(load.acked)
    counts = {k: Incident.objects.filter(idempotency_key=k).count() for k in keys}
    lost = sum(1 for c in counts.values() if c == 0)
    duplicated = sum(1 for c in counts.values() if c > 1)
    media = Path(env["HOTLINE_MEDIA_ROOT"])
    photos = IncidentPhoto.objects.filter(incident__idempotency_key__in=keys)
    on_disk = sum(1 for p in photos if (media / str(p.image.name)).is_file())
    missing = len(keys) - on_disk  # one photo per report
    print(f"  acknowledged {len(keys)}, lost {lost}, duplicated {duplicated}, "
          f"photos missing {missing}")  # fmt: skip
    reports = Delivery.objects.filter(event__incident__idempotency_key__in=keys)
    sent = reports.filter(status=DeliveryStatus.SENT)
    drained = wait_until(lambda: sent.count() >= len(keys), 600)
    after_restart = sent.filter(event__incident__created_at__gte=_at(up_wall))
    first_push = after_restart.order_by("sent_at").values_list("sent_at", flat=True).first()
    alive = worker.poll() is None
    restarts = log.read_text(errors="replace").count("starting a new worker")
    print(f"  worker alive after the restart: {'yes' if alive else 'NO'} "
          f"(restarted itself {restarts}×, no human)")  # fmt: skip
    if first_push is not None:
        print(f"  worker recovery: first push of a report filed after the restart "
              f"{first_push.timestamp() - up_wall:.1f} s after PostgreSQL was back")  # fmt: skip
    settled = f"after {drained:.0f} s" if drained is not None else "NOT within 600 s"
    others = reports.exclude(status=DeliveryStatus.SENT).count()
    print(f"  pushes to the reporters of acknowledged reports: {sent.count()} of {len(keys)} "
          f"sent ({settled}), {others} not sent")  # fmt: skip
    worker.send_signal(signal.SIGTERM)
    worker.wait(60)
    connection.close()


def _at(wall: float) -> Any:
    import datetime as dt

    return dt.datetime.fromtimestamp(wall, tz=dt.UTC)


def worker_kill(args: Any, env: dict[str, str], log: Path, fake: Any) -> None:
    from django.db import connection

    from backend.accounts.models import User
    from backend.incidents.models import Status
    from backend.incidents.services.workflow import incident_transition
    from backend.notifications.models import Delivery, DeliveryStatus, Device, Follow
    from backend.units.models import Role
    from tests.incidents.factories import SAIGON, make_incident, make_staff, ward_unit
    from tests.notifications.fake_fcm import Reply

    users = User.objects.bulk_create(User(username=f"follower-{i}") for i in range(args.devices))
    incident = make_incident(reporter=users[0])
    Device.objects.bulk_create(
        Device(user=u, token=f"kill-{u.pk}", platform="android") for u in users
    )
    Follow.objects.bulk_create(Follow(incident=incident, user=u) for u in users[1:])
    fake.default = Reply.ok(delay=0.5)  # a batch of 500 takes a few seconds
    fake.bodies.clear()
    operator = make_staff(Role.OPERATOR, ward_unit(SAIGON), username=f"op-{uuid.uuid4().hex[:6]}")
    incident_transition(actor=operator, incident=incident, to_status=Status.RECEIVED)
    connection.close()
    # the move to `received` (filing the report pushed `new` to the same people first)
    rows = Delivery.objects.filter(event__incident=incident, event__to_status=Status.RECEIVED)
    worker = start_worker(env, log)
    part = args.devices * 3 // 8  # inside a batch job of FCM_JOB_DELIVERIES, not between two
    started = wait_until(lambda: rows.filter(status=DeliveryStatus.SENT).count() >= part, 300, 0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    killed_at = time.monotonic()
    sent_before = rows.filter(status=DeliveryStatus.SENT).count()
    worker = start_worker(env, log)  # the supervisor's restart
    recovered = wait_until(
        lambda: rows.filter(status=DeliveryStatus.SENT).count() == args.devices, 600
    )
    bodies = [b for b in fake.bodies if b["message"]["data"]["status"] == Status.RECEIVED]
    received = {b["message"]["token"] for b in bodies}
    tokens = {f"kill-{u.pk}" for u in users}
    print("worker kill:")
    print(f"  SIGKILL {started or 0:.1f} s after the worker started, mid fan-out: "
          f"{sent_before}/{args.devices} deliveries recorded sent")  # fmt: skip
    print(f"  devices with nothing: {len(tokens - received)}; messages {len(bodies)}, "
          f"duplicates {len(bodies) - len(received)} (in flight at the kill)")  # fmt: skip
    print("  recovery (kill → every device reached): "
          + (f"{time.monotonic() - killed_at:.0f} s" if recovered is not None else "NOT within 600 s"))  # fmt: skip  # noqa: E501
    worker.send_signal(signal.SIGTERM)
    worker.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--outage", type=float, default=5.0)
    parser.add_argument("--devices", type=int, default=2000)
    args = parser.parse_args()

    from tools import pgcluster

    work = Path(tempfile.mkdtemp(prefix="hotline1022-bench-faults-"))
    os.chmod(work, 0o755)
    datadir, media, log = work / "pg", work / "media", work / "worker.log"
    server = None
    try:
        url = pgcluster.start(datadir)
        os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="backend.settings.dev",
                          DJANGO_DEBUG="0", HOTLINE_MEDIA_ROOT=str(media))  # fmt: skip
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        call_command("seed", stdout=io.StringIO())
        from tests.notifications.fake_fcm import FakeFCM

        with FakeFCM(project="hotline1022-bench") as fake:
            env = child_env(url, media, fake.environ())
            server = subprocess.Popen(
                [sys.executable, "-c", SERVER], cwd=ROOT, env=env, stdout=subprocess.PIPE
            )
            assert server.stdout is not None
            base = f"http://127.0.0.1:{server.stdout.readline().decode().strip()}"
            print(f"bench_faults {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
                  f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")  # fmt: skip
            database_restart(args, datadir, base, env, log)
            worker_kill(args, env, log, fake)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        pgcluster.stop(datadir)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
