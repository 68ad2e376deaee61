"""Staff API input the server must refuse with a 4xx, never a 500 or a silent default."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from backend.incidents.models import IncidentPhoto, Status
from tests.incidents.factories import make_incident


@pytest.mark.django_db
def test_an_empty_result_photo_is_photo_empty(people: dict[str, Any]) -> None:
    incident = make_incident(status=Status.IN_PROGRESS)
    client = APIClient()
    client.force_authenticate(people["supervisor"])
    empty = SimpleUploadedFile("ket-qua.jpg", b"", content_type="image/jpeg")
    response = client.post(
        f"/api/staff/v1/incidents/{incident.pk}/photos", {"photo": empty}, format="multipart"
    )
    assert (response.status_code, response.json()["code"]) == (400, "photo_empty")
    assert not IncidentPhoto.objects.filter(incident=incident).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("period", ["2026Q5", "0000", "99999Q1", "2026-13"])
def test_an_invalid_late_rate_period_is_a_400(people: dict[str, Any], period: str) -> None:
    client = APIClient()
    client.force_authenticate(people["supervisor"])
    response = client.get("/api/staff/v1/stats/late-rate", {"period": period})
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
