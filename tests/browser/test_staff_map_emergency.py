"""The staff map draws open emergencies with their own marker (layer `emergencies`)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.incidents.models import Status
from tests.incidents.factories import make_incident

from .test_staff_map import at, sign_in

pytestmark = [pytest.mark.browser]

EMERGENCY_IDS = """() => window.hotlineMap
    .queryRenderedFeatures({layers: ["emergencies"]}).map((f) => f.id)"""


def test_open_emergencies_have_their_own_marker(page: Any, live_server: Any) -> None:
    urgent = make_incident(is_emergency=True, emergency_at=timezone.now())
    plain = make_incident()
    closed = make_incident(is_emergency=True, emergency_at=timezone.now(), status=Status.CLOSED)
    sign_in(page, live_server.url, "saigon.lanhdao", reverse("staff-map") + at(urgent))
    page.wait_for_function(f"() => ({EMERGENCY_IDS})().includes({urgent.pk})")
    drawn = page.evaluate(EMERGENCY_IDS)
    assert plain.pk not in drawn and closed.pk not in drawn
    assert page.errors == []
