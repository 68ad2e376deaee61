"""incident_submit: location rules, one transaction, idempotency (also under a race)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from backend.accounts.models import User
from backend.common.errors import DomainError
from backend.incidents.models import (
    EventKind,
    Incident,
    IncidentEvent,
    IncidentPhoto,
    LocationSource,
    Status,
)
from backend.incidents.services import submit as submit_module
from backend.incidents.services.submit import IdempotencyKeyReused, incident_submit
from backend.units.models import Category
from backend.units.routing import unit_for
from geo.models import AdminArea
from geo.points import OutsideServiceArea
from tests.mobile_api.fixtures import category, resident, stored_files
from tests.mobile_api.images import SAIGON, exif_with, jpeg_bytes, upload

__all__ = ["category", "resident"]
pytestmark = pytest.mark.django_db

LON, LAT = SAIGON


def submit(reporter: User, category: Category, **kwargs: Any) -> submit_module.SubmitResult:
    kwargs.setdefault("description", "Ổ gà lớn trước số 12")
    kwargs.setdefault("location", Point(LON, LAT, srid=4326))
    return incident_submit(reporter=reporter, category=category, **kwargs)


def test_submit_writes_incident_photos_history_and_a_job(
    resident: User, category: Category, media: Path
) -> None:
    ward = AdminArea.objects.get(code="26740")
    unit = unit_for(category=category, ward=ward)
    photo = upload(jpeg_bytes(exif=exif_with(gps=(106.70, 10.78))))
    result = submit(resident, category, photos=[photo], idempotency_key="k1")
    incident = result.incident
    assert result.created
    assert incident.reference.startswith("1022-20") and len(incident.reference) == 16
    assert incident.ward_id == ward.pk and incident.unit == unit
    assert incident.status == Status.NEW and incident.location_source == LocationSource.DEVICE
    assert (incident.location.x, incident.location.y) == (LON, LAT)
    assert incident.exif_location is not None and round(incident.exif_location.y, 4) == 10.78
    assert incident.exif_taken_at is not None
    assert IncidentPhoto.objects.filter(incident=incident).count() == 1
    event = IncidentEvent.objects.get(incident=incident)
    assert (event.kind, event.to_status, event.actor) == (EventKind.STATUS, Status.NEW, resident)
    job = ProcrastinateJob.objects.get(task_name="notify_incident_status_changed")
    assert job.args == {"incident_id": incident.pk, "event_id": event.pk}
    assert len(stored_files(media)) == 2


def test_references_are_unique_and_sequential(resident: User, category: Category) -> None:
    first = submit(resident, category).incident.reference
    second = submit(resident, category).incident.reference
    assert first != second
    assert int(second.rsplit("-", 1)[1]) > int(first.rsplit("-", 1)[1])


def test_photo_gps_is_used_when_no_coordinates(resident: User, category: Category) -> None:
    photo = upload(jpeg_bytes(exif=exif_with(gps=SAIGON)))
    incident = submit(resident, category, location=None, photos=[photo]).incident
    assert incident.location_source == LocationSource.PHOTO
    assert incident.ward.code == "26740"


def test_no_coordinates_and_no_photo_gps_is_400(resident: User, category: Category) -> None:
    photo = upload(jpeg_bytes(exif=exif_with(gps=None)))
    with pytest.raises(DomainError) as info:
        submit(resident, category, location=None, photos=[photo])
    assert (info.value.status_code, info.value.code) == (400, "location_required")


def test_outside_the_city_stores_nothing(resident: User, category: Category, media: Path) -> None:
    photo = upload(jpeg_bytes(exif=exif_with()))
    with pytest.raises(OutsideServiceArea) as info:
        submit(resident, category, location=Point(107.3, 10.1, srid=4326), photos=[photo])
    assert info.value.status_code == 422
    assert not Incident.objects.exists() and not stored_files(media)


def test_same_key_returns_the_first_incident(resident: User, category: Category) -> None:
    first = submit(resident, category, idempotency_key="retry-1")
    again = submit(resident, category, idempotency_key="retry-1")
    assert again.incident.pk == first.incident.pk and not again.created
    with pytest.raises(IdempotencyKeyReused):  # the same key for another request
        submit(resident, category, idempotency_key="retry-1", description="khác")
    assert Incident.objects.filter(reporter=resident).count() == 1


def test_failure_inside_the_transaction_leaves_no_rows_files_or_jobs(
    resident: User, category: Category, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail_after_the_job(*args: Any, **kwargs: Any) -> None:
        # the incident, its history and its job are written; then the photo rows fail
        assert ProcrastinateJob.objects.count() == 1
        raise RuntimeError("boom")

    monkeypatch.setattr(IncidentPhoto.objects, "bulk_create", fail_after_the_job)
    photos = [upload(jpeg_bytes(exif=exif_with())) for _ in range(2)]
    with pytest.raises(RuntimeError):
        submit(resident, category, photos=photos, idempotency_key="boom")
    assert not Incident.objects.exists()
    assert not IncidentPhoto.objects.exists()
    assert not IncidentEvent.objects.exists()
    assert not ProcrastinateJob.objects.exists()
    assert stored_files(media) == []


def test_the_service_refuses_to_run_inside_an_outer_transaction(
    resident: User, category: Category
) -> None:
    # An outer rollback could not remove the photo files, so the service owns its transaction.
    connection.atomic_blocks[0]._ensure_durability = True  # type: ignore[attr-defined]  # behave like production
    try:
        with transaction.atomic(), pytest.raises(RuntimeError):
            submit(resident, category)
    finally:
        connection.atomic_blocks[0]._ensure_durability = False  # type: ignore[attr-defined]
