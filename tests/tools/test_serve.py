"""`make run`'s supervisor (tools/serve.py) with real gunicorn and a real job worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.processes import children, env_without, free_port, get, session_database_url, wait_for

# The servers read the session's migrated and seeded test database (committed data only).
pytestmark = pytest.mark.django_db


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def kids(self, word: str) -> dict[int, str]:
        return {pid: cmd for pid, cmd in children(self.proc.pid).items() if word in cmd}

    def web_workers(self) -> set[int]:
        (master,) = self.kids("gunicorn")
        return set(children(master))


@pytest.fixture(scope="module")
def served(django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    var = tmp_path_factory.mktemp("serve-var")
    (var / "static").mkdir()
    (var / "static" / "probe.txt").write_text("served by whitenoise")
    port = free_port()
    env = {
        **env_without("TEST_DATABASE_URL"),
        "DJANGO_SETTINGS_MODULE": "backend.settings.dev",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": session_database_url(),
        "HOTLINE_VAR_DIR": str(var),
        "WEB_WORKERS": "2",
        "WEB_THREADS": "2",
    }
    log = var / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tools.serve", "--bind", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    served = Served(proc, port, log)
    try:
        wait_for(lambda: get(port, "/healthz")[0] == 200 and served.kids("manage.py worker"))
        yield served
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_serves_the_app_and_static_files_through_gunicorn(served: Served) -> None:
    status, body = get(served.port, "/healthz")
    assert (status, b'"status": "ok"' in body) == (200, True)
    assert get(served.port, "/static/probe.txt") == (200, b"served by whitenoise")
    assert len(served.web_workers()) == 2


def test_hup_reloads_without_dropping_a_request(served: Served) -> None:
    before = served.web_workers()
    results: list[int | str] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                results.append(get(served.port, "/healthz")[0])
            except OSError as exc:
                results.append(repr(exc))

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    served.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: served.web_workers().isdisjoint(before) and len(served.web_workers()) == 2)
    time.sleep(1.0)  # keep asking while the old workers finish
    stop.set()
    for t in threads:
        t.join()
    assert len(results) > 20
    assert set(results) == {200}, [r for r in results if r != 200][:5]


def one_worker(served: Served, other_than: int = 0) -> int | None:
    """The pid of the one job worker running, if exactly one (and not `other_than`) runs."""
    pids = set(served.kids("manage.py worker")) - {other_than}
    return pids.pop() if len(pids) == 1 else None


def test_a_dead_job_worker_is_started_again(served: Served) -> None:
    wait_for(lambda: one_worker(served))  # a reload by an earlier test restarts it too
    old = one_worker(served)
    assert old is not None
    os.kill(old, signal.SIGKILL)
    wait_for(lambda: one_worker(served, other_than=old))
    new = one_worker(served, other_than=old)
    time.sleep(1.0)
    assert served.proc.poll() is None
    assert new in served.kids("manage.py worker")  # the new one keeps running
    assert b"worker exited (-9)" in served.log.read_bytes()


def test_term_stops_everything(served: Served) -> None:
    kids = set(children(served.proc.pid))
    served.proc.terminate()
    assert served.proc.wait(60) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in kids)
