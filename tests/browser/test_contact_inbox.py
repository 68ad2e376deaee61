"""The triage inbox in the console, in a real browser: a placeless call report waits there; an
item another operator holds shows who has it; one item is completed by a map click and routed
like an app report; one is rejected and the reason reaches its reporter by SMS."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backend.accounts.models import User
from backend.contact.models import Contact, InboxItem, InboxStatus
from backend.contact.services.inbox import inbox_add, inbox_claim
from backend.contact.tasks import inbox_send_rejection
from backend.incidents.models import Channel, Incident
from backend.units.models import Category
from tests.contact.helpers import Gateway, gateway, job_args, operator
from tests.incidents.factories import BEN_THANH, point_in

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser]
__all__ = ["gateway"]


def sign_in(page: Any, base: str) -> None:
    page.goto(base + reverse("contact-console"))
    page.fill("#id_username", "saigon.tiepnhan")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("body[data-map-ready=true]")


def click_map_at(page: Any, lon: float, lat: float) -> None:
    x, y = page.evaluate(
        "([lon, lat]) => { const p = window.consoleMap.project([lon, lat]); return [p.x, p.y]; }",
        [lon, lat],
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_the_inbox_in_the_console(page: Any, live_server: Any, gateway: Gateway) -> None:
    resident = User.objects.create_user("+84907777777", phone="+84907777777")
    held = inbox_add(reporter=resident, channel=Channel.WEB, description="Ống nước vỡ")[0]
    to_reject = inbox_add(reporter=resident, channel=Channel.WEB, description="Hỏi giá vé xe")[0]
    other = operator("op.minh")
    inbox_claim(item_id=held.pk, operator=other)
    sign_in(page, live_server.url)

    # a call without a place: the report waits in the inbox
    page.fill("#dial input[name=caller]", "0903333333")
    page.click("#dial button[type=submit]")
    page.wait_for_selector("#card:not([hidden])")
    page.fill("#report textarea[name=description]", "Cây đổ chắn lối đi, người gọi không rõ số nhà")
    page.click("#report button[type=submit]")
    page.wait_for_selector("#saved[data-inbox-item]")
    queued = InboxItem.objects.get(pk=page.get_attribute("#saved", "data-inbox-item"))
    assert queued.channel == Channel.HOTLINE and queued.location is None
    assert Contact.objects.get(inbox_item=queued).outcome == "report_created"

    # the item another operator holds: who has it, no claim button
    row = page.locator(f"#inbox-items li[data-item='{held.pk}']")
    row.wait_for()
    assert "op.minh" in row.text_content() and row.locator("button.claim").count() == 0

    # complete the call's item: category, map click → routed like an app report
    page.click(f"#inbox-items li[data-item='{queued.pk}'] button.claim")
    page.wait_for_selector("#inbox-form:not([hidden])")
    tree = Category.objects.get(code="rubbish")
    page.select_option("#inbox-form select[name=category]", value=str(tree.pk))
    lon, lat = point_in(BEN_THANH)
    click_map_at(page, lon, lat)
    page.wait_for_selector("#inbox-point[data-lat]")
    page.click("#inbox-form button[type=submit]")
    page.wait_for_selector("#inbox-form[data-reference]")
    incident = Incident.objects.get(reference=page.get_attribute("#inbox-form", "data-reference"))
    assert incident.ward.code == BEN_THANH and incident.category == tree
    assert incident.channel == Channel.HOTLINE
    queued.refresh_from_db()
    assert (queued.status, queued.incident_id) == (InboxStatus.FILED, incident.pk)
    assert Contact.objects.get(inbox_item=queued).incident_id == incident.pk

    # reject the other one with a reason: the reporter gets it by SMS
    page.click(f"#inbox-items li[data-item='{to_reject.pk}'] button.claim")
    page.wait_for_selector("#inbox-form:not([hidden])")
    page.fill("#inbox-form input[name=reason]", "Không thuộc phạm vi tiếp nhận của 1022")
    page.click("#inbox-reject")
    page.wait_for_selector(f"#inbox-items li[data-item='{to_reject.pk}']", state="detached")
    to_reject.refresh_from_db()
    assert to_reject.status == InboxStatus.REJECTED
    for args in job_args("inbox_send_rejection"):
        inbox_send_rejection(**args)
    assert [m["to"] for m in gateway.received] == ["+84907777777"]
    assert "Không thuộc phạm vi" in gateway.received[0]["text"]
    assert page.errors == []
