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
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.db import connection

from .models import CalendarDay, Category, DayKind, SlaPolicy, SlaUnit, Unit

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
    """Working days: weekdays minus legal holidays, corrected by admin-edited days (per year).

    `overrides`: admin-edited days already read, per year (`due_at_for` and
    `routing.routing_for` read them together with the SLA policy); other years are read from
    `CalendarDay` when first needed.
    """

    def __init__(self, overrides: dict[int, dict[dt.date, str]] | None = None) -> None:
        self._overrides: dict[int, dict[dt.date, str]] = dict(overrides or {})

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


def policy_and_days_sql(unit: str) -> tuple[str, str]:
    """The SQL of a deadline's inputs, to put in a query: (columns, join).

    The columns are the SLA policy's amount and period for category %(category)s handled by the
    unit whose id is the SQL expression `unit` (NULL: no unit), then the admin-edited days
    between %(first)s and %(last)s (two arrays: dates and kinds). The join goes after a FROM
    that yields one row; `routing.routing_for` puts it after the unit's pick.
    """
    policy, day = SlaPolicy._meta.db_table, CalendarDay._meta.db_table
    columns = (
        "p.amount, p.period,"
        f" ARRAY(SELECT d.date FROM {day} d WHERE d.date BETWEEN %(first)s AND %(last)s"
        " ORDER BY d.date),"
        f" ARRAY(SELECT d.kind FROM {day} d WHERE d.date BETWEEN %(first)s AND %(last)s"
        " ORDER BY d.date)"
    )
    # The unit's own policy sorts before the category default (NULLS LAST); with no unit only
    # the default matches. LEFT JOIN: one row even without a policy, so the days come back.
    join = (
        f"LEFT JOIN LATERAL (SELECT amount, period FROM {policy}"
        f" WHERE category_id = %(category)s AND (unit_id = {unit} OR unit_id IS NULL)"
        " ORDER BY unit_id LIMIT 1) AS p ON true"
    )
    return columns, join


def _deadline_sql() -> str:
    columns, join = policy_and_days_sql("%(unit)s")
    return f"SELECT {columns} FROM (SELECT 1) AS one {join}"


DEADLINE_SQL = _deadline_sql()

Policy = tuple[int, str]  # (amount, period)
Overrides = dict[int, dict[dt.date, str]]  # the admin-edited days, per year


def deadline_params(category: Category, start: dt.datetime) -> dict[str, Any]:
    """The parameters of `policy_and_days_sql` but the unit's: the category, and the days of
    the local year of `start` and the next (a deadline rarely reaches further; later years are
    read when needed)."""
    year = start.astimezone(local_tz()).year
    first, last = dt.date(year, 1, 1), dt.date(year + 1, 12, 31)
    return {"category": category.pk, "first": first, "last": last}


def policy_and_days_from(
    amount: int | None,
    period: str | None,
    dates: list[dt.date],
    kinds: list[str],
    start: dt.datetime,
) -> tuple[Policy, Overrides]:
    """The columns of `policy_and_days_sql` as (amount, period) — settings.HOTLINE_DEFAULT_SLA
    when no policy matched — and the admin-edited days of the years read (none: {})."""
    year = start.astimezone(local_tz()).year
    overrides: Overrides = {year: {}, year + 1: {}}
    for date, kind in zip(dates, kinds, strict=True):
        overrides[date.year][date] = kind
    if amount is None:
        default_amount, default_period = settings.HOTLINE_DEFAULT_SLA
        return (int(default_amount), str(default_period)), overrides
    return (int(amount), str(period)), overrides


def due_at_from(start: dt.datetime, policy: Policy, overrides: Overrides) -> dt.datetime:
    """`start` plus the policy's working hours or days, on the calendar with `overrides`."""
    amount, period = policy
    calendar = WorkCalendar(overrides)
    if period == SlaUnit.WORKING_HOURS:
        return add_working_hours(start, amount, calendar)
    return add_working_days(start, amount, calendar)


def due_at_for(*, category: Category, unit: Unit | None, start: dt.datetime) -> dt.datetime | None:
    """When a report of `category` handled by `unit` and started at `start` is due.

    One query: the policy and the admin-edited days of this year and the next.
    """
    params = deadline_params(category, start) | {"unit": unit.pk if unit else None}
    with connection.cursor() as cursor:
        cursor.execute(DEADLINE_SQL, params)
        amount, period, dates, kinds = cursor.fetchone()
    return due_at_from(start, *policy_and_days_from(amount, period, dates, kinds, start))


def emergency_due_at(*, category: Category, start: dt.datetime) -> dt.datetime:
    """The deadline of an emergency: `category.emergency_hours` clock hours (day and night)."""
    return start + dt.timedelta(hours=max(1, category.emergency_hours))
