"""Operator statistics (per operator, per shift) and the map of contacts, scoped by role."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from backend.contact.models import Contact, Outcome
from backend.units.models import Role, Unit
from tests.incidents.factories import BEN_THANH, SAIGON, make_incident, make_staff, ward_unit

from .helpers import signed_in

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = dt.date(2026, 3, 2)
PERIOD: dict[str, Any] = {"from": "2026-03-02", "to": "2026-03-02"}


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time(hour, minute), tzinfo=HCM)


def contact(operator: Any, start: dt.datetime, minutes: int, outcome: str, **extra: Any) -> Contact:
    return Contact.objects.create(
        caller_phone="+84901234567",
        operator=operator,
        started_at=start,
        ended_at=start + dt.timedelta(minutes=minutes),
        outcome=outcome,
        reason="—" if outcome == Outcome.OUT_OF_SCOPE else "",
        **extra,
    )


@pytest.fixture
def centre() -> dict[str, Any]:
    saigon, ben_thanh = ward_unit(SAIGON), ward_unit(BEN_THANH)
    people: dict[str, Any] = {
        "lan": make_staff(Role.OPERATOR, saigon, "op.lan"),
        "minh": make_staff(Role.OPERATOR, ben_thanh, "op.minh"),
        "leader": make_staff(Role.LEADER, saigon, "leader.saigon"),
        "handler": make_staff(Role.HANDLER, saigon, "handler.saigon"),
        "supervisor": make_staff(Role.SUPERVISOR, Unit.objects.get(code="vp-ubnd-tp")),
    }
    incident = make_incident()
    contact(people["lan"], at(8), 4, Outcome.REPORT_CREATED, incident=incident)  # Ca 1
    contact(people["lan"], at(9), 2, Outcome.INFORMATION_GIVEN)  # Ca 1
    contact(people["lan"], at(23, 30), 6, Outcome.OUT_OF_SCOPE)  # Ca 3 (overnight)
    contact(people["minh"], at(15), 10, Outcome.INFORMATION_GIVEN)  # Ca 2
    people["incident"] = incident
    return people


def stats(user: Any) -> Any:
    return signed_in(user).get(reverse("contact-stats"), PERIOD)


def test_the_figures_per_operator_and_per_shift(centre: dict[str, Any]) -> None:
    body = stats(centre["supervisor"]).json()
    lan, minh = body["operators"]
    assert (lan["operator"]["id"], lan["contacts"], lan["closed"]) == (centre["lan"].pk, 3, 3)
    assert lan["average_handling_seconds"] == 4 * 60  # (4 + 2 + 6) / 3 minutes
    assert lan["outcomes"]["report_created"] == 1 and lan["outcomes"]["out_of_scope"] == 1
    assert (minh["contacts"], minh["average_handling_seconds"]) == (1, 600)
    shifts = {row["shift"]["name"].split(" (")[0]: row for row in body["shifts"]}
    assert {name: row["contacts"] for name, row in shifts.items()} == {
        "Ca 1": 2,
        "Ca 2": 1,
        "Ca 3": 1,
    }
    assert shifts["Ca 1"]["average_handling_seconds"] == 180


@pytest.mark.parametrize(
    ("who", "status", "operators"),
    [
        ("supervisor", 200, {"op.lan", "op.minh"}),
        ("leader", 200, {"op.lan"}),  # the operators of their unit only
        ("lan", 200, {"op.lan"}),  # an operator: their own figures
        ("handler", 403, None),
    ],
)
def test_who_sees_which_operators(
    centre: dict[str, Any], who: str, status: int, operators: set[str] | None
) -> None:
    response = stats(centre[who])
    assert response.status_code == status
    if operators is not None:
        assert {row["operator"]["name"] for row in response.json()["operators"]} == operators


@pytest.mark.parametrize(
    ("who", "status"), [("supervisor", 200), ("leader", 200), ("lan", 403), ("handler", 403)]
)
def test_the_map_of_contacts_is_for_leaders(centre: dict[str, Any], who: str, status: int) -> None:
    response = signed_in(centre[who]).get(reverse("contact-stats-map"), PERIOD)
    assert response.status_code == status
    if status == 200:
        (feature,) = response.json()["features"]
        point = centre["incident"].location
        assert feature["geometry"]["coordinates"] == [point.x, point.y]
        assert feature["properties"]["hour"] == 8


def test_the_map_by_hour_and_bad_input(centre: dict[str, Any]) -> None:
    client = signed_in(centre["leader"])
    assert client.get(reverse("contact-stats-map"), {**PERIOD, "hour": 9}).json()["features"] == []
    bad = client.get(reverse("contact-stats-map"), {**PERIOD, "hour": 24})
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    assert client.get(reverse("contact-stats"), {"period": "soon"}).status_code == 400


def test_anonymous_is_refused(api: Any) -> None:
    assert api.get(reverse("contact-stats")).status_code in (401, 403)
