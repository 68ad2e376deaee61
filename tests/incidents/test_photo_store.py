"""Result photos on a full disk: StorageUnavailable (507), no file, no row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.incidents.models import IncidentPhoto, Status
from backend.incidents.photo_store import StorageUnavailable
from backend.incidents.services.resolution import incident_add_resolution_photo
from backend.units.models import Role
from tests.mobile_api.fixtures import stored_files

from .factories import SAIGON, make_incident, make_staff, ward_unit
from .full_disk import FullDiskStorage, full_disk
from .images import jpeg

pytestmark = pytest.mark.django_db


def test_a_result_photo_on_a_full_disk_leaves_nothing(settings: Any, media: Path) -> None:
    handler = make_staff(Role.HANDLER, ward_unit(SAIGON))
    incident = make_incident(status=Status.IN_PROGRESS, assignee=handler)
    full_disk(settings, 500)
    with pytest.raises(StorageUnavailable) as caught:
        incident_add_resolution_photo(actor=handler, incident=incident, upload=jpeg())
    assert caught.value.status_code == 507
    assert stored_files(media) == [] and not IncidentPhoto.objects.exists()

    FullDiskStorage.free = 10**9
    photo = incident_add_resolution_photo(actor=handler, incident=incident, upload=jpeg())
    assert len(stored_files(media)) == 2 and str(photo.image.name).startswith("incidents/")
