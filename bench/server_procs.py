"""The production server as the benchmarks start it, and its CPU time read from /proc.

`Served` runs `python -m tools.serve` (gunicorn with backend/gunicorn_conf.py and the job worker,
as `make run` and systemd do) with production settings against a given database. `server_cpu()`
adds up what another system on the same machine would count for the web tier: user + system
time of the gunicorn processes and of the PostgreSQL backends their sockets are connected to
(found by client port in pg_stat_activity). The job worker and its backends are not counted.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
SECRET = "bench-secret-key-not-for-production-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings.production",
        DJANGO_SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        HOTLINE_MEDIA_ROOT=str(ROOT / "var" / "bench-media"),
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


@dataclass
class Served:
    database_url: str
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    root: Path = ROOT  # the code served (another checkout for a baseline)
    preexec: Callable[[], None] | None = None  # e.g. CpuMachine.enter: run on a CPU quota
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Served:
        env = production_env(self.database_url, PYTHONPATH=str(self.root), **self.env)
        bind = f"127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tools.serve", "--bind", bind],
            cwd=self.root,
            env=env,
            stdout=subprocess.DEVNULL,  # the console SMS gateway of the job worker
            preexec_fn=self.preexec,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(
                    f"{self.base}/healthz", headers={"X-Forwarded-Proto": "https"}
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200 and len(self.web_pids()) > 1:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)

    def web_pids(self) -> list[int]:
        """The gunicorn master and its workers (not the job worker)."""
        assert self.proc is not None
        found = []
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                if "gunicorn" in " ".join(child.cmdline()):
                    found.append(child.pid)
            except psutil.Error:
                continue
        return found

    def backend_pids(self, conninfo: str) -> list[int]:
        """PostgreSQL backends whose client is a gunicorn worker of this server."""
        ports = set()
        for pid in self.web_pids():
            try:
                for conn in psutil.Process(pid).net_connections(kind="tcp"):
                    if conn.raddr and conn.laddr:
                        ports.add(conn.laddr.port)
            except psutil.Error:
                continue
        with psycopg.connect(conninfo, autocommit=True) as db:
            rows = db.execute(
                "SELECT pid, client_port FROM pg_stat_activity "
                "WHERE backend_type = 'client backend'"
            ).fetchall()
        return [pid for pid, port in rows if port in ports]


@dataclass
class CpuSnapshot:
    web: dict[int, float]
    db: dict[int, float]


def snapshot(server: Served, conninfo: str) -> CpuSnapshot:
    web = {pid: cpu_seconds(pid) for pid in server.web_pids()}
    db = {pid: cpu_seconds(pid) for pid in server.backend_pids(conninfo)}
    return CpuSnapshot(web, db)


def spent(before: CpuSnapshot, after: CpuSnapshot) -> tuple[float, float]:
    """CPU seconds of the web processes and of their backends between two snapshots; a process
    that appeared in between counts from zero (a new backend's connection set-up included)."""
    web = sum(cpu - before.web.get(pid, 0.0) for pid, cpu in after.web.items())
    db = sum(cpu - before.db.get(pid, 0.0) for pid, cpu in after.db.items())
    return web, db


class CpuMeter:
    """`spent` over a run, sampled every `every` seconds in a thread: a backend that exits during
    the run (CONN_MAX_AGE recycles connections every 60 s) still counts up to its last sample
    (at most `every` seconds of its life are missed), a new one from zero."""

    def __init__(self, servers: list[Served], conninfo: str, every: float = 0.5):
        self.servers, self.conninfo, self.every = servers, conninfo, every
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self, initial: bool = False) -> None:
        for server in self.servers:
            snap = snapshot(server, self.conninfo)
            for kind, pids in (("web", snap.web), ("db", snap.db)):
                for pid, cpu in pids.items():
                    if cpu <= 0.0 and (kind, pid) in self.last:
                        continue  # gone between the listing and the read
                    self.first.setdefault((kind, pid), cpu if initial else 0.0)
                    self.last[kind, pid] = cpu

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    def __enter__(self) -> CpuMeter:
        self._sample(initial=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def spent(self) -> tuple[float, float]:
        totals = {"web": 0.0, "db": 0.0}
        for (kind, pid), cpu in self.last.items():
            totals[kind] += cpu - self.first[kind, pid]
        return totals["web"], totals["db"]


def checkout(ref: str, into: Path) -> Path:
    """The tree of git `ref` exported into `into` (a baseline served side by side)."""
    archive = subprocess.run(
        ["git", "archive", ref], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into
