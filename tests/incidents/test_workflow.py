import datetime as dt

import pytest
from django.utils import timezone

from backend.common.errors import Conflict, DomainError
from backend.incidents.models import EventKind, Incident, Status
from backend.incidents.services.handling import incident_assign
from backend.incidents.services.resolution import incident_add_resolution_photo
from backend.incidents.services.workflow import Forbidden, allowed_moves, incident_transition
from backend.units.models import Role

from .factories import SAIGON, make_incident, make_staff, ward_unit
from .images import jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    unit = ward_unit(SAIGON)
    return {r: make_staff(r, unit) for r in (Role.OPERATOR, Role.HANDLER, Role.LEADER)}


def test_full_path_new_to_closed_appends_history(team) -> None:
    op, handler = team[Role.OPERATOR], team[Role.HANDLER]
    incident = make_incident()
    incident_transition(actor=op, incident=incident, to_status=Status.RECEIVED)
    incident_assign(actor=op, incident=incident, assignee=handler)
    incident_transition(actor=handler, incident=incident, to_status=Status.IN_PROGRESS)
    incident_add_resolution_photo(actor=handler, incident=incident, upload=jpeg())
    incident_transition(
        actor=handler, incident=incident, to_status=Status.RESOLVED, note="Đã thu gom rác"
    )
    incident_transition(actor=op, incident=incident, to_status=Status.CLOSED)
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    assert incident.assignee == handler
    assert incident.is_late is False and incident.resolved_at and incident.closed_at
    assert incident.version == 6
    moves = list(incident.events.filter(kind=EventKind.STATUS).values_list("to_status", flat=True))
    assert moves == ["new", "received", "assigned", "in_progress", "resolved", "closed"]
    assert incident.events.filter(kind=EventKind.ASSIGNEE, actor=op).count() == 1


def test_resolved_needs_text_and_a_result_photo(team) -> None:
    handler = team[Role.HANDLER]
    incident = make_incident(status=Status.IN_PROGRESS, assignee=handler)
    with pytest.raises(DomainError) as no_text:
        incident_transition(actor=handler, incident=incident, to_status=Status.RESOLVED)
    assert no_text.value.details == {"note": ["required"]}
    with pytest.raises(DomainError) as no_photo:
        incident_transition(
            actor=handler, incident=incident, to_status=Status.RESOLVED, note="xong"
        )
    assert no_photo.value.code == "resolution_photo_required"
    assert Incident.objects.get(pk=incident.pk).status == Status.IN_PROGRESS


def test_illegal_transition_says_what_is_allowed(team) -> None:
    incident = make_incident()
    with pytest.raises(Conflict) as exc:
        incident_transition(actor=team[Role.LEADER], incident=incident, to_status=Status.CLOSED)
    assert exc.value.code == "illegal_transition"
    assert exc.value.status_code == 409
    assert set(exc.value.details["allowed"]) == {"received", "rejected", "transferred", "merged"}
    assert "Đã tiếp nhận" in str(exc.value.message)


def test_role_that_may_not_make_a_move_is_forbidden(team) -> None:
    incident = make_incident()
    with pytest.raises(Forbidden):
        incident_transition(actor=team[Role.HANDLER], incident=incident, to_status=Status.RECEIVED)
    assert allowed_moves(actor=team[Role.HANDLER], incident=incident) == []
    assert "received" in allowed_moves(actor=team[Role.OPERATOR], incident=incident)


def test_reject_needs_a_reason(team) -> None:
    incident = make_incident()
    with pytest.raises(DomainError):
        incident_transition(actor=team[Role.OPERATOR], incident=incident, to_status=Status.REJECTED)
    incident_transition(
        actor=team[Role.OPERATOR], incident=incident, to_status=Status.REJECTED, note="Spam"
    )
    assert incident.events.filter(note="Spam", to_status=Status.REJECTED).exists()


def test_concurrent_edit_one_wins_the_other_gets_409_with_current_state(team) -> None:
    incident = make_incident()
    first = Incident.objects.get(pk=incident.pk)
    second = Incident.objects.get(pk=incident.pk)  # loaded at the same version by another clerk
    incident_transition(actor=team[Role.OPERATOR], incident=first, to_status=Status.RECEIVED)
    events_before = incident.events.count()
    with pytest.raises(Conflict) as exc:
        incident_transition(
            actor=team[Role.LEADER], incident=second, to_status=Status.REJECTED, note="trùng"
        )
    current = exc.value.details["current"]
    assert current["status"] == "received" and current["version"] == 2
    assert incident.events.count() == events_before  # nothing written by the loser
    assert Incident.objects.get(pk=incident.pk).status == Status.RECEIVED


def test_expected_version_from_the_client_is_checked(team) -> None:
    incident = make_incident()
    with pytest.raises(Conflict):
        incident_transition(
            actor=team[Role.OPERATOR],
            incident=incident,
            to_status=Status.RECEIVED,
            expected_version=7,
        )


def test_late_is_decided_at_resolution(team) -> None:
    handler = team[Role.HANDLER]
    past = timezone.now() - dt.timedelta(days=1)
    incident = make_incident(status=Status.IN_PROGRESS, assignee=handler, due_at=past)
    incident_add_resolution_photo(actor=handler, incident=incident, upload=jpeg())
    incident_transition(actor=handler, incident=incident, to_status=Status.RESOLVED, note="ok")
    assert Incident.objects.get(pk=incident.pk).is_late is True


def test_reopen_clears_resolution(team) -> None:
    incident = make_incident(status=Status.RESOLVED, resolved_at=timezone.now(), is_late=False)
    incident_transition(
        actor=team[Role.OPERATOR], incident=incident, to_status=Status.REOPENED, note="chưa xong"
    )
    incident.refresh_from_db()
    assert incident.status == Status.REOPENED and incident.resolved_at is None
    assert incident.is_late is None


def test_assign_only_to_members_of_the_unit(team) -> None:
    outsider = make_staff(Role.HANDLER, ward_unit("26743"))
    incident = make_incident(status=Status.RECEIVED)
    with pytest.raises(DomainError) as exc:
        incident_assign(actor=team[Role.OPERATOR], incident=incident, assignee=outsider)
    assert exc.value.details == {"assignee": ["not_a_member"]}
