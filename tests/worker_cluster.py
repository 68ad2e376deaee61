"""A PostgreSQL cluster of a test's own, holding a copy of the seeded test database, and real
`manage.py worker` processes on it: for faults that stop the server or kill a worker, which the
session's cluster (shared by every test) must never see."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from tools import pgcluster

COPY = "faults"


class OwnCluster:
    def __init__(self) -> None:
        self.datadir = Path(tempfile.mkdtemp(prefix="hotline1022-faults-"))
        os.chmod(self.datadir, 0o755)
        pgcluster.start(self.datadir, fast_unsafe=True)
        self.port = (self.datadir / "port").read_text().strip()
        self.url = pgcluster.url(self.datadir, COPY)

    def copy_of(self, source: dict[str, Any]) -> None:
        """Restore a dump of the (seeded, committed) session test database as `faults`."""
        pgcluster.ensure_database(self.port, COPY)
        dump = subprocess.run(
            [str(pgcluster.bindir() / "pg_dump"), "-Fc", "-h", str(source["HOST"]),
             "-p", str(source["PORT"]), "-U", str(source["USER"]), str(source["NAME"])],
            check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [str(pgcluster.bindir() / "pg_restore"), "--no-owner", "-h", "127.0.0.1",
             "-p", self.port, "-U", "postgres", "-d", COPY],
            input=dump.stdout, capture_output=True,
        )  # fmt: skip  # "extension postgis exists" is the one expected complaint

    def stop(self) -> None:
        pgcluster.stop(self.datadir)

    def start(self) -> None:
        pgcluster.start(self.datadir, fast_unsafe=True)

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.datadir, ignore_errors=True)

    def run[T](self, work: Callable[[], T]) -> T:
        """`work` in a thread whose ORM connection is on the copy (autocommit: what it writes,
        workers see); the test's own connection and transaction stay on the session database."""
        box: list[T] = []

        def target() -> None:
            connection = connections["default"]
            connection.settings_dict = {
                **connection.settings_dict, "PORT": self.port, "NAME": COPY, "HOST": "127.0.0.1"
            }  # fmt: skip
            try:
                box.append(work())
            finally:
                connection.close()

        thread = threading.Thread(target=target)
        thread.start()
        thread.join(120)
        assert box, "the work on the copy failed (see the thread's traceback above)"
        return box[0]

    def worker(self, log: Path, **env: str) -> subprocess.Popen[bytes]:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backend.settings.dev",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": self.url,
            "DIGEST_CATCH_UP_HOURS": "0",
            **env,
        }
        return subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )


def wait_for(check: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()
