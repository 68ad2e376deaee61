"""Keeping the public statistics counted before anyone asks (figures.py)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from procrastinate.contrib.django import app

from backend.common.periods import Period, months_from, period_from

from . import figures


def public_statistics_refresh() -> None:
    """Count the current quarter (units, wards, city) and the trends the page and the API
    show by default again, and replace them in the cache. The previous quarter — what a
    resident compares with first — is counted when the cache has lost it (a past period's
    figures are kept for hours), so its page does not wait seconds for a count either."""
    period = period_from({})
    for group in ("unit", "ward"):
        figures.statistics_body(group=group, period=period, fresh=True)
    for params in ({}, {"to": f"{period.last_day:%Y-%m}"}):
        first, last = months_from(params)
        figures.trend_body(first=first, last=last, fresh=True)
    previous = previous_quarter(period)
    for group in ("unit", "ward"):
        figures.statistics_body(group=group, period=previous)
    first, last = months_from({"to": f"{previous.last_day:%Y-%m}"})
    figures.trend_body(first=first, last=last)


def previous_quarter(period: Period) -> Period:
    """The quarter before the one `period` starts in."""
    day = timezone.localtime(period.start).date()
    year, quarter = day.year, (day.month - 1) // 3 + 1
    year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return period_from({"period": f"{year}Q{quarter}"})


@app.periodic(cron=settings.PUBLIC_STATS_REFRESH_CRON, periodic_id="public_statistics_refresh")
@app.task(queue="statistics", name="public_statistics_refresh")
def refresh_public_statistics(timestamp: int) -> None:
    public_statistics_refresh()
