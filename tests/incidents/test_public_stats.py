"""Public statistics against hand-built data, and agreement with the staff late rate."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from backend.incidents.models import Incident, Rating, Status
from backend.incidents.selectors.public_stats import city_totals, city_trend, statistics_by
from backend.incidents.selectors.staff import late_rate_by_unit
from backend.units.models import Role
from tests.incidents.factories import BEN_THANH, SAIGON, make_incident, make_staff, ward_unit

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
Q1_START = dt.datetime(2024, 1, 1, tzinfo=HCM)
Q1_END = dt.datetime(2024, 4, 1, tzinfo=HCM)


def at(month: int, day: int, hour: int = 9, year: int = 2024) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=HCM)


def report(
    ward: str,
    created: dt.datetime,
    resolved: dt.datetime | None = None,
    *,
    late: bool = False,
    stars: int | None = None,
    status: str | None = None,
) -> Incident:
    incident = make_incident(ward, unit=ward_unit(ward))
    Incident.objects.filter(pk=incident.pk).update(
        created_at=created,
        resolved_at=resolved,
        is_late=late if resolved else None,
        status=status or (Status.CLOSED if resolved else Status.IN_PROGRESS),
    )
    if stars:
        Rating.objects.create(incident=incident, stars=stars)
    return incident


@pytest.fixture
def quarter(db: Any) -> None:
    report(SAIGON, at(1, 2, 10), at(1, 4, 10), stars=5)  # A: 48 h
    report(SAIGON, at(1, 5, 10), at(1, 15, 10), late=True, stars=1)  # B: 240 h, late
    report(BEN_THANH, at(2, 1, 0), at(2, 2, 0))  # C: 24 h
    report(SAIGON, at(3, 10))  # D: still open
    report(SAIGON, at(12, 20, 10, year=2023), at(1, 3, 10), late=True)  # E: 336 h, late
    report(SAIGON, at(1, 20), status=Status.CANCELLED)  # F: withdrawn, not counted
    report(BEN_THANH, at(3, 30), at(4, 2))  # G: resolved next quarter


def test_per_unit_and_ward_figures(quarter: None) -> None:
    by_unit = {r["code"]: r for r in statistics_by(group="unit", start=Q1_START, end=Q1_END)}
    saigon = by_unit[ward_unit(SAIGON).code]
    assert saigon["received"] == 3 and saigon["resolved"] == 3 and saigon["late"] == 2
    assert saigon["late_rate"] == 0.6667 and saigon["on_time_rate"] == 0.3333
    assert saigon["median_hours_to_resolve"] == 240.0 and saigon["average_rating"] == 3.0
    ben_thanh = by_unit[ward_unit(BEN_THANH).code]
    assert (ben_thanh["received"], ben_thanh["resolved"], ben_thanh["late"]) == (2, 1, 0)
    assert ben_thanh["late_rate"] == 0.0 and ben_thanh["on_time_rate"] == 1.0
    assert ben_thanh["median_hours_to_resolve"] == 24.0 and ben_thanh["average_rating"] is None
    by_ward = {r["code"]: r for r in statistics_by(group="ward", start=Q1_START, end=Q1_END)}
    assert set(by_ward) == {SAIGON, BEN_THANH}
    assert by_ward[SAIGON]["resolved"] == 3 and by_ward[BEN_THANH]["received"] == 2


def test_city_totals(quarter: None) -> None:
    city = city_totals(start=Q1_START, end=Q1_END)
    assert (city["received"], city["resolved"], city["late"]) == (5, 4, 2)
    assert city["late_rate"] == 0.5 and city["median_hours_to_resolve"] == 144.0
    assert city["average_rating"] == 3.0


def test_monthly_trend(quarter: None) -> None:
    trend = city_trend(first=dt.date(2023, 12, 1), last=dt.date(2024, 4, 1))
    assert [m["month"] for m in trend] == ["2023-12", "2024-01", "2024-02", "2024-03", "2024-04"]
    assert [(m["received"], m["resolved"], m["late"]) for m in trend] == [
        (1, 0, 0),
        (2, 3, 2),
        (1, 1, 0),
        (2, 0, 0),
        (0, 1, 0),
    ]
    assert trend[1]["late_rate"] == 0.6667 and trend[3]["late_rate"] is None


def test_public_figures_agree_with_the_staff_late_rate(quarter: None) -> None:
    supervisor = make_staff(Role.SUPERVISOR, "vp-ubnd-tp")
    staff = {
        r["unit_id"]: r for r in late_rate_by_unit(user=supervisor, start=Q1_START, end=Q1_END)
    }
    public = statistics_by(group="unit", start=Q1_START, end=Q1_END)
    published = {r["id"]: r for r in public if r["resolved"]}
    assert set(published) == set(staff)
    for unit_id, row in staff.items():
        assert (published[unit_id]["resolved"], published[unit_id]["late"]) == (
            row["resolved"],
            row["late"],
        )
        assert published[unit_id]["late_rate"] == row["late_rate"]


def test_statistics_api(quarter: None, api: APIClient, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(2):
        body = api.get("/api/public/v1/stats", {"period": "2024Q1", "group": "ward"}).json()
    assert body["period"] == {"label": "2024Q1", "start": "2024-01-01", "end": "2024-03-31"}
    assert body["city"]["late_rate"] == 0.5
    assert {r["code"] for r in body["rows"]} == {SAIGON, BEN_THANH}
    month = api.get("/api/public/v1/stats", {"period": "2024-02"}).json()
    assert month["city"]["resolved"] == 1
    days = api.get("/api/public/v1/stats", {"from": "2024-01-01", "to": "2024-01-31"}).json()
    assert days["city"]["resolved"] == 3
    with django_assert_num_queries(2):
        trend = api.get("/api/public/v1/stats/trend", {"from": "2024-01", "to": "2024-03"})
    assert [m["late_rate"] for m in trend.json()["months"]] == [0.6667, 0.0, None]
    assert api.get("/api/public/v1/stats", {"period": "2024Q5"}).status_code == 400
    assert api.get("/api/public/v1/stats", {"group": "street"}).status_code == 400


def test_statistics_page_in_vietnamese_and_english(quarter: None, api: APIClient) -> None:
    with translation.override("vi"):  # the English request below activates English
        _check_page(api)


def _check_page(api: APIClient) -> None:
    page = api.get("/cong-khai/thong-ke", {"period": "2024Q1"})
    text = page.content.decode()
    assert page.status_code == 200 and "Tỷ lệ trễ hạn theo tháng" in text
    # every figure is in the HTML itself (the charts only draw them again)
    assert "66,67 %" in text and "Phường Sài Gòn" in text
    # the trend's first and last month with a late rate
    assert "2024-01: <b>66,67 %</b></span> → <span>2024-02: <b>0,00 %</b>" in text
    english = api.get("/cong-khai/thong-ke", {"period": "2024Q1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Late rate by month" in english.content.decode()


def test_statistics_page_query_budget(
    quarter: None, api: APIClient, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(5):  # city, units, wards, trend (2)
        assert api.get("/cong-khai/thong-ke", {"period": "2024Q1"}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"period": "2024Q5"},
        {"period": "0000"},
        {"from": "2024-02-30", "to": "2024-03-01"},
        {"from": "2024-01-01"},
    ],
)
def test_an_invalid_period_is_a_400_on_the_page_and_the_api(api: APIClient, query: Any) -> None:
    page = api.get("/cong-khai/thong-ke", query, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 400 and "is not understood" in page.content.decode()
    answer = api.get("/api/public/v1/stats", query)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid"


@pytest.mark.parametrize("query", [{"from": "2024-13"}, {"to": "0000-01"}])
def test_an_invalid_trend_range_is_a_400(api: APIClient, query: Any) -> None:
    assert api.get("/api/public/v1/stats/trend", query).status_code == 400
