"""Serve like production on one machine: gunicorn and a procrastinate worker, kept running.

    python -m tools.serve [--bind HOST:PORT]
    python -m tools.serve --reload-web MASTER_PID     # the warm reload alone (systemd)

A small supervisor (`make run` uses it; systemd does the same job on servers, see
docs/DEPLOYMENT.md). It starts both processes, and when one of them exits it is started again
after a backoff (1 s, doubling to 30 s, back to 1 s once it has run a minute), so a worker that
dies — a crash, the OOM killer, a lost database — comes back by itself.

Signals: HUP reloads the code without dropping or stalling a request: new gunicorn workers are
added beside the old ones (TTIN), and once each has loaded the app the old ones are retired
(TTOU, they finish their requests first); the job worker is asked to stop after its current jobs
and is started again with the new code. TERM or INT stops both and waits for them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
HEALTHY_AFTER = 60.0  # a process that ran this long starts the backoff afresh
STOP_TIMEOUT = 40.0  # gunicorn's graceful_timeout is 30 s
READY_TIMEOUT = 120.0  # new web workers loading the app on a busy machine


def children(pid: int) -> set[int]:
    """The direct children of `pid` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _wait(check: object, timeout: float) -> bool:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def warm_reload(master: int, ready_dir: Path) -> None:
    """New gunicorn workers first, the old ones retired once the new ones are ready. One signal
    at a time: the kernel merges a signal sent again before the first was handled."""
    old = children(master)
    for _ in old:
        before = children(master)
        os.kill(master, signal.SIGTTIN)
        _wait(lambda before=before: len(children(master) - before) >= 1, READY_TIMEOUT)
    new = children(master) - old
    _wait(lambda: all((ready_dir / str(pid)).exists() for pid in new), READY_TIMEOUT)
    for _ in old:
        alive = children(master) & old
        if not alive:
            break
        os.kill(master, signal.SIGTTOU)  # gunicorn retires its oldest worker
        _wait(lambda alive=alive: len(children(master) & old) < len(alive), STOP_TIMEOUT)
    for stale in ready_dir.iterdir():
        if int(stale.name) not in children(master):
            stale.unlink(missing_ok=True)


@dataclass
class Child:
    name: str
    argv: list[str]
    reload_signal: signal.Signals
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    backoff: float = BACKOFF_FIRST
    restart_at: float = field(default=0.0)
    ready_dir: Path | None = None  # gunicorn: workers say here that they are ready

    def start(self) -> None:
        env = dict(os.environ)
        if self.ready_dir is not None:
            env["WEB_READY_DIR"] = str(self.ready_dir)
        self.proc = subprocess.Popen(self.argv, env=env)
        self.started = time.monotonic()
        print(f"serve: {self.name} started (pid {self.proc.pid})", file=sys.stderr, flush=True)

    def reload(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        if self.ready_dir is not None:
            warm_reload(self.proc.pid, self.ready_dir)
        else:
            self.signal(self.reload_signal)

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


def processes(bind: str) -> list[Child]:
    python = sys.executable
    web = [python, "-m", "gunicorn", "-c", "python:backend.gunicorn_conf", "--bind", bind]
    return [
        Child(
            "web",
            [*web, "backend.wsgi:application"],
            signal.SIGHUP,
            ready_dir=Path(tempfile.mkdtemp(prefix="hotline1022-web-ready-")),
        ),
        # TERM: procrastinate finishes the jobs in hand, exits, and check() starts a new one.
        # -O: IMAPClient turns imaplib's debug output on, which builds the text of every mail
        # it reads (a third of a mail's CPU) unless Python runs optimized (docs/DEPLOYMENT.md).
        Child("worker", [python, "-O", "manage.py", "worker"], signal.SIGTERM),
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
                kid.reload()
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
    for kid in kids:
        if kid.ready_dir is not None:
            shutil.rmtree(kid.ready_dir, ignore_errors=True)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.serve")
    parser.add_argument("--bind", default=os.environ.get("WEB_BIND", "127.0.0.1:8000"))
    parser.add_argument(
        "--reload-web",
        type=int,
        metavar="MASTER_PID",
        help="only the warm reload of a running gunicorn whose workers report to WEB_READY_DIR "
        "(systemd's ExecReload)",
    )
    args = parser.parse_args(argv)
    if args.reload_web:
        warm_reload(args.reload_web, Path(os.environ["WEB_READY_DIR"]))
        return 0
    return supervise(processes(args.bind))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
