"""A streaming replica of a local cluster: pg_basebackup, then a hot standby on a free port.

    python -m tools.pgreplica PRIMARY_PORT DATADIR      # prints the replica's port

Used by the tests (tests/common/test_replicas.py) to route read-only selectors to a real
standby, make it lag (replay paused) and lose it (stopped). Server commands run as the
`postgres` OS user when we are root, as in tools/pgcluster.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tools.pgcluster import SERVER_SETTINGS, _prepare_dir, _run, bindir, free_port


def start(primary_port: int | str, datadir: Path, fast_unsafe: bool = True) -> int:
    """Clone the primary into datadir/data (once) and start it as a hot standby."""
    datadir = datadir.resolve()
    pgdata = datadir / "data"
    _prepare_dir(datadir)
    if not (pgdata / "PG_VERSION").exists():
        _prepare_dir(pgdata)
        pgdata.chmod(0o700)  # the server refuses a data directory others can read
        _run_or_say(
            [
                str(bindir() / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary_port),
                "-U",
                "postgres",
                "-D",
                str(pgdata),
                "-R",  # standby.signal + primary_conninfo: stream from the primary
                "-X",
                "stream",
                "-c",
                "fast",
            ]
        )
        (datadir / "port").write_text(str(free_port()))
    port = int((datadir / "port").read_text())
    resume(datadir, fast_unsafe=fast_unsafe)
    return port


def _run_or_say(cmd: list[str]) -> None:
    try:
        _run(cmd)
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"{cmd[0]} failed: {exc.stderr.decode(errors='replace')}") from None


def resume(datadir: Path, fast_unsafe: bool = True) -> None:
    """Start the standby again (after `stop`)."""
    port = (datadir / "port").read_text().strip()
    opts = {**SERVER_SETTINGS, "port": port, "unix_socket_directories": str(datadir)}
    opts |= {"hot_standby": "on", "hot_standby_feedback": "on"}
    if fast_unsafe:
        opts |= {"fsync": "off", "synchronous_commit": "off"}
    option_str = " ".join(f"-c {k}={v}" for k, v in opts.items())
    pgctl = str(bindir() / "pg_ctl")
    log = str(datadir / "server.log")
    _run(
        [pgctl, "start", "-w", "-t", "60", "-D", str(datadir / "data"), "-l", log, "-o", option_str]
    )


def stop(datadir: Path, mode: str = "immediate") -> None:
    """Stop the standby (`immediate`: as if its machine were lost)."""
    if (datadir / "data" / "postmaster.pid").exists():
        _run([str(bindir() / "pg_ctl"), "stop", "-m", mode, "-D", str(datadir / "data")])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m tools.pgreplica PRIMARY_PORT DATADIR")
    print(start(sys.argv[1], Path(sys.argv[2])))
