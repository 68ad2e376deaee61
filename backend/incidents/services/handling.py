"""Handling actions beside plain status moves: assign, transfer, merge, re-route, talk.

Same invariants as `workflow`: optimistic locking on `Incident.version` for every change of the
incident row, one appended `IncidentEvent` per change, `Forbidden` for roles that may not act.
Comments, internal notes and directions only append events (no version bump: nothing to lose).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import DomainError
from backend.units.models import Membership, Role, Unit
from backend.units.routing import unit_for
from geo.locate import locate
from geo.models import AdminArea
from geo.points import InvalidCoordinates, make_point

from ..deadlines import due_at_for
from ..models import OPEN_STATUSES, Category, EventKind, Incident, IncidentEvent, Status
from .workflow import (
    MANAGE,
    STAFF,
    TRIAGE,
    _check_version,
    _event,
    _status_event,
    apply_change,
    check_move,
    require_roles,
)

ASSIGNABLE_ROLES = (Role.HANDLER, Role.LEADER)


def _require_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise DomainError(_("Cần ghi rõ nội dung/lý do."), details={"note": ["required"]})
    return text


def incident_assign(
    *,
    actor: Any,
    incident: Incident,
    assignee: Any,
    note: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Assign to a handler/leader of the incident's unit; the deadline starts now if unset."""
    _check_version(incident, expected_version)
    check_move(actor=actor, incident=incident, to_status=Status.ASSIGNED)
    is_member = incident.unit_id is not None and (
        Membership.objects.filter(
            user=assignee, unit_id=incident.unit_id, role__in=ASSIGNABLE_ROLES
        ).exists()
    )
    if not is_member:
        raise DomainError(
            _("Cán bộ được phân công phải thuộc đơn vị xử lý."),
            details={"assignee": ["not_a_member"]},
        )
    changes: dict[str, Any] = {"status": Status.ASSIGNED, "assignee": assignee}
    if incident.due_at is None:
        changes["due_at"] = due_at_for(
            category=incident.category, unit=incident.unit, start=timezone.now()
        )
    events = [_event(incident, actor, EventKind.ASSIGNEE, note=note, data={"to": assignee.pk})]
    if incident.status != Status.ASSIGNED:
        events.insert(0, _status_event(incident, actor, Status.ASSIGNED, note))
    return apply_change(
        incident=incident, expected_version=expected_version, changes=changes, events=events
    )


def incident_transfer(
    *,
    actor: Any,
    incident: Incident,
    unit: Unit,
    reason: str,
    expected_version: int | None = None,
) -> Incident:
    """Hand over to another unit with a reason; the new unit gets its own fresh deadline."""
    _check_version(incident, expected_version)
    check_move(actor=actor, incident=incident, to_status=Status.TRANSFERRED)
    reason = _require_text(reason)
    if not unit.is_active or unit.pk == incident.unit_id:
        raise DomainError(_("Đơn vị nhận không hợp lệ."), details={"unit": ["invalid"]})
    return _reroute(
        actor=actor, incident=incident, unit=unit, note=reason, expected_version=expected_version
    )


def _reroute(
    *,
    actor: Any,
    incident: Incident,
    unit: Unit | None,
    note: str,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
    events: list[IncidentEvent] | None = None,
) -> Incident:
    changes = dict(changes or {})
    events = list(events or [])
    if unit is not None and unit.pk != incident.unit_id:
        old_unit = incident.unit_id
        changes |= {
            "unit": unit,
            "assignee": None,
            "due_at": due_at_for(category=incident.category, unit=unit, start=timezone.now()),
        }
        if incident.status != Status.NEW:
            changes["status"] = Status.TRANSFERRED
            events.append(_status_event(incident, actor, Status.TRANSFERRED, note))
        events.append(
            _event(incident, actor, EventKind.UNIT, unit=unit, note=note, data={"from": old_unit})
        )
    return apply_change(
        incident=incident, expected_version=expected_version, changes=changes, events=events
    )


def _require_open(incident: Incident) -> None:
    if incident.status not in OPEN_STATUSES:
        raise DomainError(
            _("Phản ánh đã kết thúc, không thể thay đổi."),
            code="incident_closed",
            status_code=409,
            details={"status": incident.status},
        )


def incident_change_category(
    *,
    actor: Any,
    incident: Incident,
    category: Category,
    note: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Re-classify and re-run routing (the unit may change, which transfers the incident)."""
    _check_version(incident, expected_version)
    require_roles(actor=actor, incident=incident, roles=TRIAGE)
    _require_open(incident)
    event = _event(
        incident,
        actor,
        EventKind.CATEGORY,
        note=note,
        data={"from": incident.category_id, "to": category.pk},
    )
    incident.category = category  # the deadline of a new unit follows the new category
    unit = unit_for(category=category, ward=incident.ward)
    return _reroute(
        actor=actor,
        incident=incident,
        unit=unit,
        note=note,
        expected_version=expected_version,
        changes={"category": category},
        events=[event],
    )


def incident_change_location(
    *,
    actor: Any,
    incident: Incident,
    lon: float,
    lat: float,
    note: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Move the point, re-locate the ward (geo.locate) and re-run routing."""
    _check_version(incident, expected_version)
    require_roles(actor=actor, incident=incident, roles=TRIAGE)
    _require_open(incident)
    try:
        point = make_point(lon, lat)
    except InvalidCoordinates as exc:
        raise DomainError(str(exc), code=exc.code) from None
    info = locate(point.x, point.y)
    if info is None:
        raise DomainError(
            _("Vị trí nằm ngoài địa bàn phục vụ."), code="outside_service_area", status_code=422
        )
    ward = AdminArea.objects.get(pk=info.id)
    event = _event(
        incident,
        actor,
        EventKind.LOCATION,
        note=note,
        data={"from_ward": incident.ward_id, "to_ward": ward.pk, "lon": lon, "lat": lat},
    )
    return _reroute(
        actor=actor,
        incident=incident,
        unit=unit_for(category=incident.category, ward=ward),
        note=note,
        expected_version=expected_version,
        changes={"location": point, "ward": ward},
        events=[event],
    )


def incident_merge(
    *,
    actor: Any,
    incident: Incident,
    master: Incident,
    note: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Close `incident` as a duplicate of `master` (which must itself not be a duplicate)."""
    _check_version(incident, expected_version)
    check_move(actor=actor, incident=incident, to_status=Status.MERGED)
    if master.pk == incident.pk or master.status == Status.MERGED:
        raise DomainError(_("Phản ánh gốc không hợp lệ."), details={"master": ["invalid"]})
    event = _status_event(incident, actor, Status.MERGED, note)
    event.data = {"master": master.pk, "master_reference": master.reference}
    return apply_change(
        incident=incident,
        expected_version=expected_version,
        changes={"status": Status.MERGED, "merged_into": master, "closed_at": timezone.now()},
        events=[event],
    )


@transaction.atomic
def incident_comment(
    *, actor: Any, incident: Incident, text: str, internal: bool = False
) -> IncidentEvent:
    """A reply to the resident (public) or an internal note (never shown to the resident)."""
    require_roles(actor=actor, incident=incident, roles=STAFF)
    kind = EventKind.NOTE if internal else EventKind.COMMENT
    event = _event(incident, actor, kind, note=_require_text(text), is_internal=internal)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def incident_add_direction(*, actor: Any, incident: Incident, text: str) -> IncidentEvent:
    """A leader's or supervisor's direction (chỉ đạo) to the handling unit; internal."""
    require_roles(actor=actor, incident=incident, roles=MANAGE)
    event = _event(incident, actor, EventKind.DIRECTION, note=_require_text(text), is_internal=True)
    event.save()
    return event


@transaction.atomic
def incident_answer_direction(
    *, actor: Any, incident: Incident, direction_id: int, text: str
) -> IncidentEvent:
    """The unit's answer to a direction: an internal note linked to it."""
    require_roles(actor=actor, incident=incident, roles=STAFF)
    if not incident.events.filter(pk=direction_id, kind=EventKind.DIRECTION).exists():
        raise DomainError(_("Không tìm thấy chỉ đạo."), details={"direction": ["not_found"]})
    event = _event(
        incident,
        actor,
        EventKind.NOTE,
        note=_require_text(text),
        is_internal=True,
        data={"reply_to": direction_id},
    )
    event.save()
    return event
