"""The contact centre's statistics page in a real browser: a leader sees their operators'
figures and the map of the reports created from calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.accounts.models import User
from backend.contact.models import Contact, Outcome
from tests.incidents.factories import make_incident

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser]


def test_a_leader_sees_the_figures_and_the_map(page: Any, live_server: Any) -> None:
    operator = User.objects.get(username="saigon.tiepnhan")
    started = timezone.now() - dt.timedelta(minutes=10)
    Contact.objects.create(
        caller_phone="+84901234567",
        operator=operator,
        started_at=started,
        ended_at=started + dt.timedelta(minutes=3),
        outcome=Outcome.REPORT_CREATED,
        incident=make_incident(),
    )
    page.goto(live_server.url + reverse("contact-stats-page"))
    page.fill("#id_username", "saigon.lanhdao")
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("body[data-loaded=true]")
    row = page.locator(f"#by-operator tr[data-id='{operator.pk}']")
    assert row.locator("td").nth(1).text_content() == "1"
    assert row.locator("td").nth(2).text_content() == "3.0"
    page.wait_for_function("document.getElementById('map-count').textContent.startsWith('1 ')")
    assert page.errors == []
