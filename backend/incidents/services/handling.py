"""Handling actions beside plain status moves: assign, transfer, merge, re-route, talk.

Same invariants as `workflow`: optimistic locking on `Incident.version` for every change of the
incident row, one appended history entry per change, `Forbidden` for roles that may not act.
Every write goes through `changes.incident_change`. Comments, internal notes and directions only
append history (no version bump: nothing to lose).
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import DomainError
from backend.units.deadlines import due_at_for
from backend.units.models import Category, Membership, Role, Unit
from backend.units.routing import unit_for
from backend.units.selectors import transfer_targets
from geo.locate import ward_at

from ..models import EventKind, Incident, IncidentEvent, Status
from .changes import check_version, history_entry, incident_change
from .workflow import MANAGE, STAFF, TRIAGE, check_move, require_roles

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
    note_public: bool = False,
    expected_version: int | None = None,
) -> Incident:
    """Assign to a handler/leader of the incident's unit; the deadline starts now if unset."""
    check_version(incident, expected_version)
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
    changes: dict[str, Any] = {"assignee": assignee}
    if incident.due_at is None:
        changes["due_at"] = due_at_for(
            category=incident.category, unit=incident.unit, start=timezone.now()
        )
    return incident_change(
        incident,
        actor=actor,
        to_status=Status.ASSIGNED if incident.status != Status.ASSIGNED else None,
        note=note if note_public else "",
        note_public=note_public,
        fields=changes,
        events=[
            history_entry(incident, actor, EventKind.ASSIGNEE, note=note, data={"to": assignee.pk})
        ],
        expected_version=expected_version,
    )


def incident_transfer(
    *,
    actor: Any,
    incident: Incident,
    unit: Unit,
    reason: str,
    note_public: bool = False,
    expected_version: int | None = None,
) -> Incident:
    """Hand over to another unit with a reason; the new unit gets its own fresh deadline."""
    check_version(incident, expected_version)
    check_move(actor=actor, incident=incident, to_status=Status.TRANSFERRED)
    reason = _require_text(reason)
    if not unit.is_active or unit.pk == incident.unit_id:
        raise DomainError(_("Đơn vị nhận không hợp lệ."), details={"unit": ["invalid"]})
    if not transfer_targets_of(incident).filter(pk=unit.pk).exists():
        raise DomainError(
            _("Đơn vị nhận không thuộc thành phố/tỉnh của phản ánh."),
            details={"unit": ["not_a_target"]},
        )
    return _reroute(
        actor=actor,
        incident=incident,
        unit=unit,
        note=reason,
        note_public=note_public,
        expected_version=expected_version,
    )


def transfer_targets_of(incident: Incident) -> Any:
    """Where `incident` may be transferred (units.selectors.transfer_targets): the picker's list
    and the rule `incident_transfer` enforces."""
    ward = incident.ward
    return transfer_targets(unit=incident.unit, province_id=ward.parent_id if ward else None)


def _reroute(
    *,
    actor: Any,
    incident: Incident,
    unit: Unit | None,
    note: str,
    expected_version: int | None,
    note_public: bool = False,
    changes: dict[str, Any] | None = None,
    events: list[IncidentEvent] | None = None,
) -> Incident:
    """Set the unit (fresh deadline, no assignee) and the other `changes`; the UNIT entry
    holds the note, the TRANSFERRED status entry shows it only when public."""
    changes = dict(changes or {})
    events = list(events or [])
    to_status = None
    if unit is not None and unit.pk != incident.unit_id:
        old_unit = incident.unit_id
        changes |= {
            "unit": unit,
            "assignee": None,
            "due_at": due_at_for(category=incident.category, unit=unit, start=timezone.now()),
        }
        if incident.status != Status.NEW:
            to_status = Status.TRANSFERRED
        events.append(
            history_entry(
                incident, actor, EventKind.UNIT, unit=unit, note=note, data={"from": old_unit}
            )
        )
    return incident_change(
        incident,
        actor=actor,
        to_status=to_status,
        note=note if note_public else "",
        note_public=note_public,
        fields=changes,
        events=events,
        expected_version=expected_version,
    )


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
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
    check_version(incident, expected_version)
    require_roles(actor=actor, incident=incident, roles=TRIAGE)
    _require_open(incident)
    event = history_entry(
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
    location: Point,
    note: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Move the point, re-locate the ward (geo.locate; outside → 422) and re-run routing."""
    check_version(incident, expected_version)
    require_roles(actor=actor, incident=incident, roles=TRIAGE)
    _require_open(incident)
    ward = ward_at(location)
    event = history_entry(
        incident,
        actor,
        EventKind.LOCATION,
        note=note,
        data={
            "from_ward": incident.ward_id,
            "to_ward": ward.pk,
            "lon": location.x,
            "lat": location.y,
        },
    )
    return _reroute(
        actor=actor,
        incident=incident,
        unit=unit_for(category=incident.category, ward=ward),
        note=note,
        expected_version=expected_version,
        changes={"location": location, "ward": ward},
        events=[event],
    )


def incident_merge(
    *,
    actor: Any,
    incident: Incident,
    master: Incident,
    note: str = "",
    note_public: bool = False,
    expected_version: int | None = None,
) -> Incident:
    """Close `incident` as a duplicate of `master` (which must itself not be a duplicate)."""
    check_version(incident, expected_version)
    check_move(actor=actor, incident=incident, to_status=Status.MERGED)
    if master.pk == incident.pk or master.status == Status.MERGED:
        raise DomainError(_("Phản ánh gốc không hợp lệ."), details={"master": ["invalid"]})
    return incident_change(
        incident,
        actor=actor,
        to_status=Status.MERGED,
        note=note,
        note_public=note_public,
        status_data={"master": master.pk, "master_reference": master.reference},
        fields={"merged_into": master, "closed_at": timezone.now()},
        expected_version=expected_version,
    )


def _append(incident: Incident, actor: Any, event: IncidentEvent) -> IncidentEvent:
    """Talk appends history only: no version bump (there is no field to lose)."""
    event.full_clean(exclude=["incident", "actor", "unit"])
    incident_change(incident, actor=actor, events=[event])
    return event


def incident_comment(
    *, actor: Any, incident: Incident, text: str, internal: bool = False
) -> IncidentEvent:
    """A reply to the resident (public) or an internal note (never shown to the resident)."""
    require_roles(actor=actor, incident=incident, roles=STAFF)
    kind = EventKind.NOTE if internal else EventKind.COMMENT
    event = history_entry(incident, actor, kind, note=_require_text(text), is_internal=internal)
    return _append(incident, actor, event)


def incident_add_direction(*, actor: Any, incident: Incident, text: str) -> IncidentEvent:
    """A leader's or supervisor's direction (chỉ đạo) to the handling unit; internal."""
    require_roles(actor=actor, incident=incident, roles=MANAGE)
    event = history_entry(
        incident, actor, EventKind.DIRECTION, note=_require_text(text), is_internal=True
    )
    return _append(incident, actor, event)


def incident_answer_direction(
    *, actor: Any, incident: Incident, direction_id: int, text: str
) -> IncidentEvent:
    """The unit's answer to a direction: an internal note linked to it."""
    require_roles(actor=actor, incident=incident, roles=STAFF)
    if not incident.events.filter(pk=direction_id, kind=EventKind.DIRECTION).exists():
        raise DomainError(_("Không tìm thấy chỉ đạo."), details={"direction": ["not_found"]})
    event = history_entry(
        incident,
        actor,
        EventKind.NOTE,
        note=_require_text(text),
        is_internal=True,
        data={"reply_to": direction_id},
    )
    return _append(incident, actor, event)


def incident_add_caller_note(*, operator: Any, incident: Incident, text: str) -> IncidentEvent:
    """What a resident added by phone to a report (a call-back), as the operator wrote it down;
    internal. Who counts as an operator of the contact centre is the contact centre's rule."""
    event = history_entry(
        incident,
        operator,
        EventKind.NOTE,
        note=_require_text(text),
        is_internal=True,
        data={"from_caller": True},
    )
    return _append(incident, operator, event)
