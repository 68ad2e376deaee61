"""Factories for handling tests: staff members of seeded units and incidents in real wards.

Incidents are written through the ORM (incident_submit owns a durable transaction, which the
per-test transaction forbids) but with the same ward (geo.locate), routing and deadline seams.
"""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.gis.geos import Point
from django.utils import timezone

from backend.accounts.models import User
from backend.incidents.deadlines import due_at_for
from backend.incidents.models import Category, EventKind, Incident, IncidentEvent, Status
from backend.units.models import Membership, Unit
from backend.units.routing import unit_for
from backend.units.seed import ward_unit_code
from geo.locate import locate
from geo.models import AdminArea
from tests.geo.wards import wards

SAIGON = "26740"
BEN_THANH = "26743"
_seq = itertools.count(1)


def point_in(ward_code: str) -> tuple[float, float]:
    p = wards()[ward_code].representative_point()
    return (p.x, p.y)


def ward_unit(ward_code: str) -> Unit:
    return Unit.objects.get(code=ward_unit_code(ward_code))


def make_user(username: str | None = None, **extra: Any) -> User:
    name = username or f"user{next(_seq)}"
    return User.objects.create_user(username=name, password="pw", **extra)


def make_staff(role: str, unit: Unit | str, username: str | None = None) -> User:
    unit = unit if isinstance(unit, Unit) else Unit.objects.get(code=unit)
    user = make_user(username or f"{role}{next(_seq)}")
    Membership.objects.create(user=user, unit=unit, role=role)
    return user


def make_incident(
    ward_code: str = SAIGON,
    category: str = "rubbish",
    *,
    status: str = Status.NEW,
    reporter: User | None = None,
    description: str = "Rác tồn đọng trước số 12",
    **fields: Any,
) -> Incident:
    lon, lat = point_in(ward_code)
    info = locate(lon, lat)
    assert info is not None and info.code == ward_code
    ward = AdminArea.objects.get(pk=info.id)
    cat = Category.objects.get(code=category)
    unit = fields.pop("unit", None) or unit_for(category=cat, ward=ward)
    now = timezone.now()
    incident = Incident.objects.create(
        reference=f"T{next(_seq):08d}",
        reporter=reporter,
        category=cat,
        description=description,
        location=Point(lon, lat, srid=4326),
        ward=ward,
        unit=unit,
        status=status,
        due_at=fields.pop("due_at", None) or due_at_for(category=cat, unit=unit, start=now),
        **fields,
    )
    IncidentEvent.objects.create(
        incident=incident, kind=EventKind.STATUS, actor=reporter, to_status=status, unit=unit
    )
    return incident
