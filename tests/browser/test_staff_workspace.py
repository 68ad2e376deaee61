"""The staff workspace in a real browser, per role: answering a direction, changing the field,
moving the point, the transfer picker, bulk actions with per-row results, my work and exports,
English names, the phone layout, keyboard and axe-core accessibility, the basemap."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from backend.incidents.models import EventKind, Incident, Status
from backend.incidents.services.handling import (
    incident_add_direction,
    incident_change_category,
)
from backend.units.models import Category, Unit
from tests.incidents.factories import BEN_THANH, SAIGON, make_incident, point_in, ward_unit

from .conftest import ARTIFACTS, PASSWORD, ROOT
from .test_staff_map import at, wait_rendered

pytestmark = [pytest.mark.browser]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def sign_in(page: Any, base: str, username: str, incident: Incident | None = None) -> None:
    target = reverse("staff-map") + (at(incident) if incident else "")
    page.goto(f"{base}{reverse('staff-login')}?next={target.replace('#', '%23')}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("body[data-map-ready=true]")
    if incident is not None:
        wait_rendered(page, [incident.pk])


def open_detail(page: Any, incident: Incident) -> None:
    page.click(f"#incident-list li[data-id='{incident.pk}']")
    page.wait_for_selector(f"#detail h2:has-text('{incident.reference}')")


def test_a_handler_answers_a_leaders_direction(page: Any, live_server: Any) -> None:
    handler = user("saigon.xuly")
    incident = make_incident(status=Status.ASSIGNED, assignee=handler)
    direction = incident_add_direction(
        actor=user("giamsat"), incident=incident, text="Báo cáo kết quả trước thứ Sáu"
    )
    sign_in(page, live_server.url, "saigon.xuly", incident)
    open_detail(page, incident)
    assert page.locator("#detail form[data-action=direction]").count() == 0  # leaders only
    form = page.locator(f"#detail li[data-direction='{direction.pk}'] form")
    form.locator("textarea").fill("Đã xử lý xong, gửi ảnh thứ Năm")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#detail .answer >> text=Đã xử lý xong, gửi ảnh thứ Năm")
    answer = incident.events.get(kind=EventKind.NOTE)
    assert answer.data["reply_to"] == direction.pk and answer.is_internal
    assert answer.actor == handler
    history = page.locator("#detail .timeline").last.inner_text()
    assert "Chỉ đạo" in history and "direction" not in history


def test_an_operator_changes_the_field(page: Any, live_server: Any) -> None:
    incident = make_incident(status=Status.RECEIVED)
    flooding = Category.objects.get(code="flooding")  # stays with the ward (no city rule)
    sign_in(page, live_server.url, "saigon.tiepnhan", incident)
    open_detail(page, incident)
    form = page.locator("#detail form[data-action=category]")
    form.locator("select[name=category]").select_option(str(flooding.pk))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#detail .timeline >> text=Đổi lĩnh vực")
    incident.refresh_from_db()
    assert incident.category == flooding
    assert flooding.name in page.locator("#detail .facts").inner_text()


def test_a_handler_cannot_change_field_or_location(page: Any, live_server: Any) -> None:
    handler = user("saigon.xuly")
    incident = make_incident(status=Status.ASSIGNED, assignee=handler)
    sign_in(page, live_server.url, "saigon.xuly", incident)
    open_detail(page, incident)
    page.wait_for_selector("#detail form[data-action=comment]")
    for action in ("category", "location", "transfer"):
        assert page.locator(f"#detail form[data-action={action}]").count() == 0
    assert page.locator("#incident-list input.pick").count() == 0  # no bulk for handlers


def test_moving_the_point_shows_the_new_ward_and_unit_before_saving(
    page: Any, live_server: Any
) -> None:
    incident = make_incident(status=Status.RECEIVED)
    lon, lat = point_in(BEN_THANH)
    sign_in(page, live_server.url, "saigon.tiepnhan", incident)
    open_detail(page, incident)
    form = page.locator("#detail form[data-action=location]")
    form.locator("button.secondary").click()  # pick on the map
    page.evaluate(f"window.hotlineMap.jumpTo({{center: [{lon}, {lat}], zoom: 16}})")
    point = page.evaluate(f"window.hotlineMap.project([{lon}, {lat}])")
    box = page.locator("#map canvas").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    preview = form.locator(".preview")
    preview.locator("strong").wait_for()  # "the incident moves to this unit"
    assert "Bến Thành" in preview.inner_text()
    assert ward_unit(BEN_THANH).name in preview.inner_text()
    incident.refresh_from_db()
    assert incident.ward.code == SAIGON  # nothing saved yet
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#detail", state="hidden")  # it left the operator's ward
    incident.refresh_from_db()
    assert incident.ward.code == BEN_THANH and incident.unit == ward_unit(BEN_THANH)
    assert abs(incident.location.x - lon) < 1e-4 and abs(incident.location.y - lat) < 1e-4


def test_transfer_picker_is_searchable_without_diacritics_and_limited(
    page: Any, live_server: Any
) -> None:
    incident = make_incident(status=Status.RECEIVED)
    sign_in(page, live_server.url, "saigon.tiepnhan", incident)
    open_detail(page, incident)
    form = page.locator("#detail form[data-action=transfer]")
    form.locator("select[name=unit] option").first.wait_for(state="attached")
    everything = form.locator("select[name=unit] option").count()
    active = Unit.objects.filter(is_active=True).count()
    assert 0 < everything < active  # not the flat list of every unit
    form.locator("input[type=search]").fill("so y te")
    options = form.locator("select[name=unit] option")
    page.wait_for_function(
        "() => document.querySelectorAll('#detail form[data-action=transfer] option').length === 1"
    )
    assert options.inner_text() == "Sở Y tế"
    form.locator("select[name=unit]").select_option(label="Sở Y tế")
    form.locator("textarea").fill("Thuộc thẩm quyền ngành y tế")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#detail", state="hidden")
    incident.refresh_from_db()
    assert incident.unit == Unit.objects.get(code="so-y-te")
    assert incident.status == Status.TRANSFERRED


def test_bulk_assign_reports_each_row_and_a_conflict(page: Any, live_server: Any) -> None:
    handler = user("saigon.xuly")
    first = make_incident(status=Status.RECEIVED, description="Rác thứ nhất")
    second = make_incident(status=Status.RECEIVED, description="Rác thứ hai")
    sign_in(page, live_server.url, "saigon.tiepnhan", first)
    for incident in (first, second):
        page.check(f"#incident-list li[data-id='{incident.pk}'] input.pick")
    bar = page.locator("#bulk")
    assert "2" in bar.locator(".bulk-head").inner_text()
    # someone else changes the second one meanwhile: its row's version is stale
    incident_change_category(
        actor=user("saigon.lanhdao"),
        incident=Incident.objects.get(pk=second.pk),
        category=Category.objects.get(code="rubbish"),
    )
    bar.locator(f"select[name=assignee] option[value='{handler.pk}']").wait_for(state="attached")
    bar.locator("select[name=assignee]").select_option(str(handler.pk))
    bar.locator("form[data-action=bulk-assign] button[type=submit]").click()
    page.wait_for_selector(f"#bulk .bulk-results li.failed[data-id='{second.pk}']")
    assert page.locator(f"#bulk .bulk-results li.ok[data-id='{first.pk}']").count() == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assignee == handler and first.status == Status.ASSIGNED
    assert second.assignee is None and second.status == Status.RECEIVED


def test_my_work_and_the_export_of_it(page: Any, live_server: Any) -> None:
    handler = user("saigon.xuly")
    mine = make_incident(status=Status.ASSIGNED, assignee=handler, description="Của tôi")
    other = make_incident(status=Status.RECEIVED, description="Chưa giao")
    sign_in(page, live_server.url, "saigon.xuly", mine)
    page.check("#work input[value=mine]")
    page.wait_for_selector(f"#incident-list li[data-id='{other.pk}']", state="detached")
    assert page.locator("#incident-list li.row").count() == 1
    assert "work=mine" in page.url
    href = page.locator("#export-csv").get_attribute("href")
    assert "work=mine" in href
    text = page.evaluate(f"() => fetch('{href}').then(r => r.text())")
    assert mine.reference in text and other.reference not in text
    assert ward_unit(SAIGON).name in text and "ubnd-" not in text
    page.check("#work input[value=unit]")
    page.wait_for_selector(f"#incident-list li[data-id='{other.pk}']")
    assert page.locator(f"#incident-list li[data-id='{mine.pk}']").count() == 0


def test_english_names_when_english_is_chosen(page: Any, live_server: Any) -> None:
    incident = make_incident(status=Status.RECEIVED)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    sign_in(page, live_server.url, "saigon.tiepnhan", incident)
    row = page.locator(f"#incident-list li[data-id='{incident.pk}']")
    assert incident.category.name_en in row.inner_text()
    open_detail(page, incident)
    facts = page.locator("#detail .facts").inner_text()
    assert ward_unit(SAIGON).name_en in facts and incident.category.name_en in facts
    assert "Sài Gòn" not in facts.replace("Sai Gon", "")  # ward in English too


def test_the_phone_layout(browser: Any, live_server: Any, seeded: None) -> None:
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        incident = make_incident(status=Status.RECEIVED, description="Ổ gà trên vỉa hè")
        sign_in(page, live_server.url, "saigon.tiepnhan")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # no sideways scrolling
        assert page.locator("#filters").is_hidden()  # folded behind the "Bộ lọc" button
        page.click("#filters-toggle")
        assert page.locator("#filters select[name=status]").is_visible()
        page.click("#filters-toggle")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "phone-list.png"))
        page.wait_for_selector(f"#incident-list li[data-id='{incident.pk}']")
        list_box = page.locator(".list").bounding_box()
        assert list_box["width"] >= 380 and list_box["height"] >= 500
        page.click(".view-tabs [data-view=map]")
        assert page.locator(".list").is_hidden()
        map_box = page.locator("#map canvas").bounding_box()
        assert map_box["width"] >= 380 and map_box["height"] >= 500
        page.screenshot(path=str(ARTIFACTS / "phone-map.png"))
        page.click(".view-tabs [data-view=list]")
        page.click(f"#incident-list li[data-id='{incident.pk}']")
        page.wait_for_selector("#detail h2")
        panel = page.locator("#detail").bounding_box()
        assert panel["x"] == 0 and panel["width"] == 390 and panel["height"] >= 800
        page.screenshot(path=str(ARTIFACTS / "phone-detail.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        close = page.locator("#detail button.close").bounding_box()
        assert close["width"] >= 44 and close["height"] >= 44  # a finger-sized target
    finally:
        context.close()


def axe_serious(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))  # test-only: the page never serves it
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})"""
    )
    checked = {r["id"] for r in result["passes"]}
    assert {"color-contrast", "label", "button-name"} <= checked  # the rules did run
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_keyboard_and_axe_core(page: Any, live_server: Any) -> None:
    leader = user("saigon.lanhdao")
    incident = make_incident(status=Status.ASSIGNED, assignee=leader)
    incident_add_direction(actor=user("giamsat"), incident=incident, text="Xử lý gấp")
    sign_in(page, live_server.url, "saigon.lanhdao", incident)
    assert axe_serious(page) == []
    row = page.locator(f"#incident-list li[data-id='{incident.pk}']")
    row.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail h2")
    in_panel = "() => document.querySelector('#detail').contains(document.activeElement)"
    page.wait_for_function(in_panel)  # the focus moved into the opened panel
    page.wait_for_selector("#detail form[data-action=transfer] option", state="attached")
    assert axe_serious(page) == []  # the panel with every form open
    page.keyboard.press("Escape")
    page.wait_for_selector("#detail", state="hidden")
    assert page.evaluate("document.activeElement.dataset.id") == str(incident.pk)


def test_the_basemap_is_drawn_and_its_absence_breaks_nothing(
    page: Any, live_server: Any, settings: Any
) -> None:
    incident = make_incident(status=Status.RECEIVED)
    basemap_requests: list[str] = []

    def answer_tile(route: Any) -> None:
        basemap_requests.append(route.request.url)
        route.abort()  # the tile server is unreachable

    settings.MAP_BASEMAP_URL = "https://tiles.example.invalid/{z}/{x}/{y}.png"
    settings.MAP_BASEMAP_ATTRIBUTION = "© Bản đồ thử"
    page.route("https://tiles.example.invalid/**", answer_tile)
    sign_in(page, live_server.url, "saigon.tiepnhan", incident)  # pins drawn all the same
    assert basemap_requests  # asked for streets
    assert page.evaluate("window.hotlineMap.getLayer('basemap').type") == "raster"
    assert "© Bản đồ thử" in page.locator(".maplibregl-ctrl-attrib").inner_text()
    page.wait_for_selector(f"#incident-list li[data-id='{incident.pk}']")


MAGENTA = (255, 0, 255)


def raster_archive(lon: float, lat: float) -> bytes:
    """A single-file PMTiles basemap, as a city would host it: magenta PNG tiles at zooms 14-16
    around (lon, lat), written with the reference Python writer."""
    import io
    import math

    from PIL import Image
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    png = io.BytesIO()
    Image.new("RGB", (256, 256), MAGENTA).save(png, "PNG")

    def tile_xy(z: int, lon: float, lat: float) -> tuple[int, int]:
        n = 2**z
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        return int((lon + 180) / 360 * n), int(y)

    out = io.BytesIO()
    writer = Writer(out)
    for z in (14, 15, 16):
        x0, y0 = tile_xy(z, lon - 0.03, lat + 0.03)
        x1, y1 = tile_xy(z, lon + 0.03, lat - 0.03)
        ids = sorted(zxy_to_tileid(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1))
        for tile_id in ids:
            writer.write_tile(tile_id, png.getvalue())
    writer.finalize(
        {"tile_type": TileType.PNG, "tile_compression": Compression.NONE, "center_zoom": 15},
        {"attribution": "© Sở Xây dựng"},
    )
    return out.getvalue()


def test_a_self_hosted_pmtiles_basemap(page: Any, live_server: Any, settings: Any) -> None:
    import io

    from PIL import Image

    incident = make_incident(status=Status.RECEIVED)
    archive = raster_archive(incident.location.x, incident.location.y)
    ranges: list[str] = []

    def serve_range(route: Any) -> None:  # a static file host answering HTTP range requests
        wanted = route.request.headers.get("range", "")
        ranges.append(wanted)
        start, end = (int(v) for v in wanted.removeprefix("bytes=").split("-"))
        end = min(end, len(archive) - 1)
        route.fulfill(
            status=206,
            headers={
                "Content-Range": f"bytes {start}-{end}/{len(archive)}",
                "Accept-Ranges": "bytes",
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers": "Content-Range, ETag",
                "ETag": '"basemap-1"',
            },
            body=archive[start : end + 1],
        )

    settings.MAP_BASEMAP_URL = "pmtiles://https://tiles.example.invalid/city.pmtiles"
    settings.MAP_BASEMAP_ATTRIBUTION = "© Sở Xây dựng"
    page.route("https://tiles.example.invalid/city.pmtiles", serve_range)
    sign_in(page, live_server.url, "saigon.tiepnhan", incident)
    assert ranges and all(r.startswith("bytes=") for r in ranges)  # read in pieces, not whole
    assert page.evaluate("window.hotlineMap.getLayer('basemap').type") == "raster"
    page.wait_for_function("() => window.hotlineMap.areTilesLoaded()")
    shot = Image.open(io.BytesIO(page.locator("#map").screenshot())).convert("RGB")
    corner = shot.getpixel((shot.width // 2, 20))
    assert isinstance(corner, tuple)
    assert all(abs(a - b) < 40 for a, b in zip(corner, MAGENTA, strict=True)), corner


def test_a_leader_transfers_several_reports_at_once(page: Any, live_server: Any) -> None:
    first = make_incident(status=Status.RECEIVED, description="Cống nghẹt số 1")
    second = make_incident(status=Status.RECEIVED, description="Cống nghẹt số 2")
    sign_in(page, live_server.url, "saigon.lanhdao", first)
    for incident in (first, second):
        page.check(f"#incident-list li[data-id='{incident.pk}'] input.pick")
    form = page.locator("#bulk form[data-action=bulk-transfer]")
    form.locator("select[name=unit] option").first.wait_for(state="attached")
    form.locator("input[type=search]").fill("thoat nuoc")  # no diacritics typed
    form.locator("select[name=unit]").select_option(str(Unit.objects.get(code="cty-thoat-nuoc").pk))
    form.locator("input[name=reason]").fill("Thuộc mạng lưới thoát nước thành phố")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#bulk .bulk-results li.ok[data-id='{second.pk}']")
    for incident in (first, second):
        incident.refresh_from_db()
        assert incident.unit == Unit.objects.get(code="cty-thoat-nuoc")
        assert incident.events.filter(kind=EventKind.UNIT).get().note.startswith("Thuộc mạng")
    assert "2/2" in page.locator("#toast").inner_text()
