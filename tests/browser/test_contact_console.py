"""The operator console in a real browser: a whole call, from the telephone system's event to
the caller's SMS after a staff status change."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request
from typing import Any

import pytest

from backend.accounts.models import User
from backend.contact import cti
from backend.incidents.models import Channel, Incident, Status
from backend.incidents.services.changes import incident_change
from backend.notifications.tasks import notify_incident_status_changed
from backend.units.models import Category
from tests.contact.helpers import CALLER, SECRET, Gateway, gateway, job_args
from tests.incidents.factories import BEN_THANH, make_incident, point_in

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser]
__all__ = ["gateway"]


def ring(base: str, call_id: str) -> int:
    body = json.dumps({"event": "ringing", "call_id": call_id, "caller": "0901234567"}).encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        f"{base}/api/contact/v1/cti/events",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            cti.TIMESTAMP_HEADER: stamp,
            cti.SIGNATURE_HEADER: cti.signature(SECRET, stamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def test_a_whole_call(page: Any, live_server: Any, settings: Any, gateway: Gateway) -> None:
    settings.CTI_SHARED_SECRET = SECRET
    caller = User.objects.create_user(CALLER, phone=CALLER)
    earlier = make_incident(reporter=caller, description="Đèn đường hỏng")

    page.goto(f"{live_server.url}/tong-dai/")
    page.fill("#id_username", "saigon.tiepnhan")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("body[data-map-ready=true]")

    assert ring(live_server.url, "pbx-42") == 201  # the PBX's event → a card to take
    page.click("#waiting button.take")
    page.wait_for_selector(f"#card-reports li[data-reference='{earlier.reference}']")
    assert page.text_content("#card-phone") == CALLER

    rubbish = Category.objects.get(code="rubbish")
    page.select_option("#report select[name=category]", value=str(rubbish.pk))
    page.fill("#report textarea[name=description]", "Rác đổ trộm trước chợ")
    lon, lat = point_in(BEN_THANH)
    x, y = page.evaluate(
        "([lon, lat]) => { const p = window.consoleMap.project([lon, lat]); return [p.x, p.y]; }",
        [lon, lat],
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_function("document.getElementById('preview-due').dataset.iso")
    preview = {
        "ward": page.text_content("#preview-ward"),
        "unit": page.text_content("#preview-unit"),
        "due": page.get_attribute("#preview-due", "data-iso"),
    }
    page.click("#report button[type=submit]")
    page.wait_for_selector("#saved[data-reference]")
    reference = page.get_attribute("#saved", "data-reference")

    incident = Incident.objects.select_related("ward", "unit").get(reference=reference)
    assert incident.channel == Channel.HOTLINE and incident.reporter == caller
    assert incident.ward.name in (preview["ward"] or "")
    assert incident.unit is not None and preview["unit"] == incident.unit.name
    assert dt.datetime.fromisoformat(preview["due"] or "") == incident.due_at
    assert page.errors == []

    # the caller has no app: SMS with the reference on creation, and on a staff status change
    def run_updates() -> None:
        for args in job_args("notify_incident_status_changed"):
            if args["incident_id"] == incident.pk and args["event_id"] not in done:
                notify_incident_status_changed(**args)
                done.add(args["event_id"])

    done: set[int] = set()
    run_updates()
    incident_change(incident, actor=None, to_status=Status.RECEIVED)
    run_updates()
    assert [m["to"] for m in gateway.received] == [CALLER, CALLER]
