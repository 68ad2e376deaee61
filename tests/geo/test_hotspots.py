"""Hotspots: reports that repeat in one place are one ranked cell, with the previous period's
count; scattered or out-of-period reports are not; the scope is the dashboard's."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from backend.incidents.models import Incident
from backend.incidents.selectors.dashboard import DashboardForbidden, DashboardScope
from backend.incidents.selectors.hotspots import scope_hotspots
from backend.units.models import Role, Unit
from geo.hotspots import cell_steps
from tests.incidents.factories import BEN_THANH, SAIGON, make_incident, make_staff, ward_unit

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
START = dt.datetime(2026, 7, 1, tzinfo=HCM)
END = dt.datetime(2026, 10, 1, tzinfo=HCM)  # Q3; the period before is as long, ending at START


def filed(ward: str, when: dt.datetime, category: str = "rubbish") -> Incident:
    return make_incident(ward, category, created_at=when)


def test_cell_steps_make_square_cells_on_the_ground() -> None:
    dx, dy = cell_steps(200, 10.8)
    assert dy == pytest.approx(200 / 110_574)
    assert dx * 111_320 * 0.98229 == pytest.approx(200, rel=1e-3)  # cos(10.8°)


def test_repeats_rank_first_with_their_trend_and_scope(db: Any) -> None:
    supervisor = make_staff(Role.SUPERVISOR, Unit.objects.get(code="vp-ubnd-tp"))
    for day in (3, 10, 20):  # the same place (each ward's representative point) three times
        filed(SAIGON, dt.datetime(2026, 8, day, 8, tzinfo=HCM))
    filed(SAIGON, dt.datetime(2026, 5, 15, tzinfo=HCM))  # the period before
    filed(SAIGON, dt.datetime(2026, 10, 2, tzinfo=HCM))  # after the period
    for day in (4, 5):
        filed(BEN_THANH, dt.datetime(2026, 9, day, tzinfo=HCM))
    city = DashboardScope(kind="city")
    found = scope_hotspots(user=supervisor, scope=city, start=START, end=END, min_count=2)
    saigon_point = make_incident(SAIGON).location
    assert [(h.n, h.previous) for h in found] == [(3, 1), (2, 0)]
    top = found[0]
    assert (top.lon, top.lat) == pytest.approx((saigon_point.x, saigon_point.y))
    assert (top.change, top.ratio) == (2, 3.0)
    assert found[1].ratio is None  # new this period
    assert scope_hotspots(user=supervisor, scope=city, start=START, end=END, min_count=3) == [top]
    # a field without those reports has none; a ward head sees only their own unit's
    assert not scope_hotspots(
        user=supervisor, scope=city, start=START, end=END, field="traffic", min_count=1
    )
    leader = make_staff(Role.LEADER, ward_unit(BEN_THANH))
    mine = DashboardScope(kind="unit", unit_id=ward_unit(BEN_THANH).pk)
    assert [
        h.n for h in scope_hotspots(user=leader, scope=mine, start=START, end=END, min_count=1)
    ] == [2]
    with pytest.raises(DashboardForbidden):
        scope_hotspots(user=leader, scope=city, start=START, end=END)


def test_the_hotspots_api(db: Any) -> None:
    supervisor = make_staff(Role.SUPERVISOR, Unit.objects.get(code="vp-ubnd-tp"))
    for day in (3, 10, 20):
        filed(SAIGON, dt.datetime(2026, 8, day, 8, tzinfo=HCM))
    client = Client()
    client.force_login(supervisor)
    url = reverse("staff:hotspots")
    body = client.get(url, {"scope": "city", "period": "2026Q3"}).json()
    assert [(h["rank"], h["n"], h["previous"], h["ratio"]) for h in body["hotspots"]] == [
        (1, 3, 0, None)
    ]
    bad = client.get(url, {"scope": "city", "period": "2026Q9"})
    assert bad.status_code == 400 and "period" in bad.json()["details"]
    small = client.get(url, {"scope": "city", "cell": "5"})
    assert small.status_code == 400 and "cell" in small.json()["details"]
