"""Duplicates in a real browser: the staff panel's candidates and merging from it; the public
"already reported?" check as the portal's form and the app call it."""

from __future__ import annotations

from typing import Any

import pytest

from backend.incidents.models import Incident, Status
from backend.notifications.models import Follow
from tests.incidents.factories import make_incident, make_user

from .test_staff_map import sign_in, signed_in_to, wait_rendered

pytestmark = [pytest.mark.browser]


def test_staff_merge_a_duplicate_from_the_detail_panel(page: Any, live_server: Any) -> None:
    text = "Ổ gà lớn giữa đường Lê Lợi, xe máy dễ té"
    master = make_incident(category="road-damage", description=text, reporter=make_user())
    duplicate_reporter = make_user()
    duplicate = make_incident(
        category="road-damage", description=text + " ban đêm", reporter=duplicate_reporter
    )
    sign_in(page, live_server.url, "saigon.tiepnhan", path=signed_in_to(duplicate))
    wait_rendered(page, [duplicate.pk])
    page.click(f"#incident-list li[data-id='{duplicate.pk}']")
    candidate = page.locator(f"#duplicates li.duplicate[data-id='{master.pk}']")
    candidate.wait_for()
    assert master.reference in candidate.inner_text() and "Độ giống" in candidate.inner_text()
    assert "1 người dân quan tâm" in page.locator("#demand").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    candidate.locator("button.merge").click()
    page.wait_for_selector("#detail-status.s-merged")
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into_id == master.pk
    assert Follow.objects.filter(incident=master, user=duplicate_reporter).exists()
    assert f"Đã gộp vào {master.reference}" in page.locator("#detail").inner_text()
    # the master now counts the merged report's reporter among those who care
    page.click(f"#incident-list li[data-id='{master.pk}']")
    page.wait_for_selector("#demand >> text=2 người dân quan tâm")
    assert not page.errors


def test_a_cancelled_confirmation_merges_nothing(page: Any, live_server: Any) -> None:
    master = make_incident(category="road-damage", description="Vỉa hè vỡ")
    duplicate = make_incident(category="road-damage", description="Vỉa hè vỡ nhiều chỗ")
    sign_in(page, live_server.url, "saigon.tiepnhan", path=signed_in_to(duplicate))
    wait_rendered(page, [duplicate.pk])
    page.click(f"#incident-list li[data-id='{duplicate.pk}']")
    button = page.locator(f"#duplicates li.duplicate[data-id='{master.pk}'] button.merge")
    page.once("dialog", lambda dialog: dialog.dismiss())
    button.click()
    page.wait_for_timeout(300)
    assert Incident.objects.get(pk=duplicate.pk).status == Status.NEW


def test_the_already_reported_offer_from_the_browser(page: Any, live_server: Any) -> None:
    pothole = make_incident(category="road-damage", status=Status.IN_PROGRESS)
    page.goto(f"{live_server.url}/cong-khai/thong-ke")  # any page of the site: same origin
    query = f"lon={pothole.location.x}&lat={pothole.location.y + 0.0003}&category=road-damage"
    answer = page.evaluate(
        """async (query) => {
            const r = await fetch(`/api/public/v1/similar-reports?${query}`,
                                  {headers: {"Accept-Language": "en"}});
            return {status: r.status, body: await r.json()};
        }""",
        query,
    )
    assert answer["status"] == 200
    [offer] = answer["body"]["results"]
    assert offer["reference"] == pothole.reference and offer["status_display"] == "In progress"
    assert 25 <= offer["distance_m"] <= 40 and offer["demand"] == 1
