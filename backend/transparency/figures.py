"""The public statistics' bodies — one source for the API, the page, its charts and downloads.

Counted by `incidents.selectors.public_stats` and kept in the shared cache: at 2,000,000
incidents a quarter's figures take seconds to count (docs/PERFORMANCE.md), a page must not. A
period still running is counted again after `PUBLIC_STATS_CACHE_SECONDS`, a past one after
`PUBLIC_STATS_PAST_CACHE_SECONDS`; the periodic job `refresh_public_statistics` (tasks.py)
re-counts the current quarter and the trend before they expire, so no visitor waits for them.
The page's charts read the very bodies the API answers with (embedded as JSON), so a chart and
the API cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from backend.common.periods import Period
from backend.incidents.selectors.public_stats import city_totals, city_trend, statistics_by
from geo.selectors import wards_geojson

KEY = "public-stats:v1:"
WARD_TOLERANCE = 0.0005  # degrees (~50 m): enough for a city map, a tenth of the full size


def _ttl(end: dt.datetime) -> int:
    running = end > timezone.now() - dt.timedelta(days=1)
    return int(
        settings.PUBLIC_STATS_CACHE_SECONDS if running else settings.PUBLIC_STATS_PAST_CACHE_SECONDS
    )


def _cached[T](key: str, end: dt.datetime, compute: Callable[[], T], fresh: bool) -> T:
    if not fresh:
        found = cache.get(KEY + key)
        if found is not None:
            return found
    value = compute()
    cache.set(KEY + key, value, _ttl(end))
    return value


def _span(period: Period) -> str:
    return f"{period.start.isoformat()}/{period.end.isoformat()}"


def period_out(period: Period) -> dict[str, Any]:
    return {"label": period.label, "start": period.start.date(), "end": period.last_day}


def city(period: Period, *, fresh: bool = False) -> dict[str, Any]:
    return _cached(
        f"city:{_span(period)}",
        period.end,
        lambda: city_totals(start=period.start, end=period.end),
        fresh,
    )


def rows(group: str, period: Period, *, fresh: bool = False) -> list[dict[str, Any]]:
    return _cached(
        f"{group}:{_span(period)}",
        period.end,
        lambda: statistics_by(group=group, start=period.start, end=period.end),
        fresh,
    )


def statistics_body(*, group: str, period: Period, fresh: bool = False) -> dict[str, Any]:
    """The answer of GET /api/public/v1/stats."""
    return {
        "period": period_out(period),
        "group": group,
        "city": city(period, fresh=fresh),
        "rows": rows(group, period, fresh=fresh),
    }


def trend_body(*, first: dt.date, last: dt.date, fresh: bool = False) -> dict[str, Any]:
    """The answer of GET /api/public/v1/stats/trend."""
    tz = timezone.get_current_timezone()
    end = dt.datetime(last.year + (last.month == 12), last.month % 12 + 1, 1, tzinfo=tz)
    months = _cached(
        f"trend:{first:%Y-%m}/{last:%Y-%m}",
        end,
        lambda: city_trend(first=first, last=last),
        fresh,
    )
    return {"months": months}


def wards_figures_geojson(*, period: Period, license_text: str) -> dict[str, Any]:
    """The wards in force with their figures of `period` as properties (open data, choropleth)."""
    shapes = cache.get(KEY + "ward-shapes")
    if shapes is None:
        shapes = json.loads(wards_geojson(tolerance=WARD_TOLERANCE))
        cache.set(KEY + "ward-shapes", shapes, settings.PUBLIC_STATS_PAST_CACHE_SECONDS)
    by_code = {row["code"]: row for row in rows("ward", period)}
    features = []
    for feature in shapes["features"]:
        props = feature["properties"]
        row = by_code.get(props["code"], {})
        figures = {k: row.get(k) for k in FIGURE_FIELDS}
        for count in ("received", "resolved", "late"):
            figures[count] = figures[count] or 0
        features.append({**feature, "properties": {**props, **figures}})
    return {
        "type": "FeatureCollection",
        "license": license_text,
        "period": {k: str(v) for k, v in period_out(period).items()},
        "features": features,
    }


def wards_figures_geojson_text(*, period: Period, license_text: str) -> str:
    """`wards_figures_geojson` as JSON text, written once per version of the ward figures."""
    figures = json.dumps(rows("ward", period), cls=DjangoJSONEncoder, sort_keys=True)
    version = hashlib.sha256(f"{license_text}{figures}".encode()).hexdigest()[:32]
    key = f"{KEY}wards-geojson:{_span(period)}:{version}"
    text = cache.get(key)
    if text is None:
        body = wards_figures_geojson(period=period, license_text=license_text)
        text = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)
        cache.set(key, text, _ttl(period.end))
    return str(text)


FIGURE_FIELDS = (
    "received",
    "resolved",
    "late",
    "late_rate",
    "on_time_rate",
    "median_hours_to_resolve",
    "average_rating",
)
