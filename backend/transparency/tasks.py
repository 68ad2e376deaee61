"""Keeping the public statistics counted before anyone asks (figures.py)."""

from __future__ import annotations

from django.conf import settings
from procrastinate.contrib.django import app

from backend.common.periods import months_from, period_from

from . import figures


def public_statistics_refresh() -> None:
    """Count the current quarter (units, wards, city) and the trends the page and the API
    show by default again, and replace them in the cache."""
    period = period_from({})
    for group in ("unit", "ward"):
        figures.statistics_body(group=group, period=period, fresh=True)
    for params in ({}, {"to": f"{period.last_day:%Y-%m}"}):
        first, last = months_from(params)
        figures.trend_body(first=first, last=last, fresh=True)


@app.periodic(cron=settings.PUBLIC_STATS_REFRESH_CRON, periodic_id="public_statistics_refresh")
@app.task(queue="statistics", name="public_statistics_refresh")
def refresh_public_statistics(timestamp: int) -> None:
    public_statistics_refresh()
