"""Start PgBouncer (Debian's package) in transaction mode in front of a local cluster.

Used by the tests (tests/pooling/): a bouncer on a free port that hands out server connections
of the throwaway cluster per transaction, as production's PgBouncer does. Like the server, it
refuses to run as root, so as root it runs as the `postgres` OS user.

    python -m tools.pgbouncer PGPORT      # runs in the foreground, prints its port
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tools.pgcluster import _as_server_user, _prepare_dir, free_port

BINARY = os.environ.get("PGBOUNCER", "/usr/sbin/pgbouncer")

CONFIG = """\
[databases]
* = host=127.0.0.1 port={pg_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {dir}/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 500
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = {dir}/pgbouncer.log
log_connections = 0
log_disconnections = 0
"""


@dataclass
class Bouncer:
    port: int
    directory: Path
    proc: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def start(pg_port: int | str, pool_size: int = 5) -> Bouncer:
    """A PgBouncer on a free port (stopped when this process exits, or by `stop()`)."""
    if not Path(BINARY).exists():
        raise RuntimeError(f"{BINARY} missing: `make test` installs Debian's pgbouncer")
    directory = Path(tempfile.mkdtemp(prefix="hotline1022-pgbouncer-"))
    _prepare_dir(directory)
    port = free_port()
    ini = directory / "pgbouncer.ini"
    ini.write_text(CONFIG.format(pg_port=pg_port, port=port, dir=directory, pool_size=pool_size))
    (directory / "userlist.txt").write_text('"postgres" ""\n')
    proc = subprocess.Popen(
        _as_server_user([BINARY, str(ini)]), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    bouncer = Bouncer(port, directory, proc)
    atexit.register(bouncer.stop)
    _wait_until_listening(bouncer)
    return bouncer


def _wait_until_listening(bouncer: Bouncer) -> None:
    import psycopg

    conninfo = f"host=127.0.0.1 port={bouncer.port} user=postgres dbname=postgres"
    for _ in range(100):
        if bouncer.proc.poll() is not None:
            err = bouncer.proc.stderr.read().decode() if bouncer.proc.stderr else ""
            raise RuntimeError(f"pgbouncer exited: {err}")
        try:
            psycopg.connect(conninfo, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.1)
    raise RuntimeError(f"pgbouncer on port {bouncer.port} did not answer")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tools.pgbouncer PGPORT")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so that atexit stops the bouncer
    running = start(sys.argv[1])
    print(running.port, flush=True)
    running.proc.wait()
