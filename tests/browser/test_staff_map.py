"""The staff map in a real browser: sign-in, drawn features, filters, resolving, scope."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from backend.incidents.models import Incident, PhotoKind, Status
from tests.incidents.factories import SAIGON, make_incident

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser]

RENDERED_IDS = """() => window.hotlineMap
    .queryRenderedFeatures({layers: ["points"]}).map((f) => f.id)"""


def sign_in(page: Any, base: str, username: str, path: str = "/") -> None:
    page.goto(f"{base}{path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("body[data-map-ready=true]")


def at(incident: Incident, zoom: int = 16) -> str:
    return f"#map={zoom}/{incident.location.y:.6f}/{incident.location.x:.6f}"


def signed_in_to(incident: Incident) -> str:
    """The sign-in page that comes back to the map at the incident."""
    return f"{reverse('staff-login')}?next={reverse('staff-map')}{at(incident)}"


def wait_rendered(page: Any, present: list[int], absent: tuple[int, ...] = ()) -> None:
    page.wait_for_function(
        f"""([present, absent]) => {{
            const ids = ({RENDERED_IDS})();
            return present.every((i) => ids.includes(i)) && absent.every((i) => !ids.includes(i));
        }}""",
        arg=[present, list(absent)],
    )


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 160, 90)).save(out, "JPEG")
    return out.getvalue()


def test_anonymous_visitors_sign_in_and_land_on_the_map(page: Any, live_server: Any) -> None:
    incident = make_incident(description="Rác tồn đọng đầu hẻm 42")
    tile_tokens: list[str | None] = []

    def note_tile(request: Any) -> None:
        if "/tiles/" in request.url:
            tile_tokens.append(request.headers.get("x-map-token"))

    page.on("request", note_tile)
    page.goto(f"{live_server.url}/{at(incident)}")  # a link from before the move under /staff/
    assert reverse("staff-login") in page.url and at(incident) in page.url
    assert page.locator("html").get_attribute("lang") == "vi"
    sign_in(page, live_server.url, "saigon.tiepnhan", path=signed_in_to(incident))
    wait_rendered(page, [incident.pk])  # drawn by WebGL from our tiles, not just a div
    page.wait_for_selector(f"#incident-list li[data-id='{incident.pk}']")
    assert page.locator("#stat-open").inner_text() != "–"
    assert page.locator(".topbar").inner_text().count("đang mở") == 1
    assert tile_tokens and all(tile_tokens)  # every tile asked with the page's map token
    legend = page.locator("#legend")
    assert "Mới" in legend.inner_text() and "Viền đỏ: quá hạn" in legend.inner_text()
    assert not page.locator("#legend >> text=Có phản ánh quá hạn").is_visible()
    page.evaluate("window.hotlineMap.jumpTo({zoom: 9})")  # below it, cells instead of points
    page.wait_for_selector("#legend >> text=Có phản ánh quá hạn", state="visible")
    assert not page.locator("#legend >> text=Viền đỏ: quá hạn").is_visible()
    assert not page.errors


def test_a_filter_changes_the_map_and_the_list_and_stays_in_the_url(
    page: Any, live_server: Any
) -> None:
    fresh = make_incident(description="Đèn đường hỏng")
    received = make_incident(status=Status.RECEIVED, description="Cây xanh gãy cành")
    sign_in(page, live_server.url, "saigon.tiepnhan", path=signed_in_to(fresh))
    wait_rendered(page, [fresh.pk, received.pk])
    page.select_option("#filters select[name=status]", "received")
    wait_rendered(page, [received.pk], absent=(fresh.pk,))
    page.wait_for_selector(f"#incident-list li[data-id='{fresh.pk}']", state="detached")
    assert page.locator(f"#incident-list li[data-id='{received.pk}']").count() == 1
    assert "status=received" in page.url
    page.reload()  # a shared link opens with the same filter
    page.wait_for_selector("body[data-map-ready=true]")
    assert page.locator("#filters select[name=status]").input_value() == "received"
    wait_rendered(page, [received.pk], absent=(fresh.pk,))


def test_handler_resolves_an_incident_with_a_photo(page: Any, live_server: Any) -> None:
    from django.contrib.auth import get_user_model

    handler = get_user_model().objects.get(username="saigon.xuly")
    incident = make_incident(status=Status.IN_PROGRESS, assignee=handler)
    sign_in(page, live_server.url, "saigon.xuly", path=signed_in_to(incident))
    wait_rendered(page, [incident.pk])
    page.click(f"#incident-list li[data-id='{incident.pk}']")
    form = page.locator("#detail form[data-action=resolved]")
    form.locator("textarea[name=note]").fill("Đã thu gom rác, vệ sinh mặt đường")
    form.locator("input[name=photo]").set_input_files(
        {"name": "ket-qua.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    )
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#detail-status.s-resolved")
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    assert incident.photos.filter(kind=PhotoKind.RESOLUTION).count() == 1
    assert page.locator("#detail img.photo.resolution").count() == 1


def test_a_public_reply_and_an_internal_note_are_two_different_buttons(
    page: Any, live_server: Any
) -> None:
    incident = make_incident(status=Status.RECEIVED, description="Nắp cống bị mất")
    sign_in(page, live_server.url, "saigon.tiepnhan", path=signed_in_to(incident))
    wait_rendered(page, [incident.pk])
    page.click(f"#incident-list li[data-id='{incident.pk}']")
    form = page.locator("#detail form[data-action=comment]")
    form.locator("textarea[name=text]").fill("Gọi đội thoát nước số 3")
    form.locator("button[value=internal]").click()
    page.wait_for_selector("#detail .timeline li.internal >> text=Gọi đội thoát nước số 3")
    form = page.locator("#detail form[data-action=comment]")
    form.locator("textarea[name=text]").fill("Đã ghi nhận, sẽ xử lý trong 2 ngày")
    form.locator("button[value=public]").click()
    page.wait_for_selector("#detail .timeline li.public >> text=Đã ghi nhận, sẽ xử lý trong 2 ngày")
    talk = {
        e.note: (e.kind, e.is_internal)
        for e in incident.events.filter(kind__in=["note", "comment"])
    }
    assert talk == {
        "Gọi đội thoát nước số 3": ("note", True),
        "Đã ghi nhận, sẽ xử lý trong 2 ngày": ("comment", False),
    }
    assert "Nội bộ" in page.locator("#detail .timeline li.internal").first.inner_text()


def test_staff_of_another_ward_cannot_open_it(page: Any, live_server: Any) -> None:
    incident = make_incident(SAIGON, description="Lấn chiếm vỉa hè")
    sign_in(page, live_server.url, "benthanh.tiepnhan", path=signed_in_to(incident))
    # an old staff link to one incident (before the move under /staff/) still opens it there
    page.goto(f"{live_server.url}/?incident={incident.pk}{at(incident)}")
    page.wait_for_selector("body[data-map-ready=true]")
    assert page.url.startswith(f"{live_server.url}{reverse('staff-map')}?incident=")
    page.wait_for_selector("#detail .error[role=alert]")
    assert "Lấn chiếm" not in page.locator("#detail").inner_text()
    status = page.evaluate(
        f"() => fetch('/api/staff/v1/incidents/{incident.pk}').then(r => r.status)"
    )
    assert status == 404
    page.wait_for_timeout(500)
    assert incident.pk not in page.evaluate(RENDERED_IDS)
    assert page.locator(f"#incident-list li[data-id='{incident.pk}']").count() == 0
