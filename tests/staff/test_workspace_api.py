"""The API behind the workspace's new forms: transfer targets (and the same rule enforced on the
transfer), the relocation preview, the "my work" queues, names instead of codes."""

import csv
import io
from typing import Any

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from backend.incidents.models import Status
from backend.incidents.services.handling import (
    incident_add_direction,
    incident_answer_direction,
)
from backend.units.models import Unit, UnitKind
from geo.models import AdminArea
from tests.incidents.factories import BEN_THANH, SAIGON, make_incident, point_in, ward_unit

from .test_api import API, client_for

pytestmark = pytest.mark.django_db


def other_province_ward() -> Unit:
    """A ward committee under the same city office whose ward lies in another province."""
    saigon_area = ward_unit(SAIGON).areas.get()
    province = AdminArea.objects.create(
        boundary_set=saigon_area.boundary_set,
        code="99",
        level=saigon_area.parent.level if saigon_area.parent else "province",
        name="Tỉnh Khác",
        geom=MultiPolygon(Polygon.from_bbox((100, 20, 100.1, 20.1))),
    )
    area = AdminArea.objects.create(
        boundary_set=saigon_area.boundary_set,
        code="99999",
        level=saigon_area.level,
        name="Xã Xa Xôi",
        parent=province,
        geom=MultiPolygon(Polygon.from_bbox((100, 20, 100.05, 20.05))),
    )
    unit = Unit.objects.create(
        code="ubnd-99999",
        name="UBND Xã Xa Xôi",
        kind=UnitKind.WARD_COMMITTEE,
        parent=ward_unit(SAIGON).parent,
    )
    unit.areas.add(area)
    return unit


def test_transfer_targets_are_the_city_and_the_province_and_the_server_keeps_to_them(
    people: dict[str, Any],
) -> None:
    far = other_province_ward()
    incident = make_incident(status=Status.RECEIVED)
    c = client_for(people["operator"])
    targets = c.get(f"{API}incidents/{incident.pk}/transfer-targets").data
    ids = {t["id"] for t in targets}
    assert ward_unit(BEN_THANH).pk in ids and Unit.objects.get(code="so-y-te").pk in ids
    assert far.pk not in ids and incident.unit_id not in ids
    assert targets[0]["id"] == ward_unit(SAIGON).parent_id  # the parent first
    assert targets[1]["group"] == "Phường/xã giáp ranh"  # then the bordering wards
    bordering = [t["id"] for t in targets if t["group"] == "Phường/xã giáp ranh"]
    assert ward_unit(BEN_THANH).pk in bordering and len(bordering) < 20
    assert all(t["kind_label"] and t["name"] for t in targets)
    refused = c.post(
        f"{API}incidents/{incident.pk}/transfer", {"unit": far.pk, "reason": "sai địa bàn"}
    )
    assert refused.status_code == 400
    assert refused.data["details"]["unit"] == ["not_a_target"]
    incident.refresh_from_db()
    assert incident.unit == ward_unit(SAIGON) and incident.status == Status.RECEIVED
    outsider = client_for(people["other_ward"])
    assert outsider.get(f"{API}incidents/{incident.pk}/transfer-targets").status_code == 404


def test_transfer_targets_in_english(people: dict[str, Any]) -> None:
    incident = make_incident(status=Status.RECEIVED)
    targets = (
        client_for(people["operator"])
        .get(f"{API}incidents/{incident.pk}/transfer-targets", HTTP_ACCEPT_LANGUAGE="en")
        .data
    )
    names = {t["name"] for t in targets}
    assert "Department of Health" in names and "Sở Y tế" not in names


def test_relocation_preview_names_the_new_ward_and_unit_and_writes_nothing(
    people: dict[str, Any],
) -> None:
    incident = make_incident(status=Status.RECEIVED)
    version = incident.version
    lon, lat = point_in(BEN_THANH)
    c = client_for(people["operator"])
    preview = c.get(f"{API}incidents/{incident.pk}/relocation", {"lat": lat, "lon": lon})
    assert preview.status_code == 200
    assert preview.data["ward"]["code"] == BEN_THANH
    assert preview.data["unit"]["id"] == ward_unit(BEN_THANH).pk
    assert preview.data["unit_changes"] is True and preview.data["stays_in_scope"] is False
    incident.refresh_from_db()
    assert incident.ward.code == SAIGON and incident.version == version
    outside = c.get(f"{API}incidents/{incident.pk}/relocation", {"lat": 21.0, "lon": 105.8})
    assert outside.status_code == 422 and outside.data["code"]
    assert c.get(f"{API}incidents/{incident.pk}/relocation").status_code == 400


def test_my_work_queues(people: dict[str, Any]) -> None:
    handler, leader = people["handler"], people["leader"]
    mine = make_incident(status=Status.ASSIGNED, assignee=handler)
    waiting = make_incident(status=Status.RECEIVED)
    directed = make_incident(status=Status.ASSIGNED, assignee=leader)
    answered = make_incident(status=Status.ASSIGNED, assignee=leader)
    incident_add_direction(actor=people["supervisor"], incident=directed, text="Xử lý gấp")
    d = incident_add_direction(actor=people["supervisor"], incident=answered, text="Báo cáo")
    incident_answer_direction(actor=leader, incident=answered, direction_id=d.pk, text="Đã xong")
    done = make_incident(status=Status.CLOSED)

    def queue(user: Any, work: str) -> set[int]:
        rows = client_for(user).get(API + "incidents", {"work": work, "page_size": "200"})
        return {r["id"] for r in rows.data["results"]}

    assert queue(handler, "mine") == {mine.pk}
    unit = queue(handler, "unit")
    assert waiting.pk in unit and mine.pk not in unit and done.pk not in unit
    assert queue(leader, "directions") == {directed.pk}
    assert client_for(handler).get(API + "incidents", {"work": "x"}).status_code == 400


def test_exports_and_history_carry_names_not_codes(people: dict[str, Any]) -> None:
    incident = make_incident(status=Status.RECEIVED)
    c = client_for(people["leader"])
    rows = list(csv.reader(io.StringIO(c.get(API + "incidents.csv").content.decode("utf-8-sig"))))
    row = dict(zip(rows[0], next(r for r in rows if r[0] == incident.reference), strict=True))
    assert row["unit"] == ward_unit(SAIGON).name and row["category"] == incident.category.name
    assert row["status"] == str(Status.RECEIVED.label) != Status.RECEIVED.value
    english = c.get(API + "incidents.csv", HTTP_ACCEPT_LANGUAGE="en").content.decode("utf-8-sig")
    assert incident.category.name_en in english and ward_unit(SAIGON).name_en in english
    detail = c.get(f"{API}incidents/{incident.pk}").data
    assert all(e["kind_label"] and e["kind_label"] != e["kind"] for e in detail["history"])
    members = c.get(f"{API}units/{incident.unit_id}/members").data
    assert {m["role_label"] for m in members} >= {"Xử lý", "Lãnh đạo đơn vị"}
