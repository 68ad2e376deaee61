"""A full disk while a report is stored: 507 in the error format, no file left (not even an
empty or cut-off one), no row; the retry with the same Idempotency-Key succeeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.incidents.models import Incident
from backend.incidents.photos import clean_photo
from tests.incidents.full_disk import FullDiskStorage, full_disk
from tests.mobile_api.fixtures import stored_files
from tests.mobile_api.images import SAIGON, exif_with, jpeg_bytes, upload

pytestmark = pytest.mark.django_db
PHOTO = jpeg_bytes(exif=exif_with())


def post(app: APIClient) -> Any:
    data = {
        "category": "road-damage",
        "description": "Ổ gà lớn giữa đường",
        "lat": str(SAIGON[1]),
        "lon": str(SAIGON[0]),
        "photos": [upload(PHOTO)],
    }
    return app.post(
        "/api/mobile/v1/reports",
        data,
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="full-disk",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def display_size() -> int:
    import io

    return len(clean_photo(io.BytesIO(PHOTO)).display)


@pytest.mark.parametrize(
    "free",
    [
        lambda: 0,  # the first file is created empty
        lambda: 1000,  # the first file is cut off
        lambda: display_size() + 100,  # the display copy is whole, the thumbnail cut off
    ],
    ids=["empty", "cut-off", "thumbnail-cut-off"],
)
def test_a_full_disk_leaves_nothing_and_the_retry_succeeds(
    app: APIClient, media: Path, settings: Any, free: Any
) -> None:
    full_disk(settings, free())
    response = post(app)
    assert response.status_code == 507
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "storage_unavailable"
    assert body["message"] == "Photo storage cannot be written right now; please retry later."
    assert stored_files(media) == []
    assert not Incident.objects.exists()

    FullDiskStorage.free = 10**9  # space was freed
    retry = post(app)
    assert retry.status_code == 201
    assert Incident.objects.count() == 1
    assert len(stored_files(media)) == 2
