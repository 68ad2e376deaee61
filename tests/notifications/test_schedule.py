"""The digest schedule: local "FRI 15:00" → the UTC cron procrastinate runs."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import croniter
import pytest
from procrastinate.contrib.django import app

from backend.notifications import tasks  # noqa: F401 — registers the periodic jobs
from backend.notifications.schedule import (
    last_weekly_instant,
    weekly_instant_of_iso_week,
    weekly_utc_cron,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def next_fire(cron: str, after: dt.datetime) -> dt.datetime:
    # what procrastinate does: croniter over UTC timestamps
    ts = croniter.croniter(cron).get_next(ret_type=float, start_time=after.timestamp())
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def test_friday_15_00_local_is_friday_08_00_utc() -> None:
    cron = weekly_utc_cron("FRI 15:00", "Asia/Ho_Chi_Minh")
    assert cron == "0 8 * * 5"
    fire = next_fire(cron, dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC))  # a Monday
    assert fire == dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
    local = fire.astimezone(HCM)
    assert (local.strftime("%a"), local.hour, local.minute) == ("Fri", 15, 0)


@pytest.mark.parametrize(
    ("schedule", "cron", "local_day"),
    [
        ("MON 06:30", "30 23 * * 0", "Mon"),  # before 07:00 local: the day before in UTC
        ("SUN 00:00", "0 17 * * 6", "Sun"),
        ("sat 23:59", "59 16 * * 6", "Sat"),
    ],
)
def test_day_shift_when_local_hour_is_before_the_offset(
    schedule: str, cron: str, local_day: str
) -> None:
    assert weekly_utc_cron(schedule, "Asia/Ho_Chi_Minh") == cron
    fire = next_fire(cron, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)).astimezone(HCM)
    assert fire.strftime("%a %H:%M") == f"{local_day} {schedule.split()[1]}"


def test_zones_with_daylight_saving_are_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        weekly_utc_cron("FRI 15:00", "Europe/Paris")


def test_bad_schedule() -> None:
    with pytest.raises(ValueError, match="FRI 15:00"):
        weekly_utc_cron("friday at three", "Asia/Ho_Chi_Minh")


def test_last_instant_and_iso_week() -> None:
    friday = dt.datetime(2026, 11, 27, 15, 0, tzinfo=HCM)
    assert last_weekly_instant("FRI 15:00", "Asia/Ho_Chi_Minh", at=friday) == friday
    earlier = friday - dt.timedelta(minutes=1)
    assert last_weekly_instant(
        "FRI 15:00", "Asia/Ho_Chi_Minh", at=earlier
    ) == friday - dt.timedelta(days=7)
    assert weekly_instant_of_iso_week("FRI 15:00", "Asia/Ho_Chi_Minh", 2026, 48) == friday


def test_the_registered_periodic_jobs_use_the_converted_schedules() -> None:
    crons = {key: p.cron for key, p in app.periodic_registry.periodic_tasks.items()}
    assert crons[("weekly_digest", "digest")] == "0 8 * * 5"  # DIGEST_SCHEDULE = "FRI 15:00"
    assert crons[("reminders_sweep", "reminders")] == "*/15 * * * *"
