"""Open311 POST with media on a full disk: 507 in the spec's error list, with Retry-After."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.accounts.api_keys import IssuedKey
from backend.incidents.models import Incident
from tests.incidents.full_disk import full_disk
from tests.mobile_api.fixtures import stored_files
from tests.mobile_api.images import exif_with, jpeg_bytes, upload
from tests.open311.conftest import BASE, xml_of

from .test_post import form

pytestmark = pytest.mark.django_db


def test_a_full_disk_is_a_507_error_list(
    api: APIClient, issued: IssuedKey, media: Path, settings: Any
) -> None:
    full_disk(settings, 1000)
    data = form(issued, address_string="Hẻm 45 Lê Lợi")
    data["media"] = [upload(jpeg_bytes(exif=exif_with()))]
    response = api.post(f"{BASE}requests.xml", data, format="multipart")
    assert response.status_code == 507
    assert response["Retry-After"] == "5"
    assert xml_of(response).findtext("error/code") == "507"
    assert stored_files(media) == [] and not Incident.objects.exists()
