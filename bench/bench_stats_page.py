"""Public statistics page benchmark at 2M incidents: the page and every request its charts make.

    .venv/bin/python manage.py collectstatic --noinput   # the page's {% static %} (DEBUG off)
    DATABASE_URL=postgis://…/<a copy of the 2M database> .venv/bin/python bench/bench_stats_page.py

In-process through Django's test client (full stack), the current quarter (what the periodic
job keeps counted) and the previous one:

- counted (cold): the cache emptied before each run — what the job pays every 5 minutes and
  what a visitor would pay for a period nobody asked for since the last expiry (the baseline);
- kept (warm): what a visitor pays: the page, /stats?group=unit, /stats/trend and the wards'
  GeoJSON (the choropleth), from the shared cache. Prints median and p95 in ms and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import django_on_existing_database, percentile  # noqa: E402


def setup() -> None:
    django_on_existing_database()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--cold-runs", type=int, default=3)
    args = parser.parse_args()
    setup()
    from django.core.cache import cache
    from django.test import Client

    from backend.common.periods import period_from
    from backend.incidents.models import Incident

    print(f"incidents in the database: {Incident.objects.count():,}")
    client = Client(HTTP_HOST="127.0.0.1")
    addresses = iter(f"10.{n // 60000}.{n // 250 % 240}.{n % 250}" for n in range(10**7))
    this = period_from({})
    day = this.start.date().replace(day=1)
    previous = f"{day.year - (day.month == 1)}Q{((day.month - 4) % 12) // 3 + 1}"

    def get(url: str) -> None:
        response = client.get(url, REMOTE_ADDR=next(addresses))
        assert response.status_code == 200, (url, response.content[:300])

    def clear() -> None:
        cache.clear()  # this bench's own database: the figures and nothing else of value

    def timed(fn: object, runs: int, before: object = None) -> tuple[float, float]:
        samples = []
        for _ in range(runs):
            if callable(before):
                before()
            t0 = time.perf_counter()
            fn()  # type: ignore[operator]
            samples.append((time.perf_counter() - t0) * 1000)
        samples.sort()
        return samples[len(samples) // 2], percentile(samples, 95)

    print(f"{'case':58} {'median ms':>10} {'p95 ms':>8} {'× cold':>7}")
    for label, query in ((this.label, ""), (previous, f"?period={previous}")):
        page = f"/cong-khai/thong-ke{query}"
        sep = "&" if query else "?"
        requests = {
            "page": page,
            "stats?group=unit": f"/api/public/v1/stats{query}{sep}group=unit",
            "stats/trend": "/api/public/v1/stats/trend",
            "wards.geojson": f"/api/public/v1/stats/wards.geojson{query}",
        }
        if query:
            requests["stats/trend"] = "/api/public/v1/stats/trend?to=" + _last_month(previous)
        cold = timed(lambda page=page: get(page), args.cold_runs, before=clear)
        print(
            f"{'page, counted (cold cache), ' + label:58} {cold[0]:10.1f} {cold[1]:8.1f} {1:7.2f}"
        )
        for name, url in requests.items():
            get(url)  # fill the cache as the job does
            warm = timed(lambda url=url: get(url), args.runs)
            ratio = warm[1] / cold[1]
            print(
                f"{name + ', kept (warm), ' + label:58} {warm[0]:10.1f} {warm[1]:8.1f} {ratio:7.3f}"
            )
        urls = tuple(requests.values())

        def all_of(urls: tuple[str, ...] = urls) -> None:
            for url in urls:
                get(url)

        everything = timed(all_of, args.runs)
        total = "page + its 3 requests, kept, " + label
        print(
            f"{total:58} {everything[0]:10.1f} {everything[1]:8.1f} {everything[1] / cold[1]:7.3f}"
        )


def _last_month(quarter: str) -> str:
    year, q = quarter.split("Q")
    return f"{year}-{3 * int(q):02d}"


if __name__ == "__main__":
    main()
