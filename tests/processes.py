"""Helpers for tests that start real server processes: free ports, the test database's URL,
child processes read from /proc, waiting for an HTTP answer."""

from __future__ import annotations

import http.client
import os
import time
from pathlib import Path

from django.db import connection

from tools.pgcluster import free_port

__all__ = ["children", "free_port", "get", "session_database_url", "wait_for"]


def session_database_url() -> str:
    """postgis:// URL of the database this test session migrated (test_…), for child processes."""
    s = connection.settings_dict
    return f"postgis://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def children(pid: int) -> dict[int, str]:
    """pid → command line of the direct children of `pid`."""
    found: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(stat.parent.name)] = cmdline.decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
    return found


def get(port: int, path: str, timeout: float = 30.0) -> tuple[int, bytes]:
    """One GET on a fresh connection (as a load balancer without pooling would send it)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": "localhost"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_for(check: object, timeout: float = 60.0, interval: float = 0.2) -> None:
    """Call `check()` until it returns a true value (exceptions count as not yet)."""
    assert callable(check)
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"not ready after {timeout} s (last error: {last!r})")


def env_without(*names: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in names}
