import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend.units.deadlines import (
    add_working_days,
    add_working_hours,
    due_at_for,
    legal_holidays,
)
from backend.units.models import CalendarDay, Category, DayKind, SlaPolicy, SlaUnit, Unit

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=HCM)


def test_tet_2027_is_computed_by_the_holidays_package() -> None:
    tet = {dt.date(2027, 2, d) for d in range(4, 11)}  # 29 Tết … mùng năm (Thu 4 – Wed 10 Feb)
    assert tet <= legal_holidays(2027)


@pytest.mark.django_db
def test_working_days_skip_tet_2027() -> None:
    # Wed 3 Feb 2027; Thu 4 – Wed 10 Feb are Tết (with the weekend inside): next is Thu 11 Feb.
    assert add_working_days(at(2027, 2, 3, 10, 0), 1) == at(2027, 2, 11, 17, 0)
    assert add_working_days(at(2027, 2, 3, 10, 0), 2) == at(2027, 2, 12, 17, 0)


@pytest.mark.django_db
def test_working_hours_skip_lunch_nights_and_weekends() -> None:
    assert add_working_hours(at(2026, 3, 4, 11, 0), 1) == at(2026, 3, 4, 13, 30)
    assert add_working_hours(at(2026, 3, 6, 16, 0), 2) == at(2026, 3, 9, 8, 30)  # Fri → Mon
    assert add_working_hours(at(2026, 3, 7, 22, 0), 1) == at(2026, 3, 9, 8, 30)  # Sat night
    assert add_working_hours(at(2026, 3, 4, 6, 0), 8) == at(2026, 3, 4, 17, 0)  # full day


@pytest.mark.django_db
def test_make_up_working_day_and_extra_day_off_from_the_admin_table() -> None:
    CalendarDay.objects.create(date=dt.date(2026, 3, 7), kind=DayKind.WORKING_DAY, note="làm bù")
    assert add_working_hours(at(2026, 3, 6, 16, 0), 2) == at(2026, 3, 7, 8, 30)
    CalendarDay.objects.create(date=dt.date(2026, 3, 10), kind=DayKind.DAY_OFF, note="nghỉ")
    assert add_working_days(at(2026, 3, 9, 9, 0), 1) == at(2026, 3, 11, 17, 0)


@pytest.mark.django_db
def test_due_at_uses_unit_policy_then_category_default_then_settings() -> None:
    cat = Category.objects.get(code="noise")
    unit = Unit.objects.get(code="ubnd-26740")
    start = at(2026, 3, 2, 9, 0)  # Monday
    assert due_at_for(category=cat, unit=unit, start=start) == at(2026, 3, 9, 17, 0)  # 5 days
    SlaPolicy.objects.create(category=cat, amount=2, period=SlaUnit.WORKING_DAYS)
    assert due_at_for(category=cat, unit=unit, start=start) == at(2026, 3, 4, 17, 0)
    SlaPolicy.objects.create(category=cat, unit=unit, amount=4, period=SlaUnit.WORKING_HOURS)
    assert due_at_for(category=cat, unit=unit, start=start) == at(2026, 3, 2, 14, 30)
    assert due_at_for(category=cat, unit=None, start=start) == at(2026, 3, 4, 17, 0)


@pytest.mark.django_db
def test_due_at_is_one_query_and_sees_days_of_the_next_year(
    django_assert_num_queries: Any,
) -> None:
    cat = Category.objects.get(code="noise")
    SlaPolicy.objects.create(category=cat, amount=1, period=SlaUnit.WORKING_DAYS)
    start = at(2026, 12, 31, 10, 0)  # Thursday; Fri 1 Jan 2027 is New Year, then a weekend
    with django_assert_num_queries(1):
        assert due_at_for(category=cat, unit=None, start=start) == at(2027, 1, 4, 17, 0)
    CalendarDay.objects.create(date=dt.date(2027, 1, 2), kind=DayKind.WORKING_DAY, note="làm bù")
    with django_assert_num_queries(1):
        assert due_at_for(category=cat, unit=None, start=start) == at(2027, 1, 2, 17, 0)


@pytest.mark.django_db
def test_due_at_agrees_with_the_calendar_read_year_by_year() -> None:
    """The days read with the policy give the same deadlines as reading each year when needed,
    also for deadlines that run past the two years read up front."""
    cat = Category.objects.get(code="noise")
    days = [
        (dt.date(2026, 12, 28), DayKind.DAY_OFF),
        (dt.date(2027, 1, 9), DayKind.WORKING_DAY),
        (dt.date(2027, 3, 1), DayKind.DAY_OFF),
        (dt.date(2028, 1, 3), DayKind.DAY_OFF),
        (dt.date(2028, 1, 8), DayKind.WORKING_DAY),
    ]
    for date, kind in days:
        CalendarDay.objects.create(date=date, kind=kind)
    policy = SlaPolicy.objects.create(category=cat, amount=1, period=SlaUnit.WORKING_DAYS)
    starts = [at(2026, 12, 24, 9), at(2026, 12, 31, 16), at(2027, 12, 30, 11), at(2027, 1, 8, 20)]
    days_, hours = SlaUnit.WORKING_DAYS, SlaUnit.WORKING_HOURS
    for amount, period in [(1, days_), (300, days_), (4, hours), (2000, hours)]:
        SlaPolicy.objects.filter(pk=policy.pk).update(amount=amount, period=period)
        add = add_working_hours if period == SlaUnit.WORKING_HOURS else add_working_days
        for start in starts:
            assert due_at_for(category=cat, unit=None, start=start) == add(start, amount)
