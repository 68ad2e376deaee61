"""Open data (CSV, GeoJSON) and the page's chart data: the API's numbers, a licence, no person;
the figures' cache and the job that refreshes it."""

from __future__ import annotations

import csv
import json
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from backend.common.periods import period_from
from backend.incidents.models import Incident
from backend.transparency.tasks import public_statistics_refresh
from tests.incidents.factories import BEN_THANH, SAIGON, make_incident, make_user
from tests.incidents.test_public_stats import at, quarter, report

pytestmark = pytest.mark.django_db
LICENSE = "CC BY 4.0 (test)"
__all__ = ["quarter"]  # the hand-built quarter of test_public_stats


@pytest.fixture(autouse=True)
def _license(settings: Any) -> None:
    settings.OPEN_DATA_LICENSE = LICENSE


def test_csv_has_the_licence_line_a_header_and_the_apis_numbers(
    quarter: None, api: APIClient
) -> None:
    response = api.get("/api/public/v1/stats.csv", {"group": "ward", "period": "2024Q1"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0] == f"# {LICENSE}"
    rows = list(csv.DictReader(lines[1:]))
    body = api.get("/api/public/v1/stats", {"group": "ward", "period": "2024Q1"}).json()
    assert rows[0]["code"] == "city" and float(rows[0]["late_rate"]) == body["city"]["late_rate"]
    by_code = {r["code"]: r for r in rows[1:]}
    assert set(by_code) == {SAIGON, BEN_THANH}
    for row in body["rows"]:
        got = by_code[row["code"]]
        assert int(got["received"]) == row["received"] and int(got["late"]) == row["late"]
        assert (got["late_rate"] or None) == (
            None if row["late_rate"] is None else str(row["late_rate"])
        )


def test_geojson_has_every_ward_with_the_apis_figures_and_a_licence(
    quarter: None, api: APIClient
) -> None:
    response = api.get(
        "/api/public/v1/stats/wards.geojson",
        {"period": "2024Q1"},
        HTTP_ACCEPT="application/geo+json",
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    body = json.loads(response.content)
    assert body["license"] == LICENSE and body["type"] == "FeatureCollection"
    api_rows = {
        r["code"]: r
        for r in api.get("/api/public/v1/stats", {"group": "ward", "period": "2024Q1"}).json()[
            "rows"
        ]
    }
    features = {f["properties"]["code"]: f for f in body["features"]}
    assert len(features) > 2  # every ward in force, also those with nothing
    for code, row in api_rows.items():
        props = features[code]["properties"]
        assert {k: props[k] for k in ("received", "resolved", "late", "late_rate")} == {
            k: row[k] for k in ("received", "resolved", "late", "late_rate")
        }
    quiet = next(f for c, f in features.items() if c not in api_rows)["properties"]
    assert quiet["received"] == 0 and quiet["late_rate"] is None
    assert features[SAIGON]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_downloads_carry_no_person(quarter: None, api: APIClient) -> None:
    reporter = make_user(phone="+84901112233", first_name="Trần")
    incident = report(SAIGON, at(2, 3))
    Incident.objects.filter(pk=incident.pk).update(reporter=reporter, description="Gọi 0901112233")
    for url in ("/api/public/v1/stats.csv", "/api/public/v1/stats/wards.geojson"):
        text = api.get(url, {"group": "ward", "period": "2024Q1"}).content.decode()
        assert "0901112233" not in text and "Trần" not in text and incident.reference not in text


@pytest.mark.parametrize("url", ["/api/public/v1/stats.csv", "/api/public/v1/stats/wards.geojson"])
def test_a_bad_period_is_a_400(api: APIClient, url: str) -> None:
    answer = api.get(url, {"period": "2024Q5"})
    assert answer.status_code == 400 and answer.json()["code"] == "invalid"


def test_the_pages_chart_data_is_the_apis_answer(quarter: None, api: APIClient) -> None:
    page = api.get("/cong-khai/thong-ke", {"period": "2024Q1"}).content.decode()
    found = re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None
    embedded = json.loads(found[1])
    units = api.get(embedded["api"]["units"]).json()
    trend = api.get(embedded["api"]["trend"]).json()
    assert embedded["units"] == units and embedded["trend"] == trend
    assert embedded["api"]["trend"].endswith("from=2023-04&to=2024-03")
    assert 'href="/api/public/v1/stats.csv?group=ward&amp;period=2024Q1"' in page
    assert LICENSE in page


def test_figures_are_kept_and_the_job_counts_them_again(api: APIClient) -> None:
    with override_settings(PUBLIC_STATS_CACHE_SECONDS=3600):
        before = api.get("/api/public/v1/stats").json()["city"]["received"]
        make_incident()  # a report of today: the current quarter
        assert api.get("/api/public/v1/stats").json()["city"]["received"] == before  # kept
        public_statistics_refresh()
        assert api.get("/api/public/v1/stats").json()["city"]["received"] == before + 1
        cache.clear()
        assert api.get("/api/public/v1/stats").json()["city"]["received"] == before + 1


def test_the_job_keeps_the_previous_quarter_counted(api: APIClient) -> None:
    from backend.transparency.tasks import previous_quarter

    assert previous_quarter(period_from({"period": "2026Q1"})).label == "2025Q4"
    assert previous_quarter(period_from({"period": "2026Q3"})).label == "2026Q2"
    previous = previous_quarter(period_from({}))
    cache.clear()
    public_statistics_refresh()
    with CaptureQueriesContext(connection) as counted:
        page = api.get(f"/api/public/v1/stats?group=ward&period={previous.label}")
    assert page.status_code == 200 and page.json()["period"]["label"] == previous.label
    assert not [q for q in counted.captured_queries if "incidents_incident" in q["sql"]]
