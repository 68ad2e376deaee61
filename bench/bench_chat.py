"""Chat webhook benchmark: signed Zalo events into one web process, work deferred.

    .venv/bin/python bench/bench_chat.py [--events 6000] [--clients 16] [--duplicates 0.1]

The instance: a PostgreSQL cluster of the bench's own in a temporary directory (var/pg is not
touched), migrated and seeded; gunicorn with ONE gthread worker process (8 threads, the
production config `backend/gunicorn_conf.py`), settings dev with DEBUG off. The clients are
threads on keep-alive connections sending `user_send_text` events signed as Zalo signs them
(X-ZEvent-Signature); a share of them (--duplicates) is sent twice, as Zalo's retries do.

Prints, for the webhook and — as the baseline, same server, same clients, same run — the
health check (`/healthz`: one SELECT): events/s, latency median/p95/p99 (the acknowledgement),
and the ratio webhook/baseline. Then checks nothing was lost or duplicated: every
acknowledged event is one `InboundEvent` row with one handling job, every duplicate was answered
200 and stored nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import io
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from common import ROOT, summary

APP_ID, SECRET = "bench-app", "bench-oa-secret"
Request = tuple[str, str, bytes, dict[str, str]]  # method, path, body, headers


def signed(event: dict[str, Any]) -> tuple[bytes, str]:
    body = json.dumps(event, ensure_ascii=False).encode()
    data = APP_ID.encode() + body + event["timestamp"].encode() + SECRET.encode()
    return body, "mac=" + hashlib.sha256(data).hexdigest()


def event(n: int) -> dict[str, Any]:
    user = f"bench-user-{n % 500}"
    return {
        "app_id": APP_ID,
        "event_name": "user_send_text",
        "sender": {"id": user},
        "recipient": {"id": "oa"},
        "message": {"msg_id": f"bench-msg-{n}", "text": f"Đèn đường hỏng số {n}"},
        "timestamp": str(int(time.time() * 1000)),
    }


def run(port: int, requests: list[tuple[str, str, bytes, dict[str, str]]], clients: int) -> Any:
    """Send `requests` from `clients` threads; (wall seconds, latencies, statuses)."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    shares = [requests[i::clients] for i in range(clients)]

    def client(share: list[tuple[str, str, bytes, dict[str, str]]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, codes = [], []
        for method, path, body, headers in share:
            start = time.perf_counter()
            conn.request(method, path, body=body or None, headers=headers)
            answer = conn.getresponse()
            answer.read()
            mine.append(time.perf_counter() - start)
            codes.append(answer.status)
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.extend(codes)

    threads = [threading.Thread(target=client, args=(s,)) for s in shares]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, statuses


def paced(
    port: int, requests: list[tuple[str, str, bytes, dict[str, str]]], rate: float, clients: int
) -> Any:
    """Send `requests` at `rate` per second (open loop: request i leaves at t0 + i/rate, from
    whichever of `clients` threads is free); (wall seconds, latencies, statuses)."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    t0 = time.perf_counter() + 0.2
    shares = [list(range(i, len(requests), clients)) for i in range(clients)]

    def client(indexes: list[int]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, codes = [], []
        for i in indexes:
            wait = t0 + i / rate - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            method, path, body, headers = requests[i]
            start = time.perf_counter()
            conn.request(method, path, body=body or None, headers=headers)
            answer = conn.getresponse()
            answer.read()
            mine.append(time.perf_counter() - start)
            codes.append(answer.status)
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.extend(codes)

    threads = [threading.Thread(target=client, args=(s,)) for s in shares]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, statuses


def floor(url: str, events: list[dict[str, Any]], threads: int) -> Any:
    """The database's floor for the same work without Python web code: `threads` connections
    each inserting events (the same INSERT … ON CONFLICT, one commit each) and deferring their
    job as procrastinate does (its `procrastinate_defer_jobs_v1`, inside the same
    transaction); (wall seconds, latencies, statuses)."""
    import psycopg

    sql_event = (
        "INSERT INTO conversations_inboundevent (channel, message_id, sender, payload, received_at)"
        " VALUES ('zalo', %s, %s, %s::jsonb, now()) ON CONFLICT (channel, message_id) DO NOTHING"
        " RETURNING id"
    )
    sql_job = (
        "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('conversations', 'floor', 0, %s, NULL,"
        " %s::jsonb, NULL)::procrastinate_job_to_defer_v1])"
    )
    latencies: list[float] = []
    lock = threading.Lock()
    shares = [events[i::threads] for i in range(threads)]

    def worker(share: list[dict[str, Any]]) -> None:
        mine = []
        with psycopg.connect(url.replace("postgis://", "postgresql://")) as conn:
            for e in share:
                start = time.perf_counter()
                with conn.transaction(), conn.cursor() as cur:
                    msg = "floor-" + e["message"]["msg_id"]
                    cur.execute(sql_event, [msg, e["sender"]["id"], json.dumps(e)])
                    (row,) = cur.fetchall()
                    cur.execute(
                        sql_job, [f"c:{e['sender']['id']}", json.dumps({"event_id": row[0]})]
                    )
                mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker, args=(s,)) for s in shares]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - start, latencies, [200] * len(latencies)


def report(name: str, wall: float, latencies: list[float], statuses: list[int]) -> float:
    stats = summary(latencies)
    rate = len(latencies) / wall
    bad = sum(1 for s in statuses if s != 200)
    print(f"  {name:<10} {rate:7.0f} req/s   median {stats['median'] * 1000:6.2f} ms   "
          f"p95 {stats['p95'] * 1000:6.2f} ms   p99 {stats['p99'] * 1000:6.2f} ms   "
          f"non-200: {bad}")  # fmt: skip
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duplicates", type=float, default=0.1)
    parser.add_argument("--rate", type=float, default=300.0, help="paced phase: events/s")
    args = parser.parse_args()

    from tools import pgcluster

    work = Path(tempfile.mkdtemp(prefix="hotline1022-bench-chat-"))
    os.chmod(work, 0o755)
    server = None
    try:
        url = pgcluster.start(work / "pg")
        env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="backend.settings.dev",
                   DJANGO_DEBUG="0", ZALO_APP_ID=APP_ID, ZALO_OA_SECRET_KEY=SECRET,
                   HOTLINE_MEDIA_ROOT=str(work / "media"))  # fmt: skip
        os.environ.update(env)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        call_command("seed", stdout=io.StringIO())
        port = pgcluster.free_port()
        env.update(WEB_BIND=f"127.0.0.1:{port}", WEB_WORKERS="1", WEB_THREADS="8")
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "python:backend.gunicorn_conf",
             "backend.wsgi"], cwd=ROOT, env=env,
        )  # fmt: skip
        for _ in range(600):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        print(f"bench_chat {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
              f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, {args.events} events, "
              f"{args.clients} clients, one gunicorn worker (8 threads)")  # fmt: skip
        health: list[Request] = [("GET", "/healthz", b"", {})] * args.events
        run(port, health[:500], args.clients)  # warm-up: connections, imports
        events = [event(n) for n in range(args.events)]
        requests: list[Request] = []
        for n, e in enumerate(events):
            if n == args.events // 2:
                split = len(requests)
            body, mac = signed(e)
            headers = {"Content-Type": "application/json", "X-ZEvent-Signature": mac}
            requests.append(("POST", "/api/conversations/v1/zalo/events", body, headers))
            if n % max(1, round(1 / args.duplicates)) == 0 if args.duplicates else False:
                requests.append(requests[-1])  # Zalo's retry of the same event
        half = len(requests) - split
        print(f"closed loop ({args.clients} clients, as fast as answered):")
        base = report("/healthz", *run(port, health[:half], args.clients))
        bare = report("bare SQL", *floor(url, events[args.events // 2 :], 8))
        hook = report("webhook", *run(port, requests[split:], args.clients))
        print(f"  webhook throughput = {hook / base:.2f}× the health check's, "
              f"{hook / bare:.2f}× the bare SQL floor (8 connections)")  # fmt: skip
        print(f"open loop at {args.rate:.0f}/s ({2 * args.clients} client threads):")
        report("/healthz", *paced(port, health[:split], args.rate, 2 * args.clients))
        report("webhook", *paced(port, requests[:split], args.rate, 2 * args.clients))
        from procrastinate.contrib.django.models import ProcrastinateJob

        from backend.conversations.models import InboundEvent

        stored = InboundEvent.objects.filter(message_id__startswith="bench-msg-").count()
        jobs = ProcrastinateJob.objects.filter(task_name="conversation_handle_event").count()
        distinct = len({e["message"]["msg_id"] for e in events})
        print(f"  sent {len(requests)} (of which {len(requests) - distinct} duplicates); "
              f"stored {stored} of {distinct} distinct, jobs {jobs}: lost "
              f"{distinct - stored}, duplicated {stored - distinct + jobs - distinct}")  # fmt: skip
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        pgcluster.stop(work / "pg")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
