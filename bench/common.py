"""Shared helpers for the benchmarks: a bench database and robust statistics.

Benchmarks run against their own database in the project-local cluster (var/pg), so
they never disturb the development data: `bench_database("hotline1022_bench_geo")`.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def django_on_existing_database() -> None:
    """Set Django up on DATABASE_URL (a copy of the 2M-incident database), else var/pg's
    default database, DEBUG off: for benchmarks that read a database filled before."""
    from tools import pgcluster

    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = pgcluster.url(ROOT / "var" / "pg")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.dev")
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()


def bench_database(name: str) -> None:
    """Start var/pg, point Django at database `name`, migrate and seed it."""
    from tools import pgcluster

    datadir = ROOT / "var" / "pg"
    pgcluster.start(datadir)
    port = (datadir / "port").read_text().strip()
    pgcluster.ensure_database(port, name)
    os.environ["DATABASE_URL"] = pgcluster.url(datadir, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.dev")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("seed", stdout=io.StringIO())
    call_command("seed_demo", "--staff-only", stdout=io.StringIO())


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(samples),
        "p95": percentile(samples, 95),
        "p99": percentile(samples, 99),
    }


def timed(fn: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"
