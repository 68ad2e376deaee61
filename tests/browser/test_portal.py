"""The residents' portal in a real browser, phone-sized (390 × 844) and on a desktop: filing a
report with the SMS code and a photo, opening a report from the public map, looking a reference
up, following a report."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from backend.accounts import sms
from backend.incidents.models import Channel, Incident, IncidentPhoto
from backend.notifications.models import Follow
from tests.incidents.factories import SAIGON, make_incident, point_in
from tests.mobile_api.images import jpeg_bytes

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 850}


@pytest.fixture
def outbox(settings: Any) -> Iterator[list[sms.SmsMessage]]:
    settings.SMS_GATEWAY = "backend.accounts.sms.MemoryGateway"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def sized(page: Any, viewport: dict[str, int]) -> Any:
    page.set_viewport_size(viewport)
    return page


def sign_in(page: Any, outbox: list[sms.SmsMessage], phone: str = "0912345678") -> None:
    page.fill("#phone", phone)
    page.click("#phone-form button[type=submit]")
    page.wait_for_selector("#code-form:not([hidden])")
    page.wait_for_function("() => document.getElementById('sign-in-msg').textContent")
    code = re.findall(r"\d{4,8}", outbox[-1].text)[-1]
    page.fill("#code", code)
    page.click("#code-form button[type=submit]")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_file_a_report_on_the_web_with_the_sms_code_and_a_photo(
    page: Any, live_server: Any, outbox: list[sms.SmsMessage], viewport: dict[str, int]
) -> None:
    page = sized(page, viewport)
    page.goto(f"{live_server.url}/")
    page.click("#nav-new")
    page.wait_for_selector("body[data-map-ready=true]")
    lon, lat = point_in(SAIGON)
    page.evaluate(f"portalMap.jumpTo({{center: [{lon}, {lat}], zoom: 16}})")
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.getElementById('lat').value !== ''")
    page.select_option("#category", "road-damage")
    page.fill("#description", "Ổ gà sâu giữa đường, xe máy dễ ngã")
    page.set_input_files(
        "#photos", files=[{"name": "o-ga.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}]
    )
    page.click("#submit")  # not signed in yet: the page asks for the phone first
    assert page.locator("#form-msg").inner_text()
    assert Incident.objects.count() == 0
    sign_in(page, outbox)
    page.wait_for_selector("#sign-in", state="hidden")
    page.click("#submit")
    page.wait_for_selector("#done:not([hidden])")
    reference = page.locator("#done-ref").inner_text()
    incident = Incident.objects.get(reference=reference)
    assert incident.channel == Channel.WEB
    assert incident.reporter is not None and incident.reporter.phone == "+84912345678"
    assert abs(incident.location.x - lon) < 1e-3 and abs(incident.location.y - lat) < 1e-3
    assert IncidentPhoto.objects.filter(incident=incident).count() == 1
    page.click("#done-link")
    page.wait_for_selector("#report")
    assert page.locator("#reference").inner_text() == reference
    assert not page.errors


def test_similar_reports_offer_to_follow_instead(
    page: Any, live_server: Any, outbox: list[sms.SmsMessage]
) -> None:
    page = sized(page, PHONE)
    nearby = make_incident(category="road-damage", description="Ổ gà cũ")
    answer = {
        "results": [
            {
                "reference": nearby.reference,
                "status": "new",
                "status_display": "Mới",
                "category": "road-damage",
                "distance_m": 12.5,
                "created_at": "2026-12-01T08:00:00+07:00",
                "thumbnail_url": None,
                "public_url": f"/phan-anh/{nearby.reference}/",
                "demand": 1,
            }
        ]
    }
    # the duplicate check's contract (GET /api/public/v1/similar-reports), answered here
    page.route(
        re.compile(r".*/api/public/v1/similar-reports\?.*"),
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(answer)
        ),
    )
    page.goto(f"{live_server.url}/phan-anh-moi/")
    page.wait_for_selector("body[data-map-ready=true]")
    sign_in(page, outbox)
    page.wait_for_selector("#sign-in", state="hidden")
    lon, lat = point_in(SAIGON)
    page.evaluate(f"portalMap.jumpTo({{center: [{lon}, {lat}], zoom: 16}})")
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.select_option("#category", "road-damage")
    page.fill("#description", "Ổ gà")
    page.click("#submit")
    page.wait_for_selector("#similar:not([hidden])")
    assert nearby.reference in page.locator("#similar-list").inner_text()
    page.click("#similar-list .follow-this")
    page.wait_for_selector(f"body[data-followed='{nearby.reference}']")
    assert Follow.objects.filter(incident=nearby, user__phone="+84912345678").exists()
    assert Incident.objects.count() == 1  # nothing new filed


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_open_a_report_page_from_the_public_map(
    page: Any, live_server: Any, viewport: dict[str, int]
) -> None:
    page = sized(page, viewport)
    incident = make_incident(description="Cây đổ chắn lối đi")
    lon, lat = incident.location.x, incident.location.y
    page.goto(f"{live_server.url}/#xem=16/{lat:.6f}/{lon:.6f}")
    page.wait_for_selector("body[data-map-ready=true]")
    page.wait_for_function(
        """(ref) => portalMap.queryRenderedFeatures({layers: ["points"]})
            .some((f) => f.properties.ref === ref)""",
        arg=incident.reference,
    )
    at = page.evaluate(
        f"(() => {{ const p = portalMap.project([{lon}, {lat}]); return [p.x, p.y]; }})()"
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + at[0], box["y"] + at[1])
    page.click(".popup-link")
    page.wait_for_selector("#report")
    assert page.url.endswith(f"/phan-anh/{incident.reference}/")
    assert "Cây đổ chắn lối đi" in page.locator("#description").inner_text()
    page.wait_for_selector("body[data-map-ready=true]")  # the small map at its place
    assert not page.errors


def test_reference_lookup(page: Any, live_server: Any) -> None:
    page = sized(page, PHONE)
    incident = make_incident()
    page.goto(f"{live_server.url}/")
    page.fill("#lookup-ref", incident.reference.lower())
    page.click("#lookup button[type=submit]")
    page.wait_for_selector("#report")
    assert page.locator("#status").inner_text() == "Mới"
    page.goto(f"{live_server.url}/")
    page.fill("#lookup-ref", "1022-1999-000001")
    page.click("#lookup button[type=submit]")
    page.wait_for_selector("#not-found")


def test_follow_a_report_from_its_page(
    page: Any, live_server: Any, outbox: list[sms.SmsMessage]
) -> None:
    page = sized(page, PHONE)
    incident = make_incident()
    page.goto(f"{live_server.url}/phan-anh/{incident.reference}/")
    assert "1 người quan tâm" in page.locator("#interested").inner_text()
    page.click("#follow")  # not signed in: to the sign-in page and back
    page.wait_for_selector("#phone-form")
    sign_in(page, outbox, phone="0913000333")
    page.wait_for_url(re.compile(f".*/phan-anh/{incident.reference}/$"))
    page.click("#follow")
    page.wait_for_selector("#follow[data-following=true]")
    assert "2 người quan tâm" in page.locator("#interested").inner_text()
    assert Follow.objects.filter(incident=incident, user__phone="+84913000333").exists()
    page.goto(f"{live_server.url}/cua-toi/")
    assert incident.reference in page.locator("#follows").inner_text()
    assert not page.errors
