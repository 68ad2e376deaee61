"""The leaders' dashboard on hand-built data: every number counted by hand, the scopes enforced,
and the API answering the selector's numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from backend.incidents.models import Incident, Rating, Status
from backend.incidents.selectors.dashboard import (
    DashboardForbidden,
    DashboardScope,
    dashboard,
    default_scope,
)
from backend.incidents.selectors.staff import late_rate_by_unit, overdue
from backend.incidents.services.handling import (
    incident_add_direction,
    incident_answer_direction,
)
from backend.incidents.services.reporter import incident_rate
from backend.units.models import Role, Unit
from tests.incidents.factories import (
    BEN_THANH,
    SAIGON,
    make_incident,
    make_staff,
    make_user,
    ward_unit,
)

pytestmark = pytest.mark.django_db

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
AT = dt.datetime(2026, 11, 19, 10, 0, tzinfo=HCM)  # a Thursday of Q4


def local(month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=HCM)


def resolved(ward: str, when: dt.datetime, *, late: bool, reporter: Any = None) -> Incident:
    return make_incident(
        ward,
        status=Status.RESOLVED,
        reporter=reporter,
        resolved_at=when,
        is_late=late,
        due_at=when + (dt.timedelta(hours=-1) if late else dt.timedelta(days=1)),
        created_at=when - dt.timedelta(days=3),
    )


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    saigon, ben_thanh = ward_unit(SAIGON), ward_unit(BEN_THANH)
    resident = make_user(phone="+84909990001")
    leader = make_staff(Role.LEADER, saigon)
    handler = make_staff(Role.HANDLER, saigon)
    r1 = resolved(SAIGON, local(11, 18), late=False, reporter=resident)  # this week
    r2 = resolved(SAIGON, local(11, 17), late=True, reporter=resident)  # this week
    resolved(SAIGON, local(11, 12), late=True)  # last week, this month
    resolved(SAIGON, local(11, 2), late=False)  # this month
    resolved(SAIGON, local(10, 20), late=False)  # last month, this quarter
    r6 = resolved(SAIGON, local(8, 10), late=True, reporter=resident)  # last quarter
    resolved(BEN_THANH, local(11, 18), late=True)  # another unit, this week
    o1 = make_incident(SAIGON, status=Status.ASSIGNED, due_at=local(11, 18))  # overdue
    make_incident(SAIGON, status=Status.RECEIVED, due_at=local(11, 19, 20))  # due soon
    o3 = make_incident(SAIGON, status=Status.IN_PROGRESS, due_at=local(11, 25))
    make_incident(SAIGON)  # new, no deadline yet
    make_incident(BEN_THANH, status=Status.RECEIVED, due_at=local(11, 1))  # overdue elsewhere
    for incident, stars, when in (
        (r1, 4, local(11, 18, 12)),
        (r2, 3, local(11, 18, 13)),
        (r6, 5, local(8, 11)),
    ):
        incident_rate(incident_id=incident.pk, reporter=resident, stars=stars)
        Rating.objects.filter(incident=incident).update(created_at=when)
    incident_add_direction(actor=leader, incident=o1, text="Xử lý ngay trong ngày")
    answered = incident_add_direction(actor=leader, incident=o3, text="Báo cáo tiến độ")
    incident_answer_direction(actor=handler, incident=o3, direction_id=answered.pk, text="Đang làm")
    supervisor = make_staff(Role.SUPERVISOR, Unit.objects.get(code="vp-ubnd-tp"))
    return {
        "saigon": saigon,
        "ben_thanh": ben_thanh,
        "leader": leader,
        "supervisor": supervisor,
        "o1": o1,
    }


def period(board: Any, name: str) -> dict[str, Any]:
    return next(p for p in board.periods if p["period"] == name)


def test_a_unit_heads_dashboard_counts_what_was_built_by_hand(world: dict[str, Any]) -> None:
    scope = DashboardScope(kind="unit", unit_id=world["saigon"].pk)
    board = dashboard(user=world["leader"], scope=scope, at=AT)
    assert (board.open, board.overdue, board.due_soon) == (4, 1, 1)
    week, month, quarter = period(board, "week"), period(board, "month"), period(board, "quarter")
    assert (week["current"]["resolved"], week["current"]["late"]) == (2, 1)
    assert (week["previous"]["resolved"], week["previous"]["late"]) == (1, 1)
    assert (month["current"]["resolved"], month["current"]["late"]) == (4, 2)
    assert (month["previous"]["resolved"], month["previous"]["late"]) == (1, 0)
    assert (quarter["current"]["resolved"], quarter["current"]["late"]) == (5, 2)
    assert quarter["current"]["late_rate"] == 0.4 and quarter["current"]["on_time"] == 3
    assert (quarter["previous"]["resolved"], quarter["previous"]["late"]) == (1, 1)
    trend = {row["week"]: row for row in board.trend}
    assert len(trend) == 13
    assert trend[dt.date(2026, 11, 16)]["resolved"] == 2
    assert trend[dt.date(2026, 11, 9)]["late_rate"] == 1.0
    assert trend[dt.date(2026, 10, 19)]["late_rate"] == 0.0
    assert board.rating == {"average": 3.5, "count": 2}  # r6's rating is last quarter's
    assert [u["unit_id"] for u in board.units] == [world["saigon"].pk]
    assert board.units[0] | {"name": ""} == {
        "unit_id": world["saigon"].pk,
        "name": "",
        "resolved": 5,
        "on_time": 3,
        "late": 2,
        "late_rate": 0.4,
        "overdue": 1,
        "rank": 1,
    }
    assert [row["id"] for row in board.oldest_overdue] == [world["o1"].pk]
    assert board.oldest_overdue[0]["overdue_hours"] == 25.0
    assert board.directions["count"] == 1
    assert board.directions["oldest"][0]["note"] == "Xử lý ngay trong ngày"


def test_the_city_ranks_units_and_equals_the_staff_selectors(world: dict[str, Any]) -> None:
    supervisor = world["supervisor"]
    board = dashboard(user=supervisor, scope=DashboardScope(kind="city"), at=AT)
    assert (board.open, board.overdue) == (5, 2)
    assert period(board, "week")["current"]["resolved"] == 3
    assert [u["unit_id"] for u in board.units] == [world["ben_thanh"].pk, world["saigon"].pk]
    # the same definitions as the staff selectors the map's strip and the late-rate API read
    from backend.incidents.selectors.staff import incidents_visible_to

    assert board.overdue == overdue(incidents_visible_to(supervisor), now=AT).count()
    quarter = period(board, "quarter")
    rates = late_rate_by_unit(user=supervisor, start=quarter["start"], end=AT)
    assert {r["unit_id"]: (r["resolved"], r["late"]) for r in rates} == {
        u["unit_id"]: (u["resolved"], u["late"]) for u in board.units
    }


def test_scopes_are_enforced_on_the_server(world: dict[str, Any]) -> None:
    leader = world["leader"]
    assert default_scope(leader) == DashboardScope(kind="unit", unit_id=world["saigon"].pk)
    assert default_scope(world["supervisor"]) == DashboardScope(kind="city")
    with pytest.raises(DashboardForbidden):
        dashboard(user=leader, scope=DashboardScope(kind="city"), at=AT)
    with pytest.raises(DashboardForbidden):
        dashboard(user=leader, scope=DashboardScope(kind="unit", unit_id=world["ben_thanh"].pk))
    # a ward or a field is seen through the user's own units only
    ward = world["ben_thanh"].areas.first()
    board = dashboard(user=leader, scope=DashboardScope(kind="ward", ward_id=ward.pk), at=AT)
    assert (board.open, board.overdue) == (0, 0)
    field = dashboard(user=leader, scope=DashboardScope(kind="field", field="environment"), at=AT)
    city_field = dashboard(
        user=world["supervisor"], scope=DashboardScope(kind="field", field="environment"), at=AT
    )
    assert field.open <= city_field.open


def test_the_api_answers_the_selectors_numbers(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["leader"])
    url = reverse("staff:dashboard")
    answer = client.get(url, {"scope": "unit", "unit": world["saigon"].pk})
    assert answer.status_code == 200
    body = answer.json()
    board = dashboard(
        user=world["leader"], scope=DashboardScope(kind="unit", unit_id=world["saigon"].pk)
    )
    assert (body["open"], body["overdue"], body["due_soon"]) == (
        board.open,
        board.overdue,
        board.due_soon,
    )
    assert [p["current"] for p in body["periods"]] == [p["current"] for p in board.periods]
    assert [u["rank"] for u in body["units"]] == [u["rank"] for u in board.units]
    assert body["rating"] == board.rating and body["directions"]["count"] == 1
    refused = client.get(url, {"scope": "city"}, headers={"accept-language": "en"})
    assert refused.status_code == 403 and refused.json()["code"] == "dashboard_scope_forbidden"
    missing = client.get(url, {"scope": "unit"})
    assert missing.status_code == 400 and "unit" in missing.json()["details"]
    other = client.get(url, {"scope": "unit", "unit": world["ben_thanh"].pk})
    assert other.status_code == 403


def recount() -> dict[tuple[Any, Any], tuple[int, int]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT (resolved_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, unit_id, count(*),
                      count(*) FILTER (WHERE is_late)
               FROM incidents_incident WHERE resolved_at IS NOT NULL GROUP BY 1, 2"""
        )
        return {(d, u): (n, k) for d, u, n, k in cursor.fetchall()}


def rollup() -> dict[tuple[Any, Any], tuple[int, int]]:
    from backend.incidents.models import IncidentResolvedDay

    rows = IncidentResolvedDay.objects.values_list("day", "unit_id", "resolved", "late")
    return {(d, u): (n, k) for d, u, n, k in rows if n or k}


def test_the_rollup_equals_counting_the_incidents_through_changes(world: dict[str, Any]) -> None:
    from backend.incidents.services.changes import incident_change

    def same_boards() -> None:
        assert rollup() == recount()
        for user, scope in (
            (world["leader"], DashboardScope(kind="unit", unit_id=world["saigon"].pk)),
            (world["supervisor"], DashboardScope(kind="city")),
        ):
            fast = dashboard(user=user, scope=scope, at=AT)
            counted = dashboard(user=user, scope=scope, at=AT, rollup=False)
            assert (fast.periods, fast.trend, fast.units) == (
                counted.periods,
                counted.trend,
                counted.units,
            )

    same_boards()
    done = Incident.objects.filter(status=Status.RESOLVED, unit=world["saigon"]).order_by("id")
    first, second = done[0], done[1]
    incident_change(first, actor=None, fields={"is_late": not first.is_late})
    incident_change(second, actor=None, fields={"unit": world["ben_thanh"]})
    same_boards()
    incident_change(first, actor=None, to_status=Status.REOPENED, fields={"resolved_at": None})
    same_boards()
    assert (
        period(
            dashboard(user=world["supervisor"], scope=DashboardScope(kind="city"), at=AT), "week"
        )["current"]["resolved"]
        == 2
    )
