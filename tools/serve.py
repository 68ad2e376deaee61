"""Serve like production on one machine: gunicorn and a procrastinate worker, kept running.

    python -m tools.serve [--bind HOST:PORT]

A small supervisor (`make run` uses it; systemd does the same job on servers, see
docs/DEPLOYMENT.md). It starts both processes, and when one of them exits it is started again
after a backoff (1 s, doubling to 30 s, back to 1 s once it has run a minute), so a worker that
dies — a crash, the OOM killer, a lost database — comes back by itself.

Signals: HUP reloads without dropping a request (gunicorn starts new workers and lets the old ones
finish; the job worker is asked to stop after its current jobs and is started again with the new
code); TERM or INT stops both and waits for them.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
HEALTHY_AFTER = 60.0  # a process that ran this long starts the backoff afresh
STOP_TIMEOUT = 40.0  # gunicorn's graceful_timeout is 30 s


@dataclass
class Child:
    name: str
    argv: list[str]
    reload_signal: signal.Signals
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    backoff: float = BACKOFF_FIRST
    restart_at: float = field(default=0.0)

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv)
        self.started = time.monotonic()
        print(f"serve: {self.name} started (pid {self.proc.pid})", file=sys.stderr, flush=True)

    def signal(self, sig: signal.Signals) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def check(self, now: float) -> None:
        """Start the process again when it has exited and its backoff has passed."""
        if self.proc is None:
            if now >= self.restart_at:
                self.start()
            return
        code = self.proc.poll()
        if code is None:
            return
        ran = now - self.started
        self.backoff = BACKOFF_FIRST if ran >= HEALTHY_AFTER else self.backoff
        print(
            f"serve: {self.name} exited ({code}) after {ran:.0f} s, again in {self.backoff:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        self.proc, self.restart_at = None, now + self.backoff
        self.backoff = min(self.backoff * 2, BACKOFF_MAX)


def children(bind: str) -> list[Child]:
    python = sys.executable
    web = [python, "-m", "gunicorn", "-c", "python:backend.gunicorn_conf", "--bind", bind]
    return [
        Child("web", [*web, "backend.wsgi:application"], signal.SIGHUP),
        # TERM: procrastinate finishes the jobs in hand, exits, and check() starts a new one.
        Child("worker", [python, "manage.py", "procrastinate", "worker"], signal.SIGTERM),
    ]


def supervise(kids: list[Child]) -> int:
    stopping: list[signal.Signals] = []
    reloading: list[bool] = []

    def on_stop(signum: int, _frame: object) -> None:
        stopping.append(signal.Signals(signum))

    def on_reload(_signum: int, _frame: object) -> None:
        reloading.append(True)

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_reload)
    for kid in kids:
        kid.start()
    while not stopping:
        if reloading:
            reloading.clear()
            for kid in kids:
                kid.backoff = BACKOFF_FIRST
                kid.signal(kid.reload_signal)
        now = time.monotonic()
        for kid in kids:
            kid.check(now)
        time.sleep(0.2)
    for kid in kids:
        kid.signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for kid in kids:
        if kid.proc is None:
            continue
        try:
            kid.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            kid.proc.kill()
            kid.proc.wait()
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.serve")
    parser.add_argument("--bind", default=os.environ.get("WEB_BIND", "127.0.0.1:8000"))
    args = parser.parse_args(argv)
    return supervise(children(args.bind))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
