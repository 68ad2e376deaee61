"""Map counts per cell (backend.incidents.grid): the write services keep them equal to a rebuild."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
from procrastinate.contrib.django import app

from backend.common.errors import Conflict
from backend.incidents import grid
from backend.incidents.models import IncidentGridCount, IncidentGridState, Status
from backend.incidents.services.handling import incident_change_location, incident_transfer
from backend.incidents.services.reporter import incident_cancel
from backend.incidents.services.submit import incident_submit
from backend.incidents.services.workflow import incident_transition
from backend.incidents.tasks import incident_grid_roll_job
from backend.units.models import Role
from tests.geo.wards import wards
from tests.mobile_api.fixtures import category, resident

from .factories import BEN_THANH, SAIGON, make_incident, make_staff, ward_unit

__all__ = ["category", "resident"]
pytestmark = pytest.mark.django_db


def counts() -> dict[tuple[Any, ...], tuple[int, float, float]]:
    rows = IncidentGridCount.objects.exclude(n=0).values_list(
        "cell_z", "cell_x", "cell_y", "status", "category_id", "unit_id", "ward_id", "is_overdue",
        "n", "sum_lon", "sum_lat",
    )  # fmt: skip
    return {r[:8]: (r[8], round(r[9], 6), round(r[10], 6)) for r in rows}


def rebuilt() -> dict[tuple[Any, ...], tuple[int, float, float]]:
    """What the counts would be, recomputed from the incidents at the same overdue instant."""
    at = IncidentGridState.objects.get().overdue_as_of
    with transaction.atomic():
        grid.rebuild(at)
        fresh = counts()
        transaction.set_rollback(True)
    return fresh


@pytest.fixture
def operator() -> Any:
    return make_staff(Role.OPERATOR, ward_unit(SAIGON))


def test_submit_and_transitions_keep_counts_equal_to_a_rebuild(
    operator: Any, resident: Any, category: Any
) -> None:
    older = make_incident(status=Status.RECEIVED)  # the factory writes rows directly: rebuild
    grid.rebuild(timezone.now())
    assert counts() == rebuilt() and counts()
    here = wards()[SAIGON].representative_point()
    lon, lat = here.x, here.y
    new = incident_submit(
        reporter=resident,
        category=category,
        description="Ổ gà",
        location=Point(lon, lat, srid=4326),
    )
    assert counts() == rebuilt()
    assert sum(n for k, (n, *_) in counts().items() if k[0] == 15) == 2
    incident_transition(actor=operator, incident=new.incident, to_status=Status.RECEIVED)
    assert counts() == rebuilt()
    there = wards()[BEN_THANH].representative_point()
    incident_change_location(
        actor=operator, incident=new.incident, location=Point(there.x, there.y, srid=4326)
    )
    assert counts() == rebuilt()
    incident_transfer(
        actor=operator, incident=older, unit=ward_unit(BEN_THANH), reason="sai địa bàn"
    )
    assert counts() == rebuilt()
    mine = incident_submit(
        reporter=resident, category=category, description="Rác", location=Point(lon, lat, srid=4326)
    )
    incident_cancel(incident_id=mine.incident.pk, reporter=resident)
    assert counts() == rebuilt()
    statuses = {k[3] for k in counts()}
    assert Status.CANCELLED in statuses and Status.TRANSFERRED in statuses


def test_rollback_and_conflict_leave_counts_unchanged(operator: Any) -> None:
    incident = make_incident()
    grid.rebuild(timezone.now())
    before = counts()
    with pytest.raises(RuntimeError), transaction.atomic():
        incident_transition(actor=operator, incident=incident, to_status=Status.RECEIVED)
        assert counts() != before
        raise RuntimeError("the caller fails after the change")
    assert counts() == before
    incident.refresh_from_db()
    with pytest.raises(Conflict):
        incident_transition(
            actor=operator, incident=incident, to_status=Status.RECEIVED, expected_version=99
        )
    assert counts() == before


def test_roll_flags_what_fell_due() -> None:
    now = timezone.now()
    soon = make_incident(status=Status.RECEIVED, due_at=now + dt.timedelta(hours=1))
    make_incident(status=Status.CLOSED, due_at=now + dt.timedelta(minutes=30))
    grid.rebuild(now)
    assert not IncidentGridCount.objects.filter(is_overdue=True).exists()
    later = now + dt.timedelta(hours=2)
    assert grid.roll(later) == 1
    flagged = IncidentGridCount.objects.filter(is_overdue=True)
    assert {(r.status, r.n) for r in flagged} == {(Status.RECEIVED, 1)}
    assert flagged.count() == len(grid.CELL_ZOOMS)
    assert IncidentGridState.objects.get().overdue_as_of == later
    assert counts() == rebuilt()
    assert grid.roll(later) == 0  # nothing new fell due
    assert soon.status == Status.RECEIVED


def test_the_periodic_job_rolls_at_its_tick() -> None:
    now = timezone.now()
    make_incident(status=Status.RECEIVED, due_at=now - dt.timedelta(minutes=1))
    grid.rebuild(now - dt.timedelta(minutes=2))
    incident_grid_roll_job(timestamp=int(now.timestamp()) + 1)
    assert IncidentGridCount.objects.filter(is_overdue=True).count() == len(grid.CELL_ZOOMS)
    registered = {key for key in app.periodic_registry.periodic_tasks}
    assert ("incident_grid_roll", "incident_grid_roll") in registered
