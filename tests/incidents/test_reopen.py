"""Reopened by the resident: a new resolution needs new proof, and is rated anew."""

from __future__ import annotations

import pytest

from backend.common.errors import Conflict, DomainError
from backend.incidents.models import EventKind, Rating, Status
from backend.incidents.services.handling import incident_assign
from backend.incidents.services.reporter import incident_rate
from backend.incidents.services.resolution import incident_add_resolution_photo
from backend.incidents.services.workflow import incident_transition
from backend.units.models import Role

from .factories import SAIGON, make_incident, make_staff, make_user, ward_unit
from .images import jpeg

pytestmark = pytest.mark.django_db


def test_reopen_needs_a_new_result_and_a_new_rating_counts() -> None:
    unit = ward_unit(SAIGON)
    op, handler = make_staff(Role.OPERATOR, unit), make_staff(Role.HANDLER, unit)
    resident = make_user()
    incident = make_incident(reporter=resident)
    incident_transition(actor=op, incident=incident, to_status=Status.RECEIVED)
    incident_assign(actor=op, incident=incident, assignee=handler)
    incident_transition(actor=handler, incident=incident, to_status=Status.IN_PROGRESS)
    incident_add_resolution_photo(actor=handler, incident=incident, upload=jpeg())
    incident_transition(actor=handler, incident=incident, to_status=Status.RESOLVED, note="Xong")

    _, reopened = incident_rate(incident_id=incident.pk, reporter=resident, stars=1)
    assert reopened
    incident.refresh_from_db()
    incident_transition(actor=handler, incident=incident, to_status=Status.IN_PROGRESS)
    with pytest.raises(DomainError) as no_new_proof:
        incident_transition(actor=handler, incident=incident, to_status=Status.RESOLVED, note="X")
    assert no_new_proof.value.code == "resolution_photo_required"

    incident_add_resolution_photo(actor=handler, incident=incident, upload=jpeg())
    incident_transition(
        actor=handler, incident=incident, to_status=Status.RESOLVED, note="Đã làm lại"
    )
    _, reopened = incident_rate(incident_id=incident.pk, reporter=resident, stars=4)
    assert not reopened
    assert Rating.objects.get(incident=incident).stars == 4  # the unit's score: the latest
    stars = list(
        incident.events.filter(kind=EventKind.RATING).order_by("id").values_list("data", flat=True)
    )
    assert stars == [{"stars": 1}, {"stars": 4}]  # both stay in the history
    with pytest.raises(Conflict) as twice:
        incident_rate(incident_id=incident.pk, reporter=resident, stars=5)
    assert twice.value.code == "already_rated"
