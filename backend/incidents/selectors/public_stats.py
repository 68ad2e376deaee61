"""Public statistics per unit, per ward and the city's monthly trend.

One source of truth: "resolved in a period" and "late" are the staff selectors' definitions
(`staff.resolved_between`, `staff.LATE`, `staff.late_share`), so a unit's public late rate is the
number its leaders see in the staff API. Every incident counts (also those not published one by
one): these are counts, they reveal nothing about a report.

- received: reports created in the period (cancelled ones excluded: withdrawn before handling);
- resolved / late / late_rate / on_time_rate: resolved in the period, late per `is_late`;
- median_hours_to_resolve: median of (resolved_at − created_at) over those resolved;
- average_rating: mean stars of those resolved that the resident rated (None when none did).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ..models import Incident, Status
from .staff import LATE, late_share, resolved_between

GROUPS = {"unit": "unit", "ward": "ward"}


class Median(Aggregate):
    """percentile_cont(0.5) — PostgreSQL's exact median (works on intervals too)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"
    output_field = DurationField()


EMERGENCY = Q(is_emergency=True)


def _counted() -> QuerySet[Incident]:
    return Incident.objects.exclude(status=Status.CANCELLED)


def _figures(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    resolved = resolved_between(start, end)
    received = Q(created_at__gte=start, created_at__lt=end)
    took = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    return {
        "received": Count("pk", filter=received),
        "resolved": Count("pk", filter=resolved),
        "late": Count("pk", filter=resolved & LATE),
        "median_took": Median(took, filter=resolved),
        "average_rating": Avg("rating__stars", filter=resolved),
        # emergencies counted separately (also in the figures above)
        "emergencies_received": Count("pk", filter=received & EMERGENCY),
        "emergencies_resolved": Count("pk", filter=resolved & EMERGENCY),
        "emergencies_late": Count("pk", filter=resolved & LATE & EMERGENCY),
    }


def _in_period(start: dt.datetime, end: dt.datetime) -> Q:
    return Q(created_at__gte=start, created_at__lt=end) | resolved_between(start, end)


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    took: dt.timedelta | None = row.pop("median_took")
    late_rate = late_share(row["late"], row["resolved"])
    rating = row["average_rating"]
    return {
        **row,
        "emergencies_late_rate": late_share(row["emergencies_late"], row["emergencies_resolved"]),
        "late_rate": late_rate,
        "on_time_rate": None if late_rate is None else round(1 - late_rate, 4),
        "median_hours_to_resolve": None if took is None else round(took.total_seconds() / 3600, 2),
        "average_rating": None if rating is None else round(float(rating), 2),
    }


def statistics_by(*, group: str, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Per unit (`group="unit"`) or ward (`"ward"`), the figures of [start, end), one query.

    Rows: {"id", "code", "name", "name_en", received, resolved, late, late_rate, on_time_rate,
    median_hours_to_resolve, average_rating}, ordered by code; groups with nothing are absent.
    """
    key = GROUPS[group]
    rows = (
        _counted()
        .filter(_in_period(start, end))
        .order_by()
        .values(
            group_id=F(f"{key}_id"),
            group_code=F(f"{key}__code"),
            group_name=F(f"{key}__name"),
            group_name_en=F(f"{key}__name_en"),
        )
        .annotate(**_figures(start, end))
        .order_by("group_code")
    )
    return [
        _finish({name.removeprefix("group_"): value for name, value in row.items()}) for row in rows
    ]


def city_totals(*, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The whole city's figures for [start, end), one query."""
    row = _counted().filter(_in_period(start, end)).aggregate(**_figures(start, end))
    return _finish(row)


def month_starts(start: dt.date, end: dt.date) -> list[dt.datetime]:
    """Local midnights of the 1st of each month from `start`'s month up to and including `end`'s."""
    tz = timezone.get_current_timezone()
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(dt.datetime(year, month, 1, tzinfo=tz))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def city_trend(*, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """The city month by month (local months, `first`'s to `last`'s), two queries.

    Rows: {"month": "YYYY-MM", received, resolved, late, late_rate, on_time_rate}.
    """
    months = month_starts(first, last)
    if not months:
        return []
    tz = timezone.get_current_timezone()
    start = months[0]
    end = dt.datetime(
        last.year + (last.month == 12), 1 if last.month == 12 else last.month + 1, 1, tzinfo=tz
    )
    received = dict(
        _counted()
        .filter(created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
        .values_list("month", "n")
    )
    resolved = {
        row["month"]: row
        for row in Incident.objects.filter(resolved_between(start, end))
        .annotate(month=TruncMonth("resolved_at", tzinfo=tz))
        .order_by()
        .values("month")
        .annotate(resolved=Count("pk"), late=Count("pk", filter=LATE))
    }
    trend = []
    for month in months:
        done = resolved.get(month, {"resolved": 0, "late": 0})
        late_rate = late_share(done["late"], done["resolved"])
        trend.append(
            {
                "month": f"{month:%Y-%m}",
                "received": received.get(month, 0),
                "resolved": done["resolved"],
                "late": done["late"],
                "late_rate": late_rate,
                "on_time_rate": None if late_rate is None else round(1 - late_rate, 4),
            }
        )
    return trend
