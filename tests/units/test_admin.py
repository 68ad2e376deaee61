"""Routing rules and calendar days edited in the admin apply to the very next report.

Routing and deadlines read their tables on every report (one query each, no cache), so an edit
needs no invalidation; these tests keep it that way if a cache is ever added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from backend.accounts.models import User
from backend.incidents.models import Incident
from backend.incidents.services.submit import incident_submit
from backend.units.models import (
    CalendarDay,
    Category,
    DayKind,
    RoutingRule,
    SlaPolicy,
    SlaUnit,
    Unit,
)
from tests.incidents.factories import make_user
from tests.mobile_api.fixtures import category, resident
from tests.mobile_api.images import SAIGON

__all__ = ["category", "resident"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db: Any) -> Client:
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def report(reporter: User, category: Category) -> Incident:
    lon, lat = SAIGON
    result = incident_submit(
        reporter=reporter,
        category=category,
        description="Ổ gà",
        location=Point(lon, lat, srid=4326),
    )
    return result.incident


def test_a_rule_added_or_switched_off_in_the_admin_routes_the_next_report(
    admin_client: Client, resident: User, category: Category, media: Path
) -> None:
    before = report(resident, category).unit
    health = Unit.objects.get(code="so-y-te")
    assert before != health
    response = admin_client.post(
        "/admin/units/routingrule/add/",
        {"priority": 1, "category": category.pk, "area": "", "unit": health.pk, "is_active": "on"},
    )
    assert response.status_code == 302, response.content
    assert report(resident, category).unit == health
    rule = RoutingRule.objects.get(priority=1, category=category, unit=health)
    response = admin_client.post(
        f"/admin/units/routingrule/{rule.pk}/change/",
        {"priority": 1, "category": category.pk, "area": "", "unit": health.pk},
    )
    assert response.status_code == 302, response.content
    assert report(resident, category).unit == before


def test_a_day_off_added_or_removed_in_the_admin_moves_the_next_deadline(
    admin_client: Client, resident: User, category: Category, media: Path
) -> None:
    SlaPolicy.objects.filter(category=category).delete()
    SlaPolicy.objects.create(category=category, amount=2, period=SlaUnit.WORKING_DAYS)
    due = report(resident, category).due_at
    assert due is not None
    due_day = timezone.localtime(due).date()
    response = admin_client.post(
        "/admin/units/calendarday/add/",
        {"date": due_day.isoformat(), "kind": DayKind.DAY_OFF, "note": "nghỉ bù"},
    )
    assert response.status_code == 302, response.content
    moved = report(resident, category).due_at
    assert moved is not None and timezone.localtime(moved).date() > due_day
    day = CalendarDay.objects.get(date=due_day)
    response = admin_client.post(f"/admin/units/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content
    assert report(resident, category).due_at == due
