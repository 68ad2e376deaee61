"""Start and stop a project-local PostgreSQL + PostGIS cluster.

Used by the Makefile (`make run` keeps a cluster under var/pg) and by the test
settings (a throwaway cluster per test session). PostgreSQL refuses to run as
root, so when we are root every server command runs as the `postgres` OS user.

    python -m tools.pgcluster start var/pg     # prints the database URL
    python -m tools.pgcluster stop var/pg
    python -m tools.pgcluster url var/pg [DATABASE]
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DB = "hotline1022"
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "shared_buffers": "512MB",
    "work_mem": "32MB",
    "maintenance_work_mem": "256MB",
    "max_connections": "100",
    "max_wal_size": "2GB",
    "log_min_messages": "warning",
}


def bindir() -> Path:
    """Where initdb/pg_ctl live: $PG_BINDIR, else the newest /usr/lib/postgresql/N/bin."""
    if env := os.environ.get("PG_BINDIR"):
        return Path(env)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    sys.exit("PostgreSQL server binaries not found: install postgresql-15-postgis-3")


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _run(cmd: list[str], quiet: bool = True) -> None:
    out = subprocess.DEVNULL if quiet else None
    subprocess.run(_as_server_user(cmd), check=True, stdout=out, stderr=subprocess.PIPE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
        # the server user must be able to reach the directory
        for parent in path.resolve().parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                os.chmod(parent, mode | 0o001)


def url(datadir: Path, db: str = DEFAULT_DB) -> str:
    port = (datadir / "port").read_text().strip()
    return f"postgis://postgres@127.0.0.1:{port}/{db}"


def _is_running(datadir: Path) -> bool:
    pgdata = datadir / "data"
    result = subprocess.run(
        _as_server_user([str(bindir() / "pg_ctl"), "status", "-D", str(pgdata)]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return result.returncode == 0


def start(datadir: Path, fast_unsafe: bool = False) -> str:
    """Initialise (once) and start the cluster; create the database with PostGIS."""
    datadir = datadir.resolve()
    pgdata = datadir / "data"
    _prepare_dir(datadir)
    if not (pgdata / "PG_VERSION").exists():
        print(f"initdb: creating PostgreSQL cluster in {datadir}", file=sys.stderr)
        _prepare_dir(pgdata)
        _run(
            [
                str(bindir() / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        (datadir / "port").write_text(str(free_port()))
    port = (datadir / "port").read_text().strip()
    if not _is_running(datadir):
        opts = {**SERVER_SETTINGS, "port": port, "unix_socket_directories": str(datadir)}
        if fast_unsafe:  # throwaway test clusters: durability is not needed
            opts |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        option_str = " ".join(f"-c {k}={v}" for k, v in opts.items())
        _run(
            [
                str(bindir() / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(pgdata),
                "-l",
                str(datadir / "server.log"),
                "-o",
                option_str,
            ]
        )
    ensure_database(port, DEFAULT_DB)
    return url(datadir)


def ensure_database(port: str, db: str) -> None:
    """Create database `db` with PostGIS on the cluster at `port` unless it exists."""
    import psycopg

    conninfo = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    for _ in range(50):
        try:
            conn = psycopg.connect(conninfo, autocommit=True)
            break
        except psycopg.OperationalError:
            time.sleep(0.1)
    else:
        raise RuntimeError(f"PostgreSQL on port {port} did not answer")
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{db}"')
    with psycopg.connect(
        f"host=127.0.0.1 port={port} user=postgres dbname={db}", autocommit=True
    ) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def stop(datadir: Path) -> None:
    datadir = datadir.resolve()
    if (datadir / "data" / "PG_VERSION").exists() and _is_running(datadir):
        _run([str(bindir() / "pg_ctl"), "stop", "-m", "fast", "-D", str(datadir / "data")])


def throwaway() -> str:
    """A cluster in a temporary directory, removed when this process exits."""
    datadir = Path(tempfile.mkdtemp(prefix="hotline1022-pg-"))
    os.chmod(datadir, 0o755)
    dsn = start(datadir, fast_unsafe=True)

    def _cleanup() -> None:
        try:
            stop(datadir)
        finally:
            shutil.rmtree(datadir, ignore_errors=True)

    atexit.register(_cleanup)
    return dsn


def main(argv: list[str]) -> None:
    if len(argv) not in (2, 3) or argv[0] not in {"start", "stop", "url"}:
        sys.exit("usage: python -m tools.pgcluster start|stop|url DATADIR [DATABASE]")
    command, datadir = argv[0], Path(argv[1])
    if command == "start":
        print(start(datadir))
    elif command == "stop":
        stop(datadir)
    else:
        print(url(datadir, *argv[2:]))


if __name__ == "__main__":
    main(sys.argv[1:])
