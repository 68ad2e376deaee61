"""Keep freed image buffers in the process instead of handing them back to the kernel.

A photo report decodes ~30 MB of Pillow buffers. With glibc's default thresholds a worker
thread returns them to the system after each request and page-faults them back in on the
next one (~7,900 faults, ~14 ms CPU per photo measured in bench/bench_submit.py). Raising the
trim and mmap thresholds keeps them for reuse at the cost of a few MB of resident memory.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 128 * 1024 * 1024
MMAP_THRESHOLD = 32 * 1024 * 1024


def tune_malloc() -> bool:
    """Apply the thresholds on glibc (no-op elsewhere, or with HOTLINE_MALLOC_TUNING=0)."""
    if os.environ.get("HOTLINE_MALLOC_TUNING", "1") in {"0", "false", "no"}:
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    ok_trim = mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    ok_mmap = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    return ok_trim and ok_mmap
