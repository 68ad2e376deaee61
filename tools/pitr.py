"""Point-in-time recovery of a cluster: WAL archiving, a base backup, a restore up to a time.

    python -m tools.pitr archive PGDATA ARCHIVE_DIR            # then restart the server
    python -m tools.pitr basebackup PORT BACKUP_DIR [--plain]  # tar + gzip unless --plain
    python -m tools.pitr switch PORT                           # close the WAL segment, wait
    python -m tools.pitr restore BACKUP_DIR ARCHIVE_DIR DATADIR 'YYYY-MM-DD HH:MM:SS+00'

The steps are the ones docs/DEPLOYMENT.md ("Backups and restore") gives for a production
primary; `restore` starts the result as a tools/pgcluster.py cluster (DATADIR/data, the port in
DATADIR/port) and returns once it has left recovery. Server commands run as the `postgres` OS
user when we are root, as in tools/pgcluster.py. Tested by tests/common/test_pitr.py.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import psycopg

from tools.pgcluster import SERVER_SETTINGS, _prepare_dir, _run, bindir, free_port

ARCHIVING_CONF = "archiving.conf"


def _write_server_file(path: Path, text: str, append: bool = False) -> None:
    with path.open("a" if append else "w") as f:
        f.write(text)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def _conf_line(name: str, value: str) -> str:
    quoted = value.replace("'", "''")
    return f"{name} = '{quoted}'\n"


def _server_run(cmd: list[str]) -> None:
    """A command as the server user; its stderr in the error if it fails."""
    try:
        _run(cmd)
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"{cmd[0]} failed: {exc.stderr.decode(errors='replace')}") from None


def configure_archiving(pgdata: Path, archive: Path) -> None:
    """Copy every finished WAL segment of the cluster in `pgdata` into `archive` (created).

    The settings go into `archiving.conf`, included from postgresql.conf, so a base backup
    carries them and a restored server goes on archiving. `archive_mode` needs a restart.
    """
    archive = archive.resolve()
    _prepare_dir(archive)
    target = shlex.quote(str(archive))
    settings = {
        "wal_level": "replica",
        "archive_mode": "on",
        # never overwrite a segment: a second server archiving into the same place must fail
        "archive_command": f"test ! -f {target}/%f && cp %p {target}/%f",
    }
    lines = "".join(_conf_line(k, v) for k, v in settings.items())
    _write_server_file(pgdata / ARCHIVING_CONF, lines)
    include = f"include_if_exists = '{ARCHIVING_CONF}'\n"
    conf = pgdata / "postgresql.conf"
    if include not in conf.read_text():
        _write_server_file(conf, include, append=True)


def base_backup(port: int | str, target: Path, tar: bool = True) -> Path:
    """`pg_basebackup -X stream -c fast` of the server on `port` into `target` (new or empty):
    base.tar.gz + pg_wal.tar.gz, or with tar=False a plain copy of the data directory."""
    target = target.resolve()
    _prepare_dir(target)
    cmd = [str(bindir() / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
    cmd += ["-D", str(target), "-X", "stream", "-c", "fast"]
    if tar:
        cmd += ["--format=tar", "--gzip"]
    _server_run(cmd)
    return target


def switch_wal(port: int | str, timeout: float = 60.0) -> str:
    """Close the current WAL segment and wait until the archiver has copied it: everything
    committed so far is then in the archive. Returns the segment's file name."""
    conninfo = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
        assert row is not None
        segment = str(row[0])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = conn.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()
            if done and done[0] and str(done[0]) >= segment:
                return segment
            time.sleep(0.1)
    raise RuntimeError(f"WAL segment {segment} not archived after {timeout} s")


def prepare_restore(backup: Path, pgdata: Path, archive: Path, target_time: str) -> None:
    """Unpack a base backup into `pgdata` (new or empty) and set it to replay the archive up
    to `target_time`, then promote: restore_command, recovery_target_time,
    recovery_target_action = 'promote' in postgresql.auto.conf, and recovery.signal."""
    backup, pgdata, archive = backup.resolve(), pgdata.resolve(), archive.resolve()
    _prepare_dir(pgdata)
    if any(pgdata.iterdir()):
        raise ValueError(f"{pgdata} is not empty")
    tars = {p.name.split(".")[0]: p for p in backup.glob("*.tar*")}
    if "base" in tars:
        _server_run(["tar", "-xf", str(tars["base"]), "-C", str(pgdata)])
        if "pg_wal" in tars:
            _server_run(["tar", "-xf", str(tars["pg_wal"]), "-C", str(pgdata / "pg_wal")])
    else:
        _server_run(["cp", "-a", f"{backup}/.", str(pgdata)])
    pgdata.chmod(0o700)  # the server refuses a data directory others can read (cp -a copies modes)
    source = shlex.quote(str(archive))
    recovery = {
        "restore_command": f"cp {source}/%f %p",
        "recovery_target_time": target_time,
        "recovery_target_action": "promote",
    }
    lines = "".join(_conf_line(k, v) for k, v in recovery.items())
    _write_server_file(pgdata / "postgresql.auto.conf", lines, append=True)
    _write_server_file(pgdata / "recovery.signal", "")


def start_and_wait_promoted(datadir: Path, timeout: float = 120.0) -> int:
    """Start the cluster in `datadir/data` (a pgcluster layout; a free port if it has none) and
    wait until recovery has ended and it accepts writes. Returns the port."""
    datadir = datadir.resolve()
    if not (datadir / "port").exists():
        (datadir / "port").write_text(str(free_port()))
    port = (datadir / "port").read_text().strip()
    opts = {**SERVER_SETTINGS, "port": port, "unix_socket_directories": str(datadir)}
    option_str = " ".join(f"-c {k}={v}" for k, v in opts.items())
    log = str(datadir / "server.log")
    pgctl, pgdata = str(bindir() / "pg_ctl"), str(datadir / "data")
    try:
        _server_run([pgctl, "start", "-w", "-t", "60", "-D", pgdata, "-l", log, "-o", option_str])
        conninfo = f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
            if row is not None and not row[0]:
                return int(port)
            time.sleep(0.2)
    except (RuntimeError, psycopg.OperationalError) as exc:
        tail = Path(log).read_text(errors="replace")[-2000:] if Path(log).exists() else ""
        raise RuntimeError(f"restored server did not come up: {exc}\n{tail}") from None
    raise RuntimeError(f"still in recovery after {timeout} s (see {log})")


def restore(backup: Path, archive: Path, datadir: Path, target_time: str) -> int:
    """A fresh cluster in `datadir` from a base backup and the WAL archive, as it was at
    `target_time` (commits after it are not replayed), started and promoted. Returns the port."""
    prepare_restore(backup, datadir.resolve() / "data", archive, target_time)
    return start_and_wait_promoted(datadir)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.pitr", description="PITR steps")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("archive", help="configure WAL archiving (restart the server after)")
    p.add_argument("pgdata", type=Path)
    p.add_argument("archive", type=Path)
    p = sub.add_parser("basebackup", help="pg_basebackup -X stream -c fast")
    p.add_argument("port")
    p.add_argument("target", type=Path)
    p.add_argument("--plain", action="store_true", help="a plain copy instead of tar + gzip")
    p = sub.add_parser("switch", help="pg_switch_wal() and wait until archived")
    p.add_argument("port")
    p = sub.add_parser("restore", help="base backup + archive up to a time, started, promoted")
    p.add_argument("backup", type=Path)
    p.add_argument("archive", type=Path)
    p.add_argument("datadir", type=Path)
    p.add_argument("target_time", help="e.g. '2026-12-04 21:30:00+00'")
    args = parser.parse_args(argv)
    if args.command == "archive":
        configure_archiving(args.pgdata, args.archive)
    elif args.command == "basebackup":
        print(base_backup(args.port, args.target, tar=not args.plain))
    elif args.command == "switch":
        print(switch_wal(args.port))
    else:
        print(restore(args.backup, args.archive, args.datadir, args.target_time))


if __name__ == "__main__":
    main()
