import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from backend.incidents.deadlines import (
    add_working_days,
    add_working_hours,
    due_at_for,
    legal_holidays,
)
from backend.incidents.models import Category
from backend.units.models import CalendarDay, DayKind, SlaPolicy, SlaUnit, Unit

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
