"""Schedules of periodic jobs. procrastinate evaluates cron in UTC; people think in local time.

`DIGEST_SCHEDULE` is "<weekday> HH:MM" in TIME_ZONE (e.g. "FRI 15:00"); `weekly_utc_cron` turns
it into the UTC cron procrastinate runs, in this one place. Asia/Ho_Chi_Minh is UTC+7 all year
(no DST), so a fixed cron is exact; a zone whose offset changes during the year is refused rather
than silently sending an hour off for half of it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")  # Python weekday() order


def parse_weekly(schedule: str) -> tuple[int, dt.time]:
    """ "FRI 15:00" → (4, 15:00): Python weekday and local time."""
    try:
        day, clock = schedule.split()
        return WEEKDAYS.index(day.strip().upper()[:3]), dt.time.fromisoformat(clock)
    except ValueError as exc:
        raise ValueError(f"weekly schedule must look like 'FRI 15:00', not {schedule!r}") from exc


def _fixed_offset(tz: ZoneInfo) -> dt.timedelta:
    offsets = {dt.datetime(2026, month, 1, tzinfo=tz).utcoffset() for month in (1, 4, 7, 10)}
    if len(offsets) != 1:
        raise ValueError(f"{tz.key} changes its UTC offset during the year: no fixed UTC cron")
    (offset,) = offsets
    assert offset is not None
    return offset


def weekly_utc_cron(schedule: str, tz_name: str) -> str:
    """The UTC cron ("m h * * dow", dow 0 = Sunday) firing at `schedule` local time."""
    weekday, clock = parse_weekly(schedule)
    offset = _fixed_offset(ZoneInfo(tz_name))
    # a Monday at the local time, shifted to UTC: the day may move back (local hour < offset)
    local = dt.datetime.combine(dt.date(2026, 1, 5), clock) + dt.timedelta(days=weekday)
    utc = local - offset
    cron_dow = (utc.weekday() + 1) % 7
    return f"{utc.minute} {utc.hour} * * {cron_dow}"


def last_weekly_instant(schedule: str, tz_name: str, *, at: dt.datetime) -> dt.datetime:
    """The latest moment of `schedule` at or before `at` (aware, in `tz_name`)."""
    weekday, clock = parse_weekly(schedule)
    tz = ZoneInfo(tz_name)
    local = at.astimezone(tz)
    day = local.date() - dt.timedelta(days=(local.weekday() - weekday) % 7)
    instant = dt.datetime.combine(day, clock, tzinfo=tz)
    if instant > local:
        instant -= dt.timedelta(days=7)
    return instant


def weekly_instant_of_iso_week(schedule: str, tz_name: str, year: int, week: int) -> dt.datetime:
    """The moment of `schedule` in ISO week `year`-W`week` (local time)."""
    weekday, clock = parse_weekly(schedule)
    day = dt.date.fromisocalendar(year, week, weekday + 1)
    return dt.datetime.combine(day, clock, tzinfo=ZoneInfo(tz_name))
