"""Several "machines" of a fixed CPU share on one host, for scale-out benchmarks on 2 cores.

A `CpuMachine` is a CPU control group with a quota (cgroup v2 `cpu.max`, or v1
`cpu.cfs_quota_us`): a server started with `preexec_fn=machine.enter` runs, with everything it
forks, on at most `cores` CPUs. Two web "machines" of 0.5 core each then use one of this host's
two cores, and the shared PostgreSQL, nginx and the load generator have the other: the ratio
two/one measures the web tier scaling out, not the host running out of cores. Needs root and a
writable cpu controller (`available()`); the groups are removed on exit.
"""

from __future__ import annotations

import os
from pathlib import Path

PERIOD_US = 100_000
_V2 = Path("/sys/fs/cgroup")
_V1 = Path("/sys/fs/cgroup/cpu")


def _root() -> tuple[Path, int] | None:
    controllers = _V2 / "cgroup.controllers"
    if controllers.exists() and "cpu" in controllers.read_text().split():
        return _V2, 2
    if (_V1 / "cpu.cfs_quota_us").exists():
        return _V1, 1
    return None


def available() -> bool:
    found = _root()
    return found is not None and os.access(found[0], os.W_OK)


class CpuMachine:
    def __init__(self, name: str, cores: float) -> None:
        found = _root()
        if found is None:
            raise RuntimeError("no writable CPU cgroup controller on this host")
        root, self.version = found
        self.path = root / f"hotline1022-bench-{name}-{os.getpid()}"
        self.cores = cores

    def __enter__(self) -> CpuMachine:
        self.path.mkdir()
        quota = int(self.cores * PERIOD_US)
        if self.version == 2:
            (self.path / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        else:
            (self.path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (self.path / "cpu.cfs_quota_us").write_text(str(quota))
        return self

    def enter(self) -> None:
        """Move the calling process into the group (a `preexec_fn`: its children follow)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def __exit__(self, *exc: object) -> None:
        self.path.rmdir()  # the servers have stopped: the group is empty
