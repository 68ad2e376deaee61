"""Server CPU per request under the production server, counted from /proc.

    .venv/bin/python bench/bench_server_cpu.py [--database-url postgis://…] [--rounds 5]
        [--creates 200] [--lists 100] [--clients 4]

What another system on the same machine would be charged: user + system time of the gunicorn
processes (`tools.serve`, production settings, 2 workers × 4 threads) and of the PostgreSQL
backends connected to them, read from /proc before and after N requests, divided by N. Two
request types, alternating round by round so that both see the same machine load:

- create: POST /api/mobile/v1/reports without a photo (bearer token, Idempotency-Key, multipart
  as the app sends it), the production throttles and limits on: residents take turns, each
  files at most 20 reports (the limit is 30 an hour);
- list: GET /api/staff/v1/incidents?page_size=100 by the city supervisor (session cookie, TOTP
  verified) — every page of 100 the newest incidents of the whole city.

With `--baseline-ref` the two servers take turns going first (odd rounds this tree, even rounds
the baseline), and every batch waits until the job worker has drained the queue, so neither
shares the cores with the other's notification jobs.

The client runs `--clients` threads with keep-alive (its own CPU is not counted). Prints each
round and the median per type, with the in-process figure (thread CPU inside Django, measured
by bench_submit.py) for comparison. Default database: `hotline1022_bench_server` in var/pg
(migrated and seeded); the figures in docs/PERFORMANCE.md use a copy of the 2M-incident one.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import bench_database
from server_procs import SECRET, CpuMeter, Served, checkout

TARGETS_MS = {"create": 12.0, "list": 25.0}


def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


class Caller:
    """One keep-alive connection per client thread."""

    def __init__(self, port: int):
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> int:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                response.read()
                return response.status
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def credentials(staff_username: str, residents: int) -> tuple[list[str], str]:
    """Residents' bearer tokens and a TOTP-verified supervisor session, made in the database."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from backend.accounts.models import User
    from backend.accounts.services import token_issue

    tokens = []
    for number in range(residents):
        phone = f"+8490{number:07d}"
        resident, _ = User.objects.get_or_create(username=phone, defaults={"phone": phone})
        tokens.append(token_issue(user=resident).access)
    staff = User.objects.get(username=staff_username)
    device, _ = TOTPDevice.objects.get_or_create(
        user=staff, name="bench", defaults={"confirmed": True}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(staff.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    assert session.session_key is not None
    return tokens, session.session_key


def fill_cache(conninfo: str, rows: int) -> None:
    """`rows` live throttle-like entries (other callers) in the cache table, none of the bench's."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as db:
        db.execute("DELETE FROM hotline_cache WHERE cache_key LIKE ':1:throttle_%%'")
        db.execute("DELETE FROM hotline_cache WHERE cache_key LIKE 'bench:%%'")
        db.execute(
            "INSERT INTO hotline_cache (cache_key, value, expires) SELECT 'bench:' || i, "
            "'gAWVIAAAAAAAAABdlChHQdrEwGTCnfZHQdrEwGS/+qNHQdrEwGShrwdlLg==', "
            "now() + interval '1 hour' FROM generate_series(1, %s) i",
            [rows],
        )
        db.execute("VACUUM ANALYZE hotline_cache")


def jobs_drained(conninfo: str, timeout: float = 120.0) -> None:
    """Wait until no job is waiting or running (the workers of both servers share the queue)."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(conninfo, autocommit=True) as db:
        while time.monotonic() < deadline:
            row = db.execute(
                "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
                " AND (scheduled_at IS NULL OR scheduled_at <= now())"
            ).fetchone()
            if row is None or row[0] == 0:
                return
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--creates", type=int, default=200)
    parser.add_argument("--lists", type=int, default=100)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--staff", default="giamsat")
    parser.add_argument(
        "--baseline-ref",
        default="",
        help="also serve this git ref (e.g. main) from an exported copy, rounds alternating",
    )
    parser.add_argument(
        "--cache-rows",
        type=int,
        default=10_000,
        help="live entries in the shared cache table during the run (the throttle counters of "
        "the callers of the last hour at an outbreak peak)",
    )
    args = parser.parse_args()

    os.environ["DJANGO_SECRET_KEY"] = SECRET  # the session's auth hash is keyed by it
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.dev")
        import django

        django.setup()
    else:
        bench_database("hotline1022_bench_server")
    url = os.environ["DATABASE_URL"]
    conninfo = "postgresql" + url[url.index("://") :]
    # production throttle limits: each resident files at most 30 reports an hour
    servers_count = 2 if args.baseline_ref else 1
    residents = servers_count * (args.rounds * args.creates + 8 * args.clients) // 20 + 1
    tokens, session_key = credentials(args.staff, residents)
    next_token = itertools.cycle(tokens).__next__
    fill_cache(conninfo, args.cache_rows)

    env = {"MOBILE_REPORT_MIN_PHOTOS": "0"}
    body_fields = {
        "category": "road-damage",
        "description": "Ổ gà lớn trước nhà số 12",
        "lat": "10.7769",
        "lon": "106.7009",
    }
    proxy = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}  # as nginx forwards it

    def create(caller: Caller) -> int:
        body, boundary = multipart(body_fields)
        return caller.request(
            "POST",
            "/api/mobile/v1/reports",
            body,
            proxy
            | {
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Authorization": f"Bearer {next_token()}",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )

    def page(caller: Caller) -> int:
        return caller.request(
            "GET",
            "/api/staff/v1/incidents?page_size=100",
            None,
            proxy | {"Cookie": f"sessionid={session_key}"},
        )

    kinds: dict[str, tuple[Callable[[Caller], int], int, int]] = {
        "create": (create, args.creates, 201),
        "list": (page, args.lists, 200),
    }
    labels = ["this tree", *([f"baseline {args.baseline_ref}"] if args.baseline_ref else [])]
    figures: dict[tuple[str, str], list[tuple[float, float]]] = {
        (label, name): [] for label in labels for name in kinds
    }
    with contextlib.ExitStack() as stack:
        servers = {labels[0]: stack.enter_context(Served(url, env=env))}
        if args.baseline_ref:
            into = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-base-")))
            root = checkout(args.baseline_ref, into)
            servers[labels[1]] = stack.enter_context(Served(url, env=env, root=root))
        local = threading.local()

        def run(port: int, fn: Callable[[Caller], int], count: int, expect: int) -> None:
            def one(_i: int) -> int:
                callers = local.__dict__.setdefault("callers", {})
                return fn(callers.setdefault(port, Caller(port)))

            with ThreadPoolExecutor(args.clients) as pool:
                codes = list(pool.map(one, range(count)))
            wrong = [code for code in codes if code != expect]
            assert not wrong, f"{len(wrong)} answers other than {expect}: {wrong[:5]}"

        for server in servers.values():  # warm-up: imports, connections, plans
            for fn, _count, expect in kinds.values():
                run(server.port, fn, 4 * args.clients, expect)
        print(f"{'round':>5} {'server':16} {'type':7} {'n':>5} {'web ms':>8} {'db ms':>8} "
              f"{'total ms':>9}")  # fmt: skip
        for number in range(1, args.rounds + 1):
            # Odd rounds serve this tree first, even rounds the baseline first, and each batch
            # starts once the job worker has sent the previous batch's notifications: otherwise
            # whichever server comes second shares the cores with the first one's jobs.
            order = list(servers.items())[:: 1 if number % 2 else -1]
            for name, (fn, count, expect) in kinds.items():
                for label, server in order:
                    jobs_drained(conninfo)
                    with CpuMeter([server], conninfo) as meter:
                        run(server.port, fn, count, expect)
                    web, db = meter.spent()
                    figures[label, name].append((web / count * 1000, db / count * 1000))
                    print(
                        f"{number:5} {label:16} {name:7} {count:5} {web / count * 1000:8.2f} "
                        f"{db / count * 1000:8.2f} {(web + db) / count * 1000:9.2f}",
                        flush=True,
                    )
    print(f"\nmedian server CPU per request (web processes + their PostgreSQL backends), "
          f"load average {os.getloadavg()[0]:.1f}:")  # fmt: skip
    totals: dict[tuple[str, str], float] = {}
    for (label, name), rows in figures.items():
        web = statistics.median(w for w, _ in rows)
        db = statistics.median(d for _, d in rows)
        totals[label, name] = total = statistics.median(w + d for w, d in rows)
        verdict = "met" if total <= TARGETS_MS[name] else "NOT met"
        print(
            f"  {label:16} {name:7} {total:6.2f} ms (web {web:.2f}, PostgreSQL {db:.2f}); "
            f"target ≤ {TARGETS_MS[name]:.0f} ms: {verdict}"
        )
    if args.baseline_ref:
        for name in kinds:
            ratio = totals[labels[0], name] / totals[labels[1], name]
            print(f"  {name}: this tree / {args.baseline_ref} = {ratio:.2f}×")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
