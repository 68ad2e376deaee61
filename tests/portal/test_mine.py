"""My reports on the web: the reporter's timeline, answers, rating (and the reopen it may
bring), and the reports followed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backend.incidents.models import EventKind, IncidentEvent, Status
from backend.notifications.services import report_follow
from tests.incidents.factories import make_incident
from tests.mobile_api.fixtures import make_resident

from .conftest import csrf

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(db: Any) -> tuple[Client, Any]:
    resident = make_resident("+84913000222")
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    return client, resident


def test_my_reports_with_timeline_answers_and_follows(signed_in: tuple[Client, Any]) -> None:
    client, resident = signed_in
    mine = make_incident(reporter=resident, status=Status.IN_PROGRESS, description="Cống tắc")
    IncidentEvent.objects.create(incident=mine, kind=EventKind.COMMENT, note="Đang nạo vét cống")
    IncidentEvent.objects.create(
        incident=mine, kind=EventKind.NOTE, note="nội bộ: nhắc đội 3", is_internal=True
    )
    followed = make_incident(description="Đèn đường tắt")
    report_follow(user=resident, incident=followed)
    someone_elses = make_incident(description="Không phải của tôi")
    html = client.get("/cua-toi/").content.decode()
    assert mine.reference in html and "Cống tắc" in html and "Đang nạo vét cống" in html
    assert "nhắc đội 3" not in html
    assert followed.reference in html and someone_elses.reference not in html


def test_rating_a_resolved_report_and_reopening_it(signed_in: tuple[Client, Any]) -> None:
    client, resident = signed_in
    incident = make_incident(reporter=resident, status=Status.RESOLVED, resolved_at=timezone.now())
    assert 'class="rate"' in client.get("/cua-toi/").content.decode()
    url = f"/api/public/v1/me/reports/{incident.reference}/rating"
    rated = client.post(url, {"stars": 1, "comment": "Vẫn còn"}, **csrf(client))
    assert rated.status_code == 201 and rated.json() == {"stars": 1, "reopened": True}
    incident.refresh_from_db()
    assert incident.status == Status.REOPENED
    again = client.post(url, {"stars": 5}, **csrf(client))
    assert again.status_code == 409


def test_nobody_rates_another_residents_report(signed_in: tuple[Client, Any]) -> None:
    client, _resident = signed_in
    other = make_incident(status=Status.RESOLVED, resolved_at=timezone.now())
    url = f"/api/public/v1/me/reports/{other.reference}/rating"
    assert client.post(url, {"stars": 5}, **csrf(client)).status_code == 404
