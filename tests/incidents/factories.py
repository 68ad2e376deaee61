"""Factories for handling tests: staff members of seeded units and incidents in real wards.

Incidents are filed with `incident_file`, the intake every channel uses (`incident_submit` adds
photo storage and owns a durable transaction, which the per-test transaction forbids).
"""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.gis.geos import Point

from backend.accounts.models import User
from backend.incidents.models import Channel, Incident, Status
from backend.incidents.services.changes import incident_change
from backend.incidents.services.submit import incident_file
from backend.units.models import Category, Membership, Unit
from backend.units.seed import ward_unit_code
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
    """A report filed through `incident_file`, then put into `status` (and given `fields`)
    through `incident_change`: the services production uses, history and map counts included."""
    lon, lat = point_in(ward_code)
    incident = incident_file(
        reporter=reporter,
        category=Category.objects.get(code=category),
        description=description,
        location=Point(lon, lat, srid=4326),
        channel=fields.pop("channel", Channel.MOBILE),
        address=fields.pop("address", ""),
    )
    assert incident.ward.code == ward_code
    if status != Status.NEW or fields:
        incident_change(
            incident,
            actor=None,
            to_status=status if status != Status.NEW else None,
            fields=fields,
        )
    return incident
