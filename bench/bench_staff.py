"""Staff handling benchmark: list page, overdue counts, late rate per unit.

    .venv/bin/python manage.py generate_incidents --count 2000000   # once, into the dev DB
    .venv/bin/python bench/bench_staff.py [--runs 40]

Runs in-process through Django's test client (full stack: auth, selectors, serialization)
against the dev database in var/pg (DATABASE_URL wins if set). Prints median and p95 in ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import django_on_existing_database, percentile  # noqa: E402


def setup() -> None:
    django_on_existing_database()


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), percentile(samples, 95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    runs = parser.parse_args().runs
    setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from backend.common.periods import period_from
    from backend.incidents.models import Incident
    from backend.incidents.selectors.staff import late_rate_by_unit, overdue_count_by_unit

    users = get_user_model().objects
    supervisor, ward_op = users.get(username="giamsat"), users.get(username="saigon.tiepnhan")
    total = Incident.objects.count()
    print(f"incidents in the database: {total:,}")
    clients = {}
    for user in (supervisor, ward_op):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[user.username] = client
    ward_id = Incident.objects.filter(unit__code="ubnd-26740").values_list("ward_id").first()
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("list, supervisor, no filter", "giamsat", {}),
        ("list, supervisor, status=in_progress", "giamsat", {"status": "in_progress"}),
        ("list, supervisor, overdue", "giamsat", {"overdue": "true"}),
        ("list, supervisor, ward + 2025 range", "giamsat",
         {"ward": ward_id[0] if ward_id else 0, "created_from": "2025-01-01",
          "created_to": "2025-12-31"}),
        ("list, supervisor, bbox District 1", "giamsat", {"bbox": "106.69,10.76,106.71,10.79"}),
        ("list, ward operator (Sài Gòn)", "saigon.tiepnhan", {}),
        ("list, ward operator, status=closed", "saigon.tiepnhan", {"status": "closed"}),
        # text search: one generated incident's words, its reference, and words nobody wrote
        ("list, supervisor, text (1 match)", "giamsat", {"q": "mẫu số 1234567"}),
        ("list, supervisor, reference", "giamsat", {"q": "GEN-001234567"}),
        ("list, supervisor, text (no match)", "giamsat", {"q": "đường Nguyễn Huệ"}),
        ("list, supervisor, text (11% match)", "giamsat", {"q": "mẫu số 1"}),
        ("list, ward operator, text (1 match)", "saigon.tiepnhan", {"q": "mẫu số 1234567"}),
    ]  # fmt: skip
    print(f"{'case':45} {'median ms':>10} {'p95 ms':>8}")
    for name, username, params in cases:
        client = clients[username]

        def request(client: Client = client, params: dict[str, Any] = params) -> None:
            response = client.get("/api/staff/v1/incidents", params)
            assert response.status_code == 200, response.content[:300]

        median, p95 = timed(request, runs)
        print(f"{name:45} {median:10.1f} {p95:8.1f}")
    now = timezone.now()
    median, p95 = timed(lambda: overdue_count_by_unit(user=supervisor, now=now), 10)
    print(f"{'overdue count, all units (selector)':45} {median:10.1f} {p95:8.1f}")
    today = timezone.localdate()
    period = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    this = period_from({"period": period})
    start, end = this.start, this.end
    last_day = (start - dt.timedelta(days=1)).date()
    prev = period_from({"period": f"{last_day.year}Q{(last_day.month - 1) // 3 + 1}"})
    prev_start, prev_end = prev.start, prev.end
    for label, (s, e) in ((period, (start, end)), ("previous quarter", (prev_start, prev_end))):

        def late(s: dt.datetime = s, e: dt.datetime = e) -> object:
            return late_rate_by_unit(user=supervisor, start=s, end=e)

        median, p95 = timed(late, 10)
        rows = late_rate_by_unit(user=supervisor, start=s, end=e)
        resolved = sum(r["resolved"] for r in rows)
        name = f"late rate, all units, {label} ({resolved:,} rows)"
        print(f"{name:45} {median:10.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
