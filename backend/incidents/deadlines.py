"""Deadlines in working time on the Vietnamese calendar.

A working day is a weekday (settings.HOTLINE_WORKING_WEEKDAYS) that is not a legal holiday of the
`holidays` package's VN calendar (Tết and Giỗ Tổ are lunar and computed by the package, never typed
in), unless an admin-edited `CalendarDay` says otherwise: `day_off` removes a day, `working_day`
adds one (the make-up Saturday before a long holiday). Working time is the office hours of
settings.HOTLINE_OFFICE_HOURS on those days, in Asia/Ho_Chi_Minh.

- N working hours: walk forward through office intervals from `start`.
- N working days: the close of office on the N-th working day after the day of `start` (the day
  the report arrives is not counted, as in the administrative-procedure rules).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from backend.units.models import CalendarDay, DayKind, SlaPolicy, SlaUnit, Unit

from .models import Category

MAX_DAYS_SCANNED = 3660  # ten years: a guard against a calendar with no working days


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def office_intervals() -> list[tuple[dt.time, dt.time]]:
    return [
        (dt.time.fromisoformat(a), dt.time.fromisoformat(b))
        for a, b in settings.HOTLINE_OFFICE_HOURS
    ]


@cache
def legal_holidays(year: int) -> frozenset[dt.date]:
    country = settings.HOTLINE_HOLIDAY_COUNTRY
    return frozenset(holidays.country_holidays(country, years=year).keys())


class WorkCalendar:
    """Working days: weekdays minus legal holidays, corrected by admin-edited days (per year)."""

    def __init__(self) -> None:
        self._overrides: dict[int, dict[dt.date, str]] = {}

    def _year(self, year: int) -> dict[dt.date, str]:
        if year not in self._overrides:
            self._overrides[year] = dict(
                CalendarDay.objects.filter(date__year=year).values_list("date", "kind")
            )
        return self._overrides[year]

    def is_working_day(self, day: dt.date) -> bool:
        override = self._year(day.year).get(day)
        if override is not None:
            return bool(override == DayKind.WORKING_DAY)
        if day.weekday() not in settings.HOTLINE_WORKING_WEEKDAYS:
            return False
        return day not in legal_holidays(day.year)

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        for _ in range(MAX_DAYS_SCANNED):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("no working day within ten years")


def add_working_days(
    start: dt.datetime, days: int, calendar: WorkCalendar | None = None
) -> dt.datetime:
    """Close of office on the `days`-th working day after the local day of `start`."""
    cal = calendar or WorkCalendar()
    tz = local_tz()
    day = start.astimezone(tz).date()
    for _ in range(days):
        day = cal.next_working_day(day)
    close = office_intervals()[-1][1]
    return dt.datetime.combine(day, close, tzinfo=tz)


def add_working_hours(
    start: dt.datetime, hours: float, calendar: WorkCalendar | None = None
) -> dt.datetime:
    """`start` plus `hours` of office time; time outside office hours does not count."""
    cal = calendar or WorkCalendar()
    tz = local_tz()
    now = start.astimezone(tz)
    left = dt.timedelta(hours=hours)
    day = now.date()
    if not cal.is_working_day(day):
        day = cal.next_working_day(day)
        now = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    while True:
        for open_, close in office_intervals():
            begin = max(now, dt.datetime.combine(day, open_, tzinfo=tz))
            end = dt.datetime.combine(day, close, tzinfo=tz)
            if begin >= end:
                continue
            if begin + left <= end:
                return begin + left
            left -= end - begin
        day = cal.next_working_day(day)
        now = dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def sla_for(*, category: Category, unit: Unit | None) -> tuple[int, str]:
    """(amount, period) of the unit's own policy for the category, else the category default."""
    policies = SlaPolicy.objects.filter(category=category)
    if unit is not None:
        policies = policies.filter(unit__in=[unit]) | policies.filter(unit__isnull=True)
    else:
        policies = policies.filter(unit__isnull=True)
    best = policies.order_by("unit_id").values_list("amount", "period").first()  # NULLS LAST
    if best is not None:
        return best[0], best[1]
    amount, period = settings.HOTLINE_DEFAULT_SLA
    return int(amount), str(period)


def due_at_for(*, category: Category, unit: Unit | None, start: dt.datetime) -> dt.datetime | None:
    """When a report of `category` handled by `unit` and started at `start` is due."""
    amount, period = sla_for(category=category, unit=unit)
    if period == SlaUnit.WORKING_HOURS:
        return add_working_hours(start, amount)
    return add_working_days(start, amount)
