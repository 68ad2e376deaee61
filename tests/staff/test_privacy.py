"""Privacy from the outside: who sees the resident, and which notes reach the public.

One report goes the whole way (filed by a resident, received, assigned, directed, answered,
resolved with a photo) with a marker in every staff note; then every public output is crawled
for the markers and for the resident's phone number, and staff views are read per role.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from backend.incidents.models import Incident, Status
from backend.incidents.services.handling import (
    incident_add_direction,
    incident_answer_direction,
    incident_assign,
    incident_comment,
)
from backend.incidents.services.resolution import incident_add_resolution_photo
from backend.incidents.services.workflow import incident_transition
from tests.incidents.factories import make_incident
from tests.incidents.images import jpeg
from tests.mobile_api.fixtures import client_for as resident_client
from tests.mobile_api.fixtures import make_resident
from tests.open311.conftest import BASE

API = "/api/staff/v1/"
PHONE = "+84907770022"
MARKERS = (
    "MARK-RECEIVE",
    "MARK-ASSIGN",
    "MARK-PROGRESS",
    "MARK-DIRECTION",
    "MARK-ANSWER",
    "MARK-INTERNAL",
)
REPLY = "Chúng tôi sẽ xử lý trong tuần"
RESULT = "Đã vá ổ gà"

pytestmark = pytest.mark.django_db


def staff(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def journey(people: dict[str, Any]) -> Incident:
    op, handler, leader = people["operator"], people["handler"], people["leader"]
    incident = make_incident(reporter=make_resident(PHONE), category="road-damage")
    incident_transition(actor=op, incident=incident, to_status=Status.RECEIVED, note=MARKERS[0])
    incident_assign(actor=op, incident=incident, assignee=handler, note=MARKERS[1])
    incident_transition(
        actor=handler, incident=incident, to_status=Status.IN_PROGRESS, note=MARKERS[2]
    )
    direction = incident_add_direction(actor=leader, incident=incident, text=MARKERS[3])
    incident_answer_direction(
        actor=handler, incident=incident, direction_id=direction.pk, text=MARKERS[4]
    )
    incident_comment(actor=handler, incident=incident, text=MARKERS[5], internal=True)
    incident_comment(actor=handler, incident=incident, text=REPLY)
    incident_add_resolution_photo(actor=handler, incident=incident, upload=jpeg())
    incident_transition(actor=handler, incident=incident, to_status=Status.RESOLVED, note=RESULT)
    incident.refresh_from_db()
    return incident


def public_pages(incident: Incident) -> dict[str, str]:
    anonymous = APIClient()
    ref = incident.reference
    urls = [
        f"{BASE}requests.json?extensions=true",
        f"{BASE}requests.xml?extensions=true",
        f"{BASE}requests/{ref}.json?extensions=true",
        f"{BASE}requests/{ref}.xml?extensions=true",
        f"{BASE}servicerequestupdates.json",
        f"{BASE}servicerequestupdates.xml",
        "/api/public/v1/stats",
        "/cong-khai/thong-ke",
    ]
    pages = {}
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 200, (url, response.status_code)
        pages[url] = response.content.decode()
    return pages


def test_no_staff_note_and_no_phone_reach_any_public_page(journey: Incident) -> None:
    pages = public_pages(journey)
    for url, body in pages.items():
        leaked = [m for m in (*MARKERS, PHONE, PHONE[3:]) if m in body]
        assert leaked == [], url
    assert RESULT in pages[f"{BASE}requests/{journey.reference}.json?extensions=true"]


def test_the_resident_sees_replies_and_the_result_but_no_staff_note(
    journey: Incident, people: dict[str, Any]
) -> None:
    assert journey.reporter is not None
    response = resident_client(journey.reporter).get(f"/api/mobile/v1/reports/{journey.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    assert REPLY in body and RESULT in body
    assert [m for m in MARKERS if m in body] == []


@pytest.mark.parametrize("role", ["handler", "other_handler_view"])
def test_a_handler_sees_the_resident_as_nguoi_dan_everywhere(
    journey: Incident, people: dict[str, Any], role: str
) -> None:
    client = staff(people["handler"])
    if role == "handler":
        response = client.get(f"{API}incidents/{journey.pk}")
    else:  # an action answers with the detail too
        response = client.post(
            f"{API}incidents/{journey.pk}/comments", {"text": "ghi chú", "internal": True}
        )
    assert response.status_code in (200, 201), response.content
    assert PHONE not in response.content.decode()
    filed = response.data["history"][0]
    assert filed["actor"] == {"id": None, "name": "Người dân", "is_resident": True}
    assert client.get(f"{API}incidents/{journey.pk}/reporter").status_code == 403


def test_an_operator_who_may_call_back_sees_who_reported(
    journey: Incident, people: dict[str, Any]
) -> None:
    response = staff(people["operator"]).get(f"{API}incidents/{journey.pk}")
    filed = response.data["history"][0]
    assert filed["actor"]["name"] == PHONE and filed["actor"]["is_resident"] is True


def test_admin_pages_hide_the_resident_from_staff_who_are_not_superusers(
    journey: Incident, people: dict[str, Any]
) -> None:
    from django.contrib.auth.models import Permission

    viewer = people["leader"]
    viewer.is_staff = True
    viewer.save()
    for codename in ("view_incident", "view_incidentevent"):
        viewer.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(viewer)
    response = client.get(f"/admin/incidents/incident/{journey.pk}/change/")
    assert response.status_code == 200
    body = response.content.decode()
    at = body.find(PHONE)
    assert at == -1, body[max(0, at - 300) : at + 50]
    assert "Người dân" in body
