"""Mobile submit benchmark: POST /api/mobile/v1/reports through a local HTTP server.

    .venv/bin/python bench/bench_submit.py [--photo-runs 60] [--plain-runs 200]

1. One 12-megapixel JPEG (4000×3000, ~3 MB, EXIF GPS + orientation) per report: server-side
   median/p95 (WSGI wall time inside the server process, including reading the request body
   from the socket; that part is also reported on its own), compared with the fastest
   bare-Pillow pipeline (draft decode + 1600 px + orientation + 320 px + encode). The two
   alternate run by run, so both see the same machine load.
2. Reports without photos, 4 concurrent clients: server CPU per request (thread CPU time) and
   reports/s.
The server is a wsgiref server with a pool of 4 long-lived worker threads (like gunicorn's gthread
worker, so database connections persist as in production) in a child process (settings dev,
DEBUG off) on its own database `hotline1022_bench_submit`; peak RSS of that process (after the
photo runs and at the end) and of the bench process (client + baseline) is reported.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from common import ROOT, bench_database, percentile

SERVER = r"""
import json, resource, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
import django
django.setup()
from backend.wsgi import application as app  # the production entry point (gc.freeze, malloc)
samples, lock = [], threading.Lock()

def timed(environ, start_response):
    if environ["PATH_INFO"] == "/__bench":
        with lock:
            body = json.dumps({"samples": samples, "maxrss_kb": resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss}).encode()
            if environ["REQUEST_METHOD"] == "DELETE":
                samples.clear()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
    body, reading = environ["wsgi.input"], [0.0]

    class Timed:  # the part of the wall time spent waiting for / copying request body bytes
        def read(self, *args):
            t = time.perf_counter()
            try:
                return body.read(*args)
            finally:
                reading[0] += time.perf_counter() - t

        def readline(self, *args):
            t = time.perf_counter()
            try:
                return body.readline(*args)
            finally:
                reading[0] += time.perf_counter() - t

    environ["wsgi.input"] = Timed()
    wall, cpu = time.perf_counter(), time.thread_time()
    result = list(app(environ, start_response))
    with lock:
        samples.append((time.perf_counter() - wall, time.thread_time() - cpu, reading[0]))
    return result

class Quiet(WSGIRequestHandler):
    def log_message(self, *args): pass

class Pooled(WSGIServer):
    # A fixed pool of long-lived worker threads, like gunicorn's gthread worker: each thread keeps
    # its database connection (CONN_MAX_AGE). ThreadingMixIn would start a thread, and so open a
    # new PostgreSQL connection with cold catalog caches, for every request.
    pool = ThreadPoolExecutor(4)

    def process_request(self, request, client_address):
        self.pool.submit(self.work, request, client_address)

    def work(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

server = make_server("127.0.0.1", 0, timed, server_class=Pooled, handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
"""


def twelve_megapixel_jpeg() -> bytes:
    from PIL import Image, ImageFilter

    sys.path.insert(0, str(ROOT))
    from tests.mobile_api.images import exif_with

    base = Image.merge("RGB", [Image.effect_noise((500, 375), s) for s in (60, 70, 80)])
    im = base.filter(ImageFilter.GaussianBlur(2)).resize((4000, 3000), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((4000, 3000), 18).convert("RGB")
    im = Image.blend(im, grain, 0.25)
    out = io.BytesIO()
    # Quality 91 (phone cameras save at ~90-95) gives ~3.0 MB, like a 12 MP phone photo.
    im.save(out, "JPEG", quality=91, exif=exif_with(orientation=6).tobytes())
    return out.getvalue()


def bare_pillow(data: bytes) -> None:
    """The fastest honest pipeline: draft decode, display size, orientation, thumbnail, encode.

    Same output sizes, filters and qualities as the product. Orientation is applied after the
    resize (a square box gives the same pixels, and 1600×1200 is cheaper to rotate than the
    2000×1500 draft decode); ImageOps.exif_transpose on the draft image is ~5 ms slower.
    """
    from PIL import Image

    t = Image.Transpose
    operations: dict[object, Image.Transpose] = {
        2: t.FLIP_LEFT_RIGHT,
        3: t.ROTATE_180,
        4: t.FLIP_TOP_BOTTOM,
        5: t.TRANSPOSE,
        6: t.ROTATE_270,
        7: t.TRANSVERSE,
        8: t.ROTATE_90,
    }
    im = Image.open(io.BytesIO(data))
    transpose = operations.get(im.getexif().get(0x0112))
    im.draft("RGB", (1600, 1200))
    im.thumbnail((1600, 1600), Image.Resampling.BICUBIC, reducing_gap=None)
    display = im.transpose(transpose) if transpose is not None else im
    thumb = display.copy()
    thumb.thumbnail((320, 320), Image.Resampling.BICUBIC)
    for picture, quality in ((display, 82), (thumb, 78)):
        picture.save(io.BytesIO(), "JPEG", quality=quality)


def multipart(fields: dict[str, str], photo: bytes | None) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    if photo is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
            f'filename="IMG_0001.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + photo
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def post(base: str, token: str, photo: bytes | None) -> int:
    fields = {
        "category": "road-damage",
        "description": "Ổ gà lớn",
        "lat": "10.7769",
        "lon": "106.7009",
    }
    body, boundary = multipart(fields, photo)
    request = urllib.request.Request(f"{base}/api/mobile/v1/reports", data=body, method="POST")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Idempotency-Key", uuid.uuid4().hex)
    with urllib.request.urlopen(request, timeout=60) as response:
        return int(response.status)


def stats(base: str, reset: bool = True) -> dict[str, Any]:
    request = urllib.request.Request(f"{base}/__bench", method="DELETE" if reset else "GET")
    with urllib.request.urlopen(request) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photo-runs", type=int, default=60)
    parser.add_argument("--plain-runs", type=int, default=200)
    args = parser.parse_args()

    os.environ.update(
        MOBILE_REPORT_MIN_PHOTOS="0",
        MOBILE_THROTTLE_SUBMIT="100000/hour",
        MOBILE_THROTTLE_DEFAULT="100000/minute",
        HOTLINE_MEDIA_ROOT=str(ROOT / "var" / "bench-media"),
        LOG_LEVEL="WARNING",
    )
    bench_database("hotline1022_bench_submit")
    from backend.accounts.models import User
    from backend.accounts.services import token_issue

    user, _ = User.objects.get_or_create(
        username="+84900000000", defaults={"phone": "+84900000000"}
    )
    token = token_issue(user=user).access

    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=os.environ
    )
    try:
        assert server.stdout is not None
        base = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        photo = twelve_megapixel_jpeg()
        print(f"photo: 4000x3000 JPEG, {len(photo) / 1e6:.2f} MB, EXIF orientation 6 + GPS")

        for _ in range(3):
            assert post(base, token, photo) == 201  # warm-up: imports, caches, connection
            bare_pillow(photo)
        stats(base)
        baseline, baseline_cpu = [], []
        for _ in range(args.photo_runs):  # alternate, so that both see the same machine load
            assert post(base, token, photo) == 201
            t, cpu = time.perf_counter(), time.thread_time()
            bare_pillow(photo)
            baseline.append(time.perf_counter() - t)
            baseline_cpu.append(time.thread_time() - cpu)
        report = stats(base)
        walls = [w for w, _cpu, _read in report["samples"]]
        cpus = [c for _w, c, _read in report["samples"]]
        reads = [r for _w, _cpu, r in report["samples"]]
        median, p95 = percentile(walls, 50), percentile(walls, 95)
        base_median, base_p95 = percentile(baseline, 50), percentile(baseline, 95)
        print(f"submit with photo: median {median * 1e3:.0f} ms, p95 {p95 * 1e3:.0f} ms "
              f"(n={len(walls)}, server-side; of which reading the body from the socket: "
              f"median {percentile(reads, 50) * 1e3:.1f} ms)")  # fmt: skip
        paired = percentile([w / b for w, b in zip(walls, baseline, strict=True)], 50)
        print(
            f"bare Pillow baseline: median {base_median * 1e3:.0f} ms, p95 {base_p95 * 1e3:.0f} ms"
            f" → ratio {median / base_median:.2f}× (median of run-by-run ratios {paired:.2f}×)"
        )
        print(f"CPU time (request thread / baseline): median {percentile(cpus, 50) * 1e3:.0f} ms"
              f" / {percentile(baseline_cpu, 50) * 1e3:.0f} ms"
              f" → {percentile(cpus, 50) / percentile(baseline_cpu, 50):.2f}×")  # fmt: skip
        print(f"server peak RSS after the photo runs: {int(report['maxrss_kb']) / 1024:.0f} MB")

        for _ in range(5):
            post(base, token, None)
        stats(base)
        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda _i: post(base, token, None), range(args.plain_runs)))
        elapsed = time.perf_counter() - started
        assert set(codes) == {201}, set(codes)
        report = stats(base)
        samples = report["samples"]
        cpus = [c for _w, c, _read in samples]
        print(f"submit without photo, 4 clients: {len(codes) / elapsed:.1f} reports/s, server CPU "
              f"median {percentile(cpus, 50) * 1e3:.1f} ms, "
              f"p95 {percentile(cpus, 95) * 1e3:.1f} ms "
              f"per report")  # fmt: skip
        print(f"server peak RSS (whole run): {int(report['maxrss_kb']) / 1024:.0f} MB")
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"bench process peak RSS (client + baseline): {own:.0f} MB")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
