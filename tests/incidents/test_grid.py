"""Map counts per cell (backend.incidents.grid): the incidents table's triggers keep them equal
to a rebuild after every write — each service, the bulk tools, raw SQL — and a rollback."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from procrastinate.contrib.django import app

from backend.common.errors import Conflict
from backend.incidents import grid
from backend.incidents.models import Incident, IncidentGridCount, IncidentGridState, Status
from backend.incidents.services.handling import (
    incident_assign,
    incident_change_category,
    incident_change_location,
    incident_merge,
    incident_transfer,
)
from backend.incidents.services.reporter import incident_cancel, incident_rate
from backend.incidents.services.submit import incident_submit
from backend.incidents.services.workflow import incident_transition
from backend.incidents.tasks import incident_grid_roll_job
from backend.units.models import Category, Role
from geo.loaders import load_boundaries
from geo.models import AdminArea
from tests.geo.wards import WARDS_FILE, wards
from tests.mobile_api.fixtures import category, resident

from .factories import BEN_THANH, SAIGON, make_incident, make_staff, ward_unit

__all__ = ["category", "resident"]
pytestmark = pytest.mark.django_db

Counts = dict[tuple[Any, ...], tuple[int, float, float]]


def counts() -> Counts:
    rows = IncidentGridCount.objects.exclude(n=0).values_list(
        "cell_z", "cell_x", "cell_y", "status", "category_id", "unit_id", "ward_id", "is_overdue",
        "n", "sum_lon", "sum_lat",
    )  # fmt: skip
    return {r[:8]: (r[8], r[9], r[10]) for r in rows}


def same(counted: Counts, expected: Counts) -> bool:
    """The same keys and numbers, coordinate sums equal to 1e-7° (summed in another order)."""
    return counted.keys() == expected.keys() and all(
        counted[k][0] == expected[k][0]
        and abs(counted[k][1] - expected[k][1]) < 1e-7
        and abs(counted[k][2] - expected[k][2]) < 1e-7
        for k in counted
    )


def rebuilt() -> Counts:
    """What the counts would be, recomputed from the incidents at the same overdue instant."""
    state = IncidentGridState.objects.first()
    with transaction.atomic():
        grid.rebuild(state.overdue_as_of if state else timezone.now())
        fresh = counts()
        transaction.set_rollback(True)
    return fresh


def total(at_zoom: int = 15) -> int:
    return sum(n for key, (n, *_) in counts().items() if key[0] == at_zoom)


@pytest.fixture
def operator() -> Any:
    return make_staff(Role.OPERATOR, ward_unit(SAIGON))


def test_the_installed_trigger_function_is_what_grid_generates() -> None:
    """Migration 0011 froze the function's text; a change in grid.py or geo.tiles' cell math
    needs a new migration (this fails until there is one)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [grid.FUNCTION])
        assert cursor.fetchone() == (grid.trigger_function_sql(),)
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger"
            " WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [Incident._meta.db_table],
        )
        installed = dict(cursor.fetchall())  # other apps may keep their own (contact places)
        assert {t: installed.get(t) for t in grid.TRIGGERS.values()} == {
            t: "O" for t in grid.TRIGGERS.values()
        }


def test_every_write_service_keeps_counts_equal_to_a_rebuild(
    operator: Any, resident: Any, category: Any
) -> None:
    grid.rebuild(timezone.now())
    older = make_incident(status=Status.RECEIVED)  # the ORM's own INSERT: counted too
    assert same(counts(), rebuilt()) and total() == 1
    here = wards()[SAIGON].representative_point()
    here_point = Point(here.x, here.y, srid=4326)
    new = incident_submit(
        reporter=resident, category=category, description="Ổ gà", location=here_point
    ).incident
    assert same(counts(), rebuilt()) and total() == 2
    steps = [
        lambda: incident_transition(actor=operator, incident=new, to_status=Status.RECEIVED),
        lambda: incident_assign(
            actor=operator, incident=new, assignee=make_staff(Role.HANDLER, ward_unit(SAIGON))
        ),
        lambda: incident_change_category(
            actor=operator, incident=new, category=Category.objects.get(code="flooding")
        ),
        lambda: incident_change_location(
            actor=operator, incident=new, location=Point(here.x + 5e-4, here.y + 5e-4, srid=4326)
        ),
        lambda: incident_transfer(
            actor=operator, incident=older, unit=ward_unit(BEN_THANH), reason="sai địa bàn"
        ),
    ]
    for step in steps:
        before = counts()
        step()
        assert same(counts(), rebuilt()) and counts() != before
    duplicate = make_incident(status=Status.RECEIVED)
    incident_merge(actor=operator, incident=duplicate, master=new)
    mine = incident_submit(
        reporter=resident, category=category, description="Rác", location=here_point
    ).incident
    incident_cancel(incident_id=mine.pk, reporter=resident)
    assert same(counts(), rebuilt())
    rated = make_incident(status=Status.RESOLVED, reporter=resident, resolved_at=timezone.now())
    _rating, reopened = incident_rate(incident_id=rated.pk, reporter=resident, stars=1)
    assert reopened and same(counts(), rebuilt())
    statuses = {key[3] for key in counts()}
    assert {Status.CANCELLED, Status.TRANSFERRED, Status.MERGED, Status.REOPENED} <= statuses
    assert total() == 5


def test_bulk_tools_and_raw_sql_keep_counts_equal_to_a_rebuild() -> None:
    grid.rebuild(timezone.now())
    make_incident()
    call_command("generate_incidents", count=300, points_per_ward=1, stdout=io.StringIO())
    assert same(counts(), rebuilt()) and total() == 301
    load_boundaries(WARDS_FILE, slug="hcmc-2030", name="2030", valid_from=dt.date(2030, 1, 1))
    call_command("reassign_wards", "--to", "hcmc-2030", "--all", stdout=io.StringIO())
    assert same(counts(), rebuilt())
    new_wards = AdminArea.objects.filter(boundary_set__slug="hcmc-2030").values_list("pk")
    assert {key[6] for key in counts()} <= {pk for (pk,) in new_wards}  # all moved
    table = Incident._meta.db_table
    with connection.cursor() as cursor:  # any other writer: a shell, an admin, a script
        cursor.execute(f"UPDATE {table} SET status = 'closed' WHERE id % 3 = 0")
        cursor.execute(f"UPDATE {table} SET description = 'không đổi khóa' WHERE id % 2 = 0")
        cursor.execute(f"DELETE FROM {table} WHERE id % 5 = 0 AND reference LIKE 'GEN-%%'")
    assert same(counts(), rebuilt())
    call_command("generate_incidents", drop=True, stdout=io.StringIO())
    assert same(counts(), rebuilt()) and total() == 1
    call_command("rebuild_incident_grid", stdout=io.StringIO())
    assert same(counts(), rebuilt()) and total() == 1


def test_rollback_and_conflict_leave_counts_unchanged(operator: Any) -> None:
    incident = make_incident()
    before = counts()
    assert before
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
    with pytest.raises(RuntimeError), transaction.atomic():
        call_command("generate_incidents", count=50, points_per_ward=1, stdout=io.StringIO())
        raise RuntimeError("a bulk load fails")
    assert counts() == before


def test_roll_flags_what_fell_due() -> None:
    now = timezone.now()
    make_incident(status=Status.RECEIVED, due_at=now + dt.timedelta(hours=1))
    make_incident(status=Status.CLOSED, due_at=now + dt.timedelta(minutes=30))
    grid.rebuild(now)
    assert not IncidentGridCount.objects.filter(is_overdue=True).exists()
    later = now + dt.timedelta(hours=2)
    assert grid.roll(later) == 1
    flagged = IncidentGridCount.objects.filter(is_overdue=True)
    assert {(r.status, r.n) for r in flagged} == {(Status.RECEIVED, 1)}
    assert flagged.count() == len(grid.CELL_ZOOMS)
    assert IncidentGridState.objects.get().overdue_as_of == later
    assert same(counts(), rebuilt())
    assert grid.roll(later) == 0  # nothing new fell due
    make_incident(status=Status.ASSIGNED, due_at=now)  # written after the roll: flagged at once
    assert same(counts(), rebuilt())
    assert IncidentGridCount.objects.filter(is_overdue=True, status=Status.ASSIGNED).exists()


def test_the_periodic_job_rolls_at_its_tick() -> None:
    now = timezone.now()
    make_incident(status=Status.RECEIVED, due_at=now - dt.timedelta(minutes=1))
    grid.rebuild(now - dt.timedelta(minutes=2))
    incident_grid_roll_job(timestamp=int(now.timestamp()) + 1)
    assert IncidentGridCount.objects.filter(is_overdue=True).count() == len(grid.CELL_ZOOMS)
    registered = {key for key in app.periodic_registry.periodic_tasks}
    assert ("incident_grid_roll", "incident_grid_roll") in registered
