"""Load test: the traffic mix of bench/locust_mix.py (locust) against the production server.

    .venv/bin/python bench/bench_load.py [--database-url postgis://…] [--seconds 30]
        [--phases peak,max,scale] [--scale-runs 3]

The server is `tools.serve` (gunicorn, backend/gunicorn_conf.py, production settings) with
photos in a SeaweedFS S3 bucket (tools/seaweedfs.py), on the given database (default
`hotline1022_bench_load` in var/pg, migrated and seeded; docs/PERFORMANCE.md uses a copy of the
2M-incident one). Phases:

- peak: the outbreak peak of the seed's city (2M messages a year is 0.07/s on average; ×50 is
  3.2/s): 3 submits with a photo/s, 3 "my reports"/s, 1 staff list page/s + 4 map tiles/s,
  1 Open311 read/s (12 requests/s) — p95 per request type and errors;
- max: the same mix ×2, ×4, … until a step fails (an error, p95 above 1 s, or under 95 % of
  the offered rate): the maximum sustainable rate is the last step that held;
- scale: one web process ("machine": gunicorn with 1 worker × 4 threads and its job worker
  under tools.serve, in a CPU cgroup of `--machine-cores` cores, bench/cpu_machines.py) behind
  nginx, then two of them on two ports behind the same nginx, sharing PostgreSQL and the S3
  store; closed-loop saturation (users send back to back), alternating A/B `--scale-runs`
  times; requests/s and the server CPU per request (/proc) of each. On 2 cores, two machines
  of 0.5 core leave one core to PostgreSQL, nginx and locust, so the ratio is the web tier's.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cpu_machines
from common import ROOT, bench_database
from server_procs import SECRET, CpuMeter, Served, free_port

PEAK_USERS = 9  # 6 residents (1 task/s), 2 staff (2.5 tasks/s), 1 Open311 client (1/s)
BUCKET = "hotline1022-photos"


def photo_bytes() -> bytes:
    """A 1600×1200 JPEG with texture (~0.5 MB): a phone photo as apps send it, resized."""
    import random

    from PIL import Image, ImageFilter

    rng = random.Random(7)
    noise = Image.effect_noise((1600, 1200), 40).filter(ImageFilter.BLUR)
    bands = [noise.point(lambda v, o=offset: v + o) for offset in rng.sample(range(90), 3)]
    image = Image.merge("RGB", bands)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def prepare(residents: int) -> dict[str, Any]:
    """Residents' tokens, a TOTP-verified supervisor session with its map token, an API key."""
    from bench_server_cpu import credentials

    from backend.accounts.api_keys import api_client_create
    from backend.accounts.models import User
    from backend.staff import map_tokens

    tokens, session_key = credentials("giamsat", residents)

    map_token = map_tokens.issue(User.objects.get(username="giamsat"))["token"]
    api_key = api_client_create(name="bench load", rate_limit="1000000/hour").key
    return {"tokens": tokens, "session": session_key, "map_token": map_token, "api_key": api_key}


def clear_counters(conninfo: str) -> None:
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as db:
        db.execute("DELETE FROM hotline_cache WHERE cache_key LIKE ':1:throttle_%%'")


@contextlib.contextmanager
def s3_store() -> Iterator[dict[str, str]]:
    import boto3
    from botocore.config import Config

    from tools import seaweedfs

    server = seaweedfs.start(volumes=64)  # 4 GB: every photo of every phase
    s3 = boto3.client(
        "s3", endpoint_url=server.endpoint, aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key, region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )  # fmt: skip
    for _ in range(100):  # the filer may still be joining the master
        try:
            s3.create_bucket(Bucket=BUCKET)
            break
        except Exception:  # not ready yet
            time.sleep(0.3)
    try:
        yield {
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": server.endpoint,
            "S3_ACCESS_KEY_ID": server.access_key,
            "S3_SECRET_ACCESS_KEY": server.secret_key,
            "S3_REGION": "us-east-1",
        }
    finally:
        server.stop()


@contextlib.contextmanager
def nginx(upstreams: list[int]) -> Iterator[int]:
    """The distribution's nginx on a free port, balancing over `upstreams` (keep-alive)."""
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    servers = "".join(f"    server 127.0.0.1:{p};\n" for p in upstreams)
    (work / "nginx.conf").write_text(f"""
user root;
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_max_body_size 25m;
  client_body_buffer_size 1m;
  client_body_temp_path {work}/body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  upstream web {{
{servers}    keepalive 64;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host 127.0.0.1;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto https;
    }}
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", str(work / "nginx.conf"), "-p", str(work)])
    try:
        time.sleep(0.5)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)


def run_locust(
    host: str, config: dict[str, Any], users: int, seconds: int, closed: bool = False
) -> dict[str, dict[str, float]]:
    """One locust run; per request name (and "Aggregated"): requests/s, p50, p95, failures."""
    work = Path(tempfile.mkdtemp(prefix="bench-locust-"))
    try:
        (work / "config.json").write_text(json.dumps(config | {"closed": closed}))
        env = dict(os.environ, LOAD_CONFIG=str(work / "config.json"))
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locust_mix.py"),
             "--headless", "--host", host, "-u", str(users), "-r", str(users),
             "-t", f"{seconds}s", "--csv", str(work / "run"), "--only-summary",
             "--loglevel", "WARNING", "--exit-code-on-error", "0"],
            env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        rows = {}
        with (work / "run_stats.csv").open() as f:
            for row in csv.DictReader(f):
                rows[row["Name"]] = {
                    "count": float(row["Request Count"]),
                    "failures": float(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50": float(row["50%"]),
                    "p95": float(row["95%"]),
                }
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def show(rows: dict[str, dict[str, float]]) -> None:
    for name, row in rows.items():
        print(
            f"    {name:20} {row['rps']:7.1f}/s  p50 {row['p50']:6.0f} ms  "
            f"p95 {row['p95']:6.0f} ms  errors {row['failures']:.0f}/{row['count']:.0f}"
        )


def held(rows: dict[str, dict[str, float]], offered: float) -> bool:
    total = rows["Aggregated"]
    return total["failures"] == 0 and total["p95"] <= 1000 and total["rps"] >= 0.95 * offered


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--phases", default="peak,max,scale")
    parser.add_argument("--scale-runs", type=int, default=3)
    parser.add_argument("--residents", type=int, default=1500)
    parser.add_argument(
        "--machine-cores", type=float, default=0.5,
        help="scale phase: CPU quota of each web 'machine' (0: none, share the host's cores)",
    )  # fmt: skip
    args = parser.parse_args()
    phases = set(args.phases.split(","))

    os.environ["DJANGO_SECRET_KEY"] = SECRET
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.dev")
        import django

        django.setup()
    else:
        bench_database("hotline1022_bench_load")
    url = os.environ["DATABASE_URL"]
    conninfo = "postgresql" + url[url.index("://") :]
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    atexit.register(shutil.rmtree, work, True)
    config = prepare(args.residents) | {"photo": str(work / "photo.jpg")}
    (work / "photo.jpg").write_bytes(photo_bytes())
    print(f"photo {len(photo_bytes()) // 1024} KB; load average {os.getloadavg()[0]:.1f}")
    env = {"MAP_TOKEN_SECONDS": "3600", "HOTLINE_SERVE_MEDIA": "0"}
    peak_rate = 6 * 1.0 + 2 * 2.5 + 1 * 1.0

    with s3_store() as s3:
        env |= s3
        if phases & {"peak", "max"}:
            with Served(url, env=env) as server:
                clear_counters(conninfo)
                run_locust(server.base, config, PEAK_USERS, 10)  # warm-up
                factor = 1
                while True:
                    clear_counters(conninfo)
                    offered = peak_rate * factor
                    with CpuMeter([server], conninfo) as meter:
                        rows = run_locust(server.base, config, PEAK_USERS * factor, args.seconds)
                    ok = held(rows, offered)
                    label = "peak" if factor == 1 else f"peak ×{factor}"
                    web, db = meter.spent()
                    served = rows["Aggregated"]["count"]
                    per_request = (web + db) / served * 1000
                    print(f"  {label}: offered {offered:.0f} requests/s — "
                          f"{'held' if ok else 'NOT held'}; server CPU {per_request:.1f} ms per "
                          f"request of the mix (web {web / served * 1000:.1f}, PostgreSQL "
                          f"{db / served * 1000:.1f}) = {2000 / per_request:.0f} requests/s on "
                          f"2 free cores; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
                    show(rows)
                    if not ok or "max" not in phases:
                        break
                    factor *= 2
        if "scale" in phases:
            scale(url, conninfo, config, env, args)


def scale(url: str, conninfo: str, config: dict[str, Any], env: dict[str, str], args: Any) -> None:
    one = env | {"WEB_WORKERS": "1", "WEB_THREADS": "4"}
    results: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
    users = 40
    print(f"\n  scale-out: closed loop, {users} users, {args.seconds} s per run")
    with contextlib.ExitStack() as stack:
        preexec: list[Any] = [None, None]
        if args.machine_cores and cpu_machines.available():
            machines = [
                stack.enter_context(cpu_machines.CpuMachine(name, args.machine_cores))
                for name in ("web1", "web2")
            ]
            preexec = [m.enter for m in machines]
            print(f"  each web process is a machine of {args.machine_cores} core (CPU cgroup)")
        elif args.machine_cores:
            print("  no writable CPU cgroup here: the web processes share the host's cores")
        first = stack.enter_context(Served(url, env=one, preexec=preexec[0]))
        second = stack.enter_context(Served(url, env=one, preexec=preexec[1]))
        single = stack.enter_context(nginx([first.port]))
        double = stack.enter_context(nginx([first.port, second.port]))
        for run in range(1, args.scale_runs + 1):
            for count, port in ((1, single), (2, double)):
                clear_counters(conninfo)
                servers = [first, second][:count]
                with CpuMeter(servers, conninfo) as meter:
                    rows = run_locust(f"http://127.0.0.1:{port}", config, users, args.seconds,
                                      closed=True)  # fmt: skip
                cpu = sum(meter.spent())
                total = rows["Aggregated"]
                per_request = cpu / total["count"] * 1000 if total["count"] else 0.0
                results[count].append((total["rps"], per_request, total["failures"]))
                print(f"    run {run}, {count} web process(es): {total['rps']:6.1f} requests/s, "
                      f"p95 {total['p95']:.0f} ms, errors {total['failures']:.0f}, server CPU "
                      f"{per_request:.1f} ms/request, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    rps = {n: statistics.median(r for r, _, _ in rows) for n, rows in results.items()}
    cpu = {n: statistics.median(c for _, c, _ in rows) for n, rows in results.items()}
    print(f"  median: one {rps[1]:.1f}/s, two {rps[2]:.1f}/s = {rps[2] / rps[1]:.2f}×; server "
          f"CPU per request {cpu[1]:.1f} vs {cpu[2]:.1f} ms ({cpu[2] / cpu[1]:.2f}×)")  # fmt: skip


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
