"""Two real web processes with the default CACHES (the database cache) share one rate limit."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tools.pgcluster import free_port

SERVE = (
    "import sys; from wsgiref.simple_server import make_server, WSGIRequestHandler;"
    "from backend.wsgi import application;"
    "WSGIRequestHandler.log_message = lambda *a: None;"
    "make_server('127.0.0.1', int(sys.argv[1]), application).serve_forever()"
)


def _status(url: str, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.fixture
def two_servers(db: Any) -> Iterator[list[str]]:
    conf = connection.settings_dict
    prefix = f"t{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.dev",  # base CACHES: the database cache
        "DATABASE_URL": f"postgis://{conf['USER']}@{conf['HOST']}:{conf['PORT']}/{conf['NAME']}",
        "CACHE_KEY_PREFIX": prefix,
        "MOBILE_THROTTLE_SIGN_IN": "3/hour",
        "DJANGO_DEBUG": "0",
    }
    ports = [free_port(), free_port()]
    servers = [
        subprocess.Popen([sys.executable, "-c", SERVE, str(port)], env=env, cwd=settings.BASE_DIR)
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 60
        for base in bases:
            while _status_or_none(f"{base}/healthz") != 200:
                assert time.monotonic() < deadline, "web process did not start"
                time.sleep(0.2)
        yield bases
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        # the servers committed their rows: delete them outside this test's transaction
        with psycopg.connect(
            dbname=conf["NAME"], user=conf["USER"], host=conf["HOST"], port=conf["PORT"]
        ) as own:
            own.execute("DELETE FROM hotline_cache WHERE cache_key LIKE %s", [f"{prefix}:%"])


def _status_or_none(url: str) -> int | None:
    try:
        return _status(url)
    except OSError:
        return None


def test_two_web_processes_count_one_limit(two_servers: list[str]) -> None:
    first, second = two_servers
    sign_in = "/api/mobile/v1/auth/token"
    answers = [_status(f"{base}{sign_in}", b"{}") for base in (first, second, first, second)]
    assert answers == [400, 400, 400, 429]  # three attempts in all, wherever they landed
