"""'Already reported?' benchmark: what the duplicate check adds to a submit, at 2M incidents.

    DATABASE_URL=postgis://…/<a copy of the 2M database> .venv/bin/python bench/bench_duplicates.py

The web form and the app call GET /api/public/v1/similar-reports (or the app's twin) before
they submit: the check's whole request is what it adds to a submit. Measured in-process through
Django's test client (full stack: throttle, parsing, selector, demand, serialization), and the
selector alone, at two kinds of points:

- "near an open report": 20–80 m from a random open report of the last 30 days, its category
  (answers with at least that report);
- "anywhere": a random point inside a random ward, a random category (mostly no answer).

Baseline in the same run: GET /api/v1/geo/locate at the same points (the ward lookup every
submit already makes), so the ratio says how the check compares with a step a submit has.
Each request comes from another client address (residents, each under the real throttle rate;
the throttle's counter in the shared cache is part of the cost). The staff duplicate candidates
(detail panel) are timed too. Prints median and p95 in ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
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


def sample(fn: Callable[[Any], object], cases: list[Any]) -> tuple[float, float]:
    fn(cases[0])  # warm-up
    samples = []
    for case in cases:
        t0 = time.perf_counter()
        fn(case)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return samples[len(samples) // 2], percentile(samples, 95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    runs = parser.parse_args().runs
    setup()
    from django.contrib.auth import get_user_model
    from django.contrib.gis.geos import Point
    from django.test import Client
    from django.utils import timezone

    from backend.incidents.models import Incident
    from backend.incidents.selectors.duplicates import duplicate_candidates, similar_open
    from backend.incidents.selectors.staff import incidents_visible_to
    from backend.units.models import Category
    from geo.selectors import sample_points

    rng = random.Random(1022)
    print(f"incidents in the database: {Incident.objects.count():,}")
    since = timezone.now() - dt.timedelta(days=30)
    recent_open = list(
        Incident.objects.open()
        .filter(created_at__gte=since)
        .values_list("location", "category__code")[:20000]
    )
    print(f"open reports of the last 30 days: {len(recent_open):,}")
    codes = list(Category.objects.filter(is_active=True).values_list("code", flat=True))
    near = []
    for location, code in rng.sample(recent_open, min(runs, len(recent_open))):
        metres, angle = rng.uniform(20, 80), rng.uniform(0, 2 * math.pi)
        dlat = metres * math.sin(angle) / 111_320
        dlon = metres * math.cos(angle) / (111_320 * math.cos(math.radians(location.y)))
        near.append((location.x + dlon, location.y + dlat, code))
    anywhere = [
        (lon, lat, rng.choice(codes))
        for _id, lon, lat in rng.sample(sample_points(per_area=3), runs)
    ]
    client = Client(HTTP_HOST="127.0.0.1")
    found = [0]
    # many residents, each under the real throttle rate (its counter is part of the cost)
    addresses = iter(f"10.{n // 60000}.{n // 250 % 240}.{n % 250}" for n in range(10**7))

    def check(case: tuple[float, float, str]) -> None:
        lon, lat, code = case
        response = client.get(
            "/api/public/v1/similar-reports",
            {"lon": str(lon), "lat": str(lat), "category": code},
            REMOTE_ADDR=next(addresses),
        )
        assert response.status_code == 200, response.content[:300]
        found[0] += len(response.json()["results"])

    def locate(case: tuple[float, float, str]) -> None:
        lon, lat, _code = case
        assert client.get("/api/v1/geo/locate", {"lon": str(lon), "lat": str(lat)}).status_code in (
            200,
            404,
        )

    categories = {c.code: c for c in Category.objects.all()}

    def selector(case: tuple[float, float, str]) -> None:
        lon, lat, code = case
        similar_open(point=Point(lon, lat, srid=4326), category=categories[code])

    print(f"{'case':52} {'median ms':>10} {'p95 ms':>8} {'× locate':>9}")
    for label, cases in (("near an open report", near), ("anywhere", anywhere)):
        base = sample(locate, cases)
        found[0] = 0
        full = sample(check, cases)
        hits = found[0] / len(cases)
        alone = sample(selector, cases)
        print(f"{'locate (baseline), ' + label:52} {base[0]:10.2f} {base[1]:8.2f} {'1.00':>9}")
        name = f"similar-reports request, {label} ({hits:.1f} found)"
        print(f"{name:52} {full[0]:10.2f} {full[1]:8.2f} {full[1] / base[1]:9.2f}")
        print(f"{'  selector alone, ' + label:52} {alone[0]:10.2f} {alone[1]:8.2f}")

    supervisor = get_user_model().objects.get(username="giamsat")
    scope = incidents_visible_to(supervisor)
    ids = [
        i
        for i in Incident.objects.open()
        .filter(created_at__gte=since)
        .values_list("pk", flat=True)[:5000]
    ]
    incidents = [
        Incident.objects.select_related("category").get(pk=pk) for pk in rng.sample(ids, 60)
    ]
    median, p95 = sample(lambda i: duplicate_candidates(incident=i, among=scope), incidents)
    print(f"{'staff duplicate candidates (selector, supervisor)':52} {median:10.2f} {p95:8.2f}")


if __name__ == "__main__":
    main()
