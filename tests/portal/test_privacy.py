"""Nothing personal leaves the portal: its pages, tiles and JSON are scanned for the phone
numbers and names of a seeded resident and staff member."""

from __future__ import annotations

import pytest
from django.test import Client

from backend.incidents.models import EventKind, IncidentEvent, Status
from backend.incidents.services.changes import incident_change
from tests.incidents.factories import SAIGON, make_incident, make_staff, point_in, ward_unit
from tests.mobile_api.fixtures import make_resident

from .conftest import tile_of

pytestmark = pytest.mark.django_db

SECRETS = (
    "+84987654321", "0987654321", "987654321", "0987 654 321",
    "Nguyễn Văn Riêng", "Riêng", "Trần Thị Cán", "canbo.saigon", "canbo@example.vn",
)  # fmt: skip


def scanned(body: bytes) -> list[str]:
    text = body.decode("utf-8", errors="replace")
    return [s for s in SECRETS if s in text or s.encode() in body]


def test_public_pages_tiles_and_json_carry_no_personal_data() -> None:
    resident = make_resident("+84987654321")
    resident.first_name, resident.last_name = "Riêng", "Nguyễn Văn"
    resident.email = "rieng@example.vn"
    resident.save()
    staff = make_staff("handler", ward_unit(SAIGON), username="canbo.saigon")
    staff.first_name, staff.last_name, staff.email = "Cán", "Trần Thị", "canbo@example.vn"
    staff.save()
    incident = make_incident(
        reporter=resident,
        description="Nước ngập, gọi tôi 0987 654 321",
        address="Hẻm 42 Lê Lợi",
        status=Status.RECEIVED,
    )
    incident_change(
        incident,
        actor=staff,
        to_status=Status.IN_PROGRESS,
        note="Đã cử đội xử lý",
        note_public=True,
    )
    IncidentEvent.objects.create(
        incident=incident, kind=EventKind.NOTE, actor=staff, is_internal=True,
        note="Gọi lại ông Riêng 0987654321 để hẹn giờ",
    )  # fmt: skip
    client = Client()
    lon, lat = point_in(SAIGON)
    bodies = {
        "home": client.get("/").content,
        "page": client.get(f"/phan-anh/{incident.reference}/").content,
        "lookup": client.get(f"/api/public/v1/reports/{incident.reference}").content,
        "search": client.get("/tra-cuu/", {"ma": incident.reference}, follow=True).content,
        "categories": client.get("/api/public/v1/categories").content,
    }
    for z in (9, 11, 13, 16):
        x, y = tile_of(lon, lat, z)
        bodies[f"tile {z}"] = client.get(f"/api/public/v1/tiles/{z}/{x}/{y}.mvt").content
    assert incident.reference in bodies["page"].decode()  # the scan looks at real pages
    assert "Đã cử đội xử lý" in bodies["page"].decode()
    leaks = {name: found for name, body in bodies.items() if (found := scanned(body))}
    assert leaks == {}
