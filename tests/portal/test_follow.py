"""Following a report by its reference — web session and app tokens — and the list of follows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backend.incidents.models import Status
from backend.notifications.models import Follow
from tests.incidents.factories import make_incident
from tests.mobile_api.fixtures import client_for, make_resident

from .conftest import csrf

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(db: Any) -> tuple[Client, Any]:
    resident = make_resident("+84913000111")
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident)
    return client, resident


def test_follow_and_unfollow_on_the_web(web: tuple[Client, Any]) -> None:
    client, resident = web
    incident = make_incident()
    url = f"/api/public/v1/follows/{incident.reference}"
    followed = client.post(url, **csrf(client))
    assert followed.status_code == 200
    assert followed.json() == {"reference": incident.reference, "following": True, "interested": 2}
    assert client.post(url, **csrf(client)).status_code == 200  # idempotent
    assert Follow.objects.filter(user=resident, incident=incident).count() == 1
    listed = client.get("/api/public/v1/me/follows").json()["results"]
    assert [r["reference"] for r in listed] == [incident.reference]
    assert listed[0]["public_url"] == f"/phan-anh/{incident.reference}/"
    page = client.get(f"/phan-anh/{incident.reference}/").content.decode()
    assert 'data-following="true"' in page and "2 người quan tâm" in page
    assert client.delete(url, **csrf(client)).status_code == 204
    assert not Follow.objects.exists()


def test_only_published_reports_can_be_followed(web: tuple[Client, Any]) -> None:
    client, _resident = web
    rejected = make_incident(status=Status.REJECTED)
    response = client.post(f"/api/public/v1/follows/{rejected.reference}", **csrf(client))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    anonymous = Client().post(f"/api/public/v1/follows/{make_incident().reference}")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "sign_in_required"


def test_follow_by_reference_in_the_app() -> None:
    resident = make_resident()
    app = client_for(resident)
    incident = make_incident()
    followed = app.post(f"/api/mobile/v1/follows/{incident.reference.lower()}")
    assert followed.status_code == 200
    assert followed.json() == {"reference": incident.reference, "following": True}
    listed = app.get("/api/mobile/v1/follows").json()
    assert [(r["reference"], r["status"]) for r in listed] == [(incident.reference, "new")]
    # the id-based endpoints still work and see the same follow
    assert app.delete(f"/api/mobile/v1/reports/{incident.pk}/follow").status_code == 204
    assert app.get("/api/mobile/v1/follows").json() == []
    assert app.post(f"/api/mobile/v1/reports/{incident.pk}/follow").status_code == 200
    assert app.delete(f"/api/mobile/v1/follows/{incident.reference}").status_code == 204
    assert not Follow.objects.exists()
    hidden = make_incident(is_public=False)
    assert app.post(f"/api/mobile/v1/follows/{hidden.reference}").status_code == 404


def test_a_report_hidden_after_following_stays_in_the_list_without_details() -> None:
    resident = make_resident()
    app = client_for(resident)
    incident = make_incident()
    app.post(f"/api/mobile/v1/follows/{incident.reference}")
    incident.is_public = False
    incident.save(update_fields=["is_public"])
    listed = app.get("/api/mobile/v1/follows").json()
    assert listed[0]["reference"] == incident.reference and listed[0]["status"] is None
