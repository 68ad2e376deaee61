"""Every staff endpoint × every role: who gets in, who is refused, who cannot even see (404)."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.incidents.models import Status
from backend.incidents.services.handling import incident_add_direction
from backend.units.models import Unit
from tests.incidents.factories import SAIGON, make_incident, ward_unit
from tests.incidents.images import jpeg

ROLES = ["operator", "handler", "leader", "supervisor", "other_ward", "resident", "anonymous"]
OUT = {"resident": 403, "anonymous": 403}  # no staff API at all
HIDDEN = {**OUT, "other_ward": 404}  # another ward's incident does not exist for them
EVERYONE = {"operator": 200, "handler": 200, "leader": 200, "supervisor": 200, "other_ward": 200}
TRIAGE = {**HIDDEN, "operator": 200, "handler": 403, "leader": 200, "supervisor": 200}
HANDLE = {**HIDDEN, "operator": 403, "handler": 201, "leader": 201, "supervisor": 201}
STAFF_201 = {**HIDDEN, "operator": 201, "handler": 201, "leader": 201, "supervisor": 201}
MANAGE_201 = {**HIDDEN, "operator": 403, "handler": 403, "leader": 201, "supervisor": 201}
READ = {**HIDDEN, "operator": 200, "handler": 200, "leader": 200, "supervisor": 200}


# name: (method, path, status of the incident, body builder, expected per role)
ENDPOINTS: dict[str, tuple[str, str, str, Any, dict[str, int]]] = {
    "me": ("get", "me", Status.NEW, None, {**OUT, **EVERYONE}),
    "units": ("get", "units", Status.NEW, None, {**OUT, **EVERYONE}),
    "members": ("get", "units/{unit}/members", Status.NEW, None, READ),
    "overdue": ("get", "stats/overdue", Status.NEW, None, {**OUT, **EVERYONE}),
    "late_rate": ("get", "stats/late-rate?period=2026Q1", Status.NEW, None, {**OUT, **EVERYONE}),
    "list": ("get", "incidents", Status.NEW, None, {**OUT, **EVERYONE}),
    "geojson": ("get", "incidents.geojson", Status.NEW, None, {**OUT, **EVERYONE}),
    "csv": ("get", "incidents.csv", Status.NEW, None, {**OUT, **EVERYONE}),
    "xlsx": ("get", "incidents.xlsx", Status.NEW, None, {**OUT, **EVERYONE}),
    "detail": ("get", "incidents/{id}", Status.NEW, None, READ),
    "transfer_targets": ("get", "incidents/{id}/transfer-targets", Status.NEW, None, READ),
    "relocation": ("get", "incidents/{id}/relocation?lat={lat}&lon={lon}", Status.NEW, None, READ),
    "receive": (
        "post", "incidents/{id}/transition", Status.NEW, lambda c: {"to": "received"}, TRIAGE
    ),
    "assign": (
        "post", "incidents/{id}/assign", Status.RECEIVED,
        lambda c: {"assignee": c["handler"].pk}, TRIAGE,
    ),
    "start": (
        "post", "incidents/{id}/transition", Status.ASSIGNED, lambda c: {"to": "in_progress"},
        {**HANDLE, "handler": 200, "leader": 200, "supervisor": 200},
    ),
    "transfer": (
        "post", "incidents/{id}/transfer", Status.RECEIVED,
        lambda c: {"unit": Unit.objects.get(code="so-y-te").pk, "reason": "y tế"}, TRIAGE,
    ),
    "merge": (
        "post", "incidents/{id}/merge", Status.NEW, lambda c: {"master": c["master"].pk}, TRIAGE
    ),
    "category": (
        "post", "incidents/{id}/category", Status.NEW,
        lambda c: {"category": c["noise"]}, TRIAGE,
    ),
    "location": (
        "post", "incidents/{id}/location", Status.NEW,
        lambda c: {"lon": c["point"][0], "lat": c["point"][1]}, TRIAGE,
    ),
    "comment": ("post", "incidents/{id}/comments", Status.NEW, lambda c: {"text": "ok"}, STAFF_201),
    "direction": (
        "post", "incidents/{id}/directions", Status.NEW, lambda c: {"text": "làm ngay"}, MANAGE_201
    ),
    "answer": (
        "post", "incidents/{id}/directions/{direction}/answers", Status.NEW,
        lambda c: {"text": "đã nhận"}, STAFF_201,
    ),
    "photo": (
        "post", "incidents/{id}/photos", Status.IN_PROGRESS, lambda c: {"photo": jpeg()}, HANDLE
    ),
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_permission_matrix(people: dict[str, Any], endpoint: str, role: str) -> None:
    from backend.units.models import Category
    from tests.incidents.factories import point_in

    method, path, status, body, expected = ENDPOINTS[endpoint]
    incident = make_incident(status=status)
    direction = incident_add_direction(actor=people["leader"], incident=incident, text="chỉ đạo")
    ctx = {
        **people,
        "master": make_incident(),
        "noise": Category.objects.get(code="noise").pk,
        "point": point_in(SAIGON),
    }
    url = "/api/staff/v1/" + path.format(
        id=incident.pk,
        unit=ward_unit(SAIGON).pk,
        direction=direction.pk,
        lon=ctx["point"][0],
        lat=ctx["point"][1],
    )
    client = APIClient()
    if people[role] is not None:
        client.force_authenticate(people[role])
    kwargs = {"format": "multipart"} if endpoint == "photo" else {"format": "json"}
    data = body(ctx) if body else None
    response = getattr(client, method)(url, data, **kwargs) if data else client.get(url)
    assert response.status_code == expected[role], getattr(response, "data", response)
