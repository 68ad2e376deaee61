import pytest
from django.contrib.gis.geos import Point

from backend.common.errors import DomainError
from backend.incidents.models import EventKind, Status
from backend.incidents.services.handling import (
    incident_add_direction,
    incident_answer_direction,
    incident_change_category,
    incident_change_location,
    incident_comment,
    incident_merge,
    incident_transfer,
)
from backend.incidents.services.workflow import Forbidden
from backend.units.models import Category, Role, Unit

from .factories import BEN_THANH, SAIGON, make_incident, make_staff, point_in, ward_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader():
    return make_staff(Role.LEADER, ward_unit(SAIGON))


def test_transfer_changes_unit_clears_assignee_and_records_reason(leader) -> None:
    dept = Unit.objects.get(code="so-xay-dung")
    incident = make_incident(status=Status.ASSIGNED, assignee=leader)
    incident_transfer(actor=leader, incident=incident, unit=dept, reason="Thuộc thẩm quyền Sở")
    incident.refresh_from_db()
    assert (incident.unit, incident.status, incident.assignee) == (dept, Status.TRANSFERRED, None)
    unit_event = incident.events.get(kind=EventKind.UNIT)
    assert unit_event.note == "Thuộc thẩm quyền Sở" and unit_event.unit == dept


def test_transfer_needs_a_reason(leader) -> None:
    with pytest.raises(DomainError):
        incident_transfer(
            actor=leader, incident=make_incident(), unit=Unit.objects.get(code="so-y-te"), reason=""
        )


def test_changing_the_category_reruns_routing(leader) -> None:
    incident = make_incident(status=Status.RECEIVED)
    lighting = Category.objects.get(code="street-lighting")
    incident_change_category(actor=leader, incident=incident, category=lighting, note="đèn")
    incident.refresh_from_db()
    assert incident.category == lighting
    assert incident.unit is not None and incident.unit.code == "cty-chieu-sang"  # city rule
    assert incident.status == Status.TRANSFERRED
    kinds = set(incident.events.values_list("kind", flat=True))
    assert {"category", "unit", "status"} <= kinds


def test_changing_the_location_relocates_the_ward_and_reroutes(leader) -> None:
    incident = make_incident()
    lon, lat = point_in(BEN_THANH)
    incident_change_location(actor=leader, incident=incident, location=Point(lon, lat, srid=4326))
    incident.refresh_from_db()
    assert incident.ward.code == BEN_THANH
    assert incident.unit == ward_unit(BEN_THANH)
    assert incident.status == Status.NEW  # still untriaged, now in the other ward's inbox


def test_location_outside_the_city_is_refused(leader) -> None:
    with pytest.raises(DomainError) as exc:
        incident_change_location(
            actor=leader, incident=make_incident(), location=Point(105.0, 21.0, srid=4326)
        )
    assert exc.value.code == "outside_service_area"


def test_merge_links_to_the_master(leader) -> None:
    master, dup = make_incident(), make_incident()
    incident_merge(actor=leader, incident=dup, master=master)
    dup.refresh_from_db()
    assert dup.status == Status.MERGED and dup.merged_into == master
    with pytest.raises(DomainError):
        incident_merge(actor=leader, incident=make_incident(), master=dup)


def test_direction_is_for_leaders_and_the_unit_answers(leader) -> None:
    handler = make_staff(Role.HANDLER, ward_unit(SAIGON))
    incident = make_incident()
    with pytest.raises(Forbidden):
        incident_add_direction(actor=handler, incident=incident, text="Xử lý ngay")
    direction = incident_add_direction(actor=leader, incident=incident, text="Xử lý ngay")
    answer = incident_answer_direction(
        actor=handler, incident=incident, direction_id=direction.pk, text="Đã nhận"
    )
    assert direction.is_internal and answer.is_internal
    assert answer.data == {"reply_to": direction.pk}


def test_comment_public_and_internal_note(leader) -> None:
    incident = make_incident()
    public = incident_comment(actor=leader, incident=incident, text="Đã ghi nhận")
    note = incident_comment(actor=leader, incident=incident, text="gọi lại", internal=True)
    assert (public.kind, public.is_internal) == (EventKind.COMMENT, False)
    assert (note.kind, note.is_internal) == (EventKind.NOTE, True)
    assert incident.version == 1  # talk does not bump the version
