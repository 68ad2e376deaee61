"""The public statistics page in a real browser, on a phone and a desk: charts drawn with the
API's numbers, the wards' choropleth, sortable tables, downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from backend.incidents.models import Incident, Rating, Status
from tests.incidents.factories import BEN_THANH, SAIGON, make_incident, ward_unit

pytestmark = [pytest.mark.browser]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}


def resolved(ward: str, days_ago: int, *, late: bool, stars: int | None = None) -> None:
    incident = make_incident(ward, unit=ward_unit(ward))
    when = timezone.now() - dt.timedelta(days=days_ago)
    Incident.objects.filter(pk=incident.pk).update(
        created_at=when - dt.timedelta(days=2), resolved_at=when, is_late=late, status=Status.CLOSED
    )
    if stars:
        Rating.objects.create(incident=incident, stars=stars)


@pytest.fixture
def figures(seeded: None) -> None:
    resolved(SAIGON, 1, late=True, stars=2)
    resolved(SAIGON, 1, late=False, stars=4)
    resolved(BEN_THANH, 1, late=False, stars=5)
    resolved(SAIGON, 40, late=True)
    make_incident(SAIGON)  # still open


def api(page: Any, url: str) -> Any:
    return page.evaluate("async (url) => (await fetch(url)).json()", url)


def chart_data(page: Any, canvas: str) -> Any:
    return page.evaluate(
        """(id) => {
            const c = Chart.getChart(id);
            return {labels: c.data.labels, sets: c.data.datasets.map((d) => d.data),
                    codes: c.data.datasets[0].codes || null};
        }""",
        canvas,
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_charts_draw_the_apis_numbers(
    browser: Any, live_server: Any, figures: None, viewport: dict[str, int]
) -> None:
    context = browser.new_context(locale="vi-VN", viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server.url}/cong-khai/thong-ke")
        page.wait_for_function("() => window.Chart && Chart.getChart('trend-chart')")
        config = page.evaluate("JSON.parse(document.getElementById('stats-data').textContent)")
        trend = api(page, config["api"]["trend"])
        units = api(page, config["api"]["units"])

        drawn = chart_data(page, "trend-chart")
        assert drawn["labels"] == [m["month"] for m in trend["months"]]
        assert drawn["sets"][0] == [m["late_rate"] for m in trend["months"]]
        assert drawn["sets"][1] == [m["received"] for m in trend["months"]]
        assert any(rate for rate in drawn["sets"][0])  # the story has numbers in it

        ranked = chart_data(page, "units-chart")
        by_code = {r["code"]: r for r in units["rows"]}
        rates = [by_code[c]["late_rate"] for c in ranked["codes"]]
        assert ranked["sets"][0] == rates and rates == sorted(rates, reverse=True)
        assert len(rates) == len([r for r in units["rows"] if r["late_rate"] is not None])
        ratings = chart_data(page, "ratings-chart")
        assert ratings["sets"][0] == [by_code[c]["average_rating"] for c in ratings["codes"]]

        page.wait_for_selector("#ward-map[data-ready='1']")
        wards = api(page, config["wards_url"])
        assert int(page.get_attribute("#ward-map", "data-features")) == len(wards["features"])
        drawn_wards = page.evaluate("() => document.querySelector('#ward-map canvas').width > 0")
        assert drawn_wards
        if viewport is PHONE:  # nothing wider than the phone but the tables' own scroll boxes
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= PHONE["width"]
            assert page.locator("#trend-chart").bounding_box()["width"] <= PHONE["width"]
        assert not errors
    finally:
        context.close()


def test_tables_sort_and_downloads_carry_the_licence(
    page: Any, live_server: Any, figures: None
) -> None:
    page.goto(f"{live_server.url}/cong-khai/thong-ke")
    table = page.locator("#units-table")
    table.locator("th:nth-child(2) button.sort").click()  # received, ascending
    page.wait_for_selector("#units-table th:nth-child(2)[aria-sort=ascending]")
    counts = [int(x) for x in table.locator("tbody td:nth-child(2)").all_inner_texts()]
    assert counts == sorted(counts) and len(counts) >= 2
    table.locator("th:nth-child(2) button.sort").click()
    counts = [int(x) for x in table.locator("tbody td:nth-child(2)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True)
    assert "CC BY 4.0" in page.locator("#license").inner_text()
    href = page.get_attribute("#download-wards-csv", "href")
    csv_text = page.evaluate("async (u) => (await fetch(u)).text()", href)
    assert csv_text.startswith("# CC BY 4.0") and "late_rate" in csv_text.splitlines()[1]
    assert not page.errors
