"""Leaders' dashboard, hotspots and staff alerts at scale.

    DATABASE_URL=postgis://…/<a copy of the 2M bench database> \
        .venv/bin/python bench/bench_dashboard.py [--runs 30]

Through Django's test client (auth, selector, serialization), against the database in
DATABASE_URL (default: the dev database in var/pg):
- the dashboard of the whole city (supervisor) and of one ward, and of the Saigon ward's unit
  as its leader;
- hotspots of the last full quarter city-wide (200 m cells, ≥ 3 reports);
- what alerting adds to the write that causes it: a direction (history entry + the staff alert
  job deferred in the same transaction) against an internal note (history entry, no job) on
  the same report, both through `incident_change`, interleaved;
- the baseline in the same run: the map's stats strip (`stats/summary`).
Prints median and p95 in ms and the ratios to the baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import django_on_existing_database, percentile  # noqa: E402


def setup() -> None:
    django_on_existing_database()


def sample(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def line(name: str, samples: list[float], base: float | None = None) -> float:
    median, p95 = statistics.median(samples), percentile(samples, 95)
    ratio = f"  ×{median / base:.2f} of the baseline" if base else ""
    print(f"{name:<52} median {median:8.1f} ms   p95 {p95:8.1f} ms{ratio}")
    return median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from backend.incidents.models import Incident, Status
    from backend.incidents.services.handling import incident_add_direction, incident_comment

    users = get_user_model().objects
    supervisor, leader = users.get(username="giamsat"), users.get(username="saigon.lanhdao")
    print(f"incidents in the database: {Incident.objects.count():,}")
    clients = {}
    for user in (supervisor, leader):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[user.username] = client
    saigon = Incident.objects.filter(unit__code="ubnd-26740").values("ward_id", "unit_id").first()
    assert saigon, "no incident of the Saigon ward's unit"

    def get(username: str, name: str, **params: str | int) -> Callable[[], object]:
        url = reverse(f"staff:{name}")

        def call() -> object:
            answer = clients[username].get(url, params)
            assert answer.status_code == 200, answer.content[:300]
            return answer

        return call

    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    last_quarter = f"{today.year}Q{quarter - 1}" if quarter > 1 else f"{today.year - 1}Q4"
    cases = [
        ("dashboard, city (supervisor)", get("giamsat", "dashboard", scope="city")),
        (
            "dashboard, one ward (supervisor)",
            get("giamsat", "dashboard", scope="ward", ward=saigon["ward_id"]),
        ),
        (
            "dashboard, the ward's unit (its leader)",
            get("saigon.lanhdao", "dashboard", scope="unit", unit=saigon["unit_id"]),
        ),
        (
            f"hotspots, city, {last_quarter}",
            get("giamsat", "hotspots", scope="city", period=last_quarter),
        ),
        (
            f"hotspots, city, {last_quarter}, field traffic",
            get("giamsat", "hotspots", scope="city", period=last_quarter, of_field="traffic"),
        ),
    ]
    base = line("baseline: stats/summary (supervisor)", sample(get("giamsat", "summary"), runs))
    for name, fn in cases:
        line(name, sample(fn, runs), base)

    target = (
        Incident.objects.filter(unit_id=saigon["unit_id"], status=Status.IN_PROGRESS)
        .order_by("-id")
        .first()
    )
    assert target is not None
    notes, directions = [], []
    for i in range(runs * 2):
        t0 = time.perf_counter()
        incident_comment(actor=leader, incident=target, text=f"ghi chú {i}", internal=True)
        notes.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        incident_add_direction(actor=leader, incident=target, text=f"chỉ đạo {i}")
        directions.append((time.perf_counter() - t0) * 1000)
    note_median = line("write: internal note (no alert)", notes)
    direction_median = line("write: direction (+ staff alert job)", directions)
    added = direction_median - note_median
    print(f"{'alerting adds to the write (median difference)':<52} {added:+.2f} ms")


if __name__ == "__main__":
    main()
