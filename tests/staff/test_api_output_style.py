"""One output style across the APIs: datetimes with the local offset, coordinates to 7 decimals."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from backend.incidents.models import EventKind, Incident, IncidentEvent
from tests.incidents.factories import make_incident
from tests.mobile_api.fixtures import client_for, make_resident

OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+07:00$")
pytestmark = pytest.mark.django_db


def all_datetimes(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in all_datetimes(v)]
    if isinstance(value, list):
        return [s for v in value for s in all_datetimes(v)]
    if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d", value):
        return [value]
    return []


def test_staff_and_mobile_datetimes_carry_the_offset_and_coordinates_7_decimals(
    people: dict[str, Any],
) -> None:
    resident = make_resident("+84907654321")
    incident = make_incident(reporter=resident)
    # a position as computed from a photo's GPS degrees/minutes/seconds: a binary-float tail
    Incident.objects.filter(pk=incident.pk).update(
        location=Point(106.70090000000001, 10.776200000000001, srid=4326)
    )
    IncidentEvent.objects.create(incident=incident, kind=EventKind.COMMENT, note="Đã kiểm tra")
    staff = APIClient()
    staff.force_authenticate(people["operator"])
    detail = staff.get(f"/api/staff/v1/incidents/{incident.pk}").json()
    listed = staff.get("/api/staff/v1/incidents").json()
    geojson = staff.get("/api/staff/v1/incidents.geojson").json()
    mobile = client_for(resident).get(f"/api/mobile/v1/reports/{incident.pk}").json()
    stamps = all_datetimes([detail, listed, geojson, mobile])
    assert len(stamps) > 5 and [s for s in stamps if not OFFSET.match(s)] == []
    assert mobile["responses"][0]["at"].endswith("+07:00")
    assert detail["location"] == {"lon": 106.7009, "lat": 10.7762}
    assert (mobile["lat"], mobile["lon"]) == (10.7762, 106.7009)
    assert geojson["features"][0]["geometry"]["coordinates"] == [106.7009, 10.7762]
