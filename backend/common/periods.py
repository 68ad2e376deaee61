"""`period` of the public statistics: 2026, 2026Q1, 2026-03, or from/to local dates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from rest_framework import serializers

PERIOD = re.compile(r"^(?P<year>\d{4})(?:Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.datetime  # inclusive, local midnight
    end: dt.datetime  # exclusive

    @property
    def last_day(self) -> dt.date:
        return (timezone.localtime(self.end) - dt.timedelta(days=1)).date()


def local_midnight(day: dt.date) -> dt.datetime:
    """The first instant of `day` in the local time zone (Asia/Ho_Chi_Minh)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _first_of(year: int, month: int) -> dt.date:
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _date(raw: str) -> dt.date | None:
    """YYYY-MM-DD → date; None when malformed or not a day of the calendar (2024-02-30)."""
    try:
        return parse_date(raw)
    except ValueError:
        return None


def period_from(params: Any) -> Period:
    """Default: the current quarter. A period that is not one: 400, never a silent default."""
    try:
        return _period_from(params)
    except (ValueError, OverflowError):  # year 0 or past 9999
        raise serializers.ValidationError(
            {"period": [_("Cần YYYY, YYYYQn hoặc YYYY-MM.")]}
        ) from None


def _period_from(params: Any) -> Period:
    raw = str(params.get("period") or "").strip().upper()
    start_raw, end_raw = params.get("from"), params.get("to")
    if start_raw or end_raw:
        start, end = _date(str(start_raw or "")), _date(str(end_raw or ""))
        if start is None or end is None or end < start:
            raise serializers.ValidationError({"from": [_("Cần from và to (YYYY-MM-DD).")]})
        return Period(
            f"{start}…{end}", local_midnight(start), local_midnight(end + dt.timedelta(days=1))
        )
    if not raw:
        today = timezone.localdate()
        raw = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    match = PERIOD.match(raw)
    if match is None:
        raise serializers.ValidationError({"period": [_("Cần YYYY, YYYYQn hoặc YYYY-MM.")]})
    year = int(match["year"])
    if match["quarter"]:
        first = 3 * int(match["quarter"]) - 2
        first_day, next_day = _first_of(year, first), _first_of(year, first + 3)
    elif match["month"]:
        first_day, next_day = (
            _first_of(year, int(match["month"])),
            _first_of(year, int(match["month"]) + 1),
        )
    else:
        first_day, next_day = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    return Period(raw, local_midnight(first_day), local_midnight(next_day))


def months_from(params: Any) -> tuple[dt.date, dt.date]:
    """Trend range: from/to as YYYY-MM; default the last 12 months including this one."""
    today = timezone.localdate()

    def month(name: str, default: dt.date) -> dt.date:
        raw = str(params.get(name) or "")
        if not raw:
            return default
        day = _date(f"{raw}-01") if len(raw) == 7 else None
        if day is None:
            raise serializers.ValidationError({name: [_("Cần YYYY-MM.")]})
        return day

    last = month("to", today.replace(day=1))
    first = month("from", _first_of(last.year, last.month - 11))
    if first > last or (last.year - first.year) * 12 + last.month - first.month >= 120:
        raise serializers.ValidationError({"from": [_("Tối đa 120 tháng.")]})
    return first, last
