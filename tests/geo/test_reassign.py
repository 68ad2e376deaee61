import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from backend.incidents.models import Incident, IncidentGridCount, Status
from backend.units.models import Category
from geo.loaders import load_boundaries
from geo.locate import locate
from geo.models import AdminArea, AreaAssignment

from .wards import WARDS_FILE

pytestmark = pytest.mark.django_db

POINTS = [(106.7009, 10.7769), (106.6297, 10.8231), (106.66, 10.98), (107.08, 10.35)]


def make_incidents() -> list[Incident]:
    category = Category.objects.get(code="rubbish")
    out = []
    for i, (lon, lat) in enumerate(POINTS):
        ward = locate(lon, lat)
        assert ward is not None
        out.append(
            Incident.objects.create(
                reference=f"T-{i}",
                category=category,
                description="Rác",
                ward_id=ward.id,
                location=Point(lon, lat, srid=4326),
                status=Status.CLOSED if i == 0 else Status.NEW,
            )
        )
    return out


def test_open_incidents_move_to_the_new_set_and_closed_ones_keep_their_ward() -> None:
    incidents = make_incidents()
    load_boundaries(WARDS_FILE, slug="hcmc-2030", name="2030", valid_from=dt.date(2030, 1, 1))
    out = io.StringIO()
    call_command("reassign_wards", "--to", "hcmc-2030", stdout=out)
    assert "3 incidents moved" in out.getvalue()
    for incident in incidents:
        before = incident.ward
        incident.refresh_from_db()
        if incident.status == Status.CLOSED:
            assert incident.ward == before  # a report keeps the ward it was filed in
        else:
            assert incident.ward.boundary_set.slug == "hcmc-2030"
            assert incident.ward.code == before.code
    # the map's pre-aggregated counts follow the open incidents to their new wards
    new_wards = set(
        AdminArea.objects.filter(boundary_set__slug="hcmc-2030").values_list("pk", flat=True)
    )
    open_cells = IncidentGridCount.objects.filter(status=Status.NEW, n__gt=0)
    assert open_cells.exists()
    assert set(open_cells.values_list("ward_id", flat=True)) <= new_wards
    # a second run changes nothing
    out = io.StringIO()
    call_command("reassign_wards", "--to", "hcmc-2030", stdout=out)
    assert "0 incidents moved" in out.getvalue()


def test_points_outside_the_new_set_keep_their_old_ward(tmp_path: Path) -> None:
    incidents = make_incidents()
    # a "new set" with only former Bình Dương: the Sài Gòn points are outside it
    data = json.loads(WARDS_FILE.read_text(encoding="utf-8"))
    data["features"] = [
        f for f in data["features"] if f["properties"]["former_province_code"] == "74"
    ]
    bd = tmp_path / "bd.geojson"
    bd.write_text(json.dumps(data), encoding="utf-8")
    load_boundaries(bd, slug="bd-only", name="BD", valid_from=dt.date(2031, 1, 1))
    call_command("reassign_wards", "--to", "bd-only", "--all", stdout=io.StringIO())
    moved = {
        i.reference: AdminArea.objects.get(incidents=i).boundary_set.slug
        for i in Incident.objects.filter(pk__in=[x.pk for x in incidents])
    }
    assert moved["T-0"] == moved["T-1"] == "hcmc-2025"
    assert moved["T-2"] == "bd-only"


def test_mapping_mode_writes_fresh_rows_and_leaves_incidents_as_filed() -> None:
    incidents = make_incidents()
    filed = {i.pk: i.ward_id for i in incidents}
    load_boundaries(WARDS_FILE, slug="hcmc-2032", name="2032", valid_from=dt.date(2032, 1, 1))
    for _ in range(2):  # idempotent: the second run replaces, never duplicates
        call_command(
            "reassign_wards", "--to", "hcmc-2032", "--all", "--mapping", stdout=io.StringIO()
        )
    rows = AreaAssignment.objects.filter(
        boundary_set__slug="hcmc-2032", subject="incidents.incident"
    )
    assert rows.count() == len(incidents)
    for incident in Incident.objects.filter(pk__in=filed):
        assert incident.ward_id == filed[incident.pk]
        mapped = rows.get(object_id=incident.pk).area
        assert mapped.boundary_set.slug == "hcmc-2032" and mapped.code == incident.ward.code
