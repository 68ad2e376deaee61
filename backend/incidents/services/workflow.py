"""Status workflow of an incident: who may move it where, with what, without lost updates.

Invariants:
- Every write bumps `Incident.version` with `UPDATE … WHERE version = expected`; 0 rows means
  someone else acted first → `Conflict` (409) carrying the current state. Nothing is written then.
- Every change appends one `IncidentEvent` (actor, time, note); events are never edited.
- An illegal move → `Conflict` with code `illegal_transition` listing what is allowed from here;
  a legal move by a role that may not make it → `Forbidden` (403). Scope (which incidents a user
  may see at all) is checked by the caller through `incidents_visible_to` (404 outside it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import Conflict, DomainError
from backend.notifications.tasks import notify_incident_status_changed
from backend.units.models import Role
from backend.units.selectors import staff_scope

from .. import grid
from ..models import EventKind, Incident, IncidentEvent, PhotoKind, Status

S = Status
TRIAGE = frozenset({Role.OPERATOR, Role.LEADER, Role.SUPERVISOR, Role.ADMIN})
HANDLE = frozenset({Role.HANDLER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN})
MANAGE = frozenset({Role.LEADER, Role.SUPERVISOR, Role.ADMIN})
OVERSEE = frozenset({Role.SUPERVISOR, Role.ADMIN})
STAFF = TRIAGE | HANDLE

# from-state → {to-state: roles allowed}. Moves to assigned/transferred/merged go through
# incident_assign / incident_transfer / incident_merge, which need an assignee/unit/master.
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    S.NEW: {S.RECEIVED: TRIAGE, S.REJECTED: TRIAGE, S.TRANSFERRED: TRIAGE, S.MERGED: TRIAGE},
    S.RECEIVED: {S.ASSIGNED: TRIAGE, S.REJECTED: TRIAGE, S.TRANSFERRED: TRIAGE, S.MERGED: TRIAGE},
    S.TRANSFERRED: {
        S.RECEIVED: TRIAGE,
        S.REJECTED: TRIAGE,
        S.TRANSFERRED: TRIAGE,
        S.MERGED: TRIAGE,
    },
    S.ASSIGNED: {S.IN_PROGRESS: HANDLE, S.ASSIGNED: TRIAGE, S.TRANSFERRED: MANAGE},
    S.IN_PROGRESS: {S.RESOLVED: HANDLE, S.ASSIGNED: MANAGE, S.TRANSFERRED: MANAGE},
    S.RESOLVED: {S.CLOSED: TRIAGE, S.REOPENED: TRIAGE},
    S.REOPENED: {S.ASSIGNED: TRIAGE, S.IN_PROGRESS: HANDLE, S.TRANSFERRED: MANAGE},
    S.CLOSED: {S.REOPENED: OVERSEE},
    S.REJECTED: {S.REOPENED: OVERSEE},
    S.MERGED: {},
    S.CANCELLED: {},
}
NEEDS_NOTE = frozenset({S.REJECTED, S.TRANSFERRED, S.REOPENED, S.RESOLVED})
DEDICATED: dict[str, str] = {S.ASSIGNED: "assign", S.TRANSFERRED: "transfer", S.MERGED: "merge"}


class Forbidden(DomainError):
    status_code = 403
    code = "permission_denied"


def roles_on(*, actor: Any, incident: Incident) -> frozenset[str]:
    return staff_scope(actor).roles_for(incident.unit_id)


def allowed_moves(*, actor: Any, incident: Incident) -> list[str]:
    """The to-states `actor` may move `incident` to now (for the UI's action buttons)."""
    roles = roles_on(actor=actor, incident=incident)
    return [to for to, who in TRANSITIONS.get(incident.status, {}).items() if roles & who]


def current_state(incident_id: int) -> dict[str, Any]:
    row = (
        Incident.objects.filter(pk=incident_id)
        .values("status", "version", "unit_id", "assignee_id", "category_id", "updated_at")
        .first()
    )
    if row is None:
        return {}
    return {**row, "updated_at": row["updated_at"].isoformat()}


def check_move(*, actor: Any, incident: Incident, to_status: str) -> None:
    moves = TRANSITIONS.get(incident.status, {})
    if to_status not in moves:
        allowed = ", ".join(str(S(s).label) for s in moves) or _("không có")
        raise Conflict(
            _("Không thể chuyển từ «%(from)s» sang «%(to)s». Được phép: %(allowed)s.")
            % {"from": S(incident.status).label, "to": S(to_status).label, "allowed": allowed},
            code="illegal_transition",
            details={"status": incident.status, "allowed": list(moves)},
        )
    if not roles_on(actor=actor, incident=incident) & moves[to_status]:
        raise Forbidden(_("Vai trò của bạn không được thực hiện bước này."))


def require_roles(*, actor: Any, incident: Incident, roles: frozenset[str]) -> None:
    if not roles_on(actor=actor, incident=incident) & roles:
        raise Forbidden(_("Vai trò của bạn không được thực hiện bước này."))


def apply_change(
    *,
    incident: Incident,
    expected_version: int | None,
    changes: dict[str, Any],
    events: Iterable[IncidentEvent],
) -> Incident:
    """Write `changes` iff the row is still at the expected version; append `events`.

    Changes to status, category, unit, ward, location or deadline move the incident's map
    counts (`grid`) in the same transaction.
    """
    version = incident.version if expected_version is None else expected_version
    now = timezone.now()
    recount = grid.touches_counts(changes)
    with transaction.atomic():
        before = grid.before_change([incident.pk]) if recount else None
        updated = Incident.objects.filter(pk=incident.pk, version=version).update(
            **changes, version=F("version") + 1, updated_at=now
        )
        if updated == 0:
            raise Conflict(
                _("Phản ánh vừa được người khác cập nhật; vui lòng tải lại."),
                details={"current": current_state(incident.pk)},
            )
        if recount:
            grid.after_change(before, [incident.pk])
        created = IncidentEvent.objects.bulk_create(events)
        for event in created:
            if event.kind == EventKind.STATUS:  # the reporter hears of every status change
                notify_incident_status_changed.defer(incident_id=incident.pk, event_id=event.pk)
    for name, value in changes.items():
        setattr(incident, name, value)
    incident.version = version + 1
    incident.updated_at = now
    return incident


def _event(incident: Incident, actor: Any, kind: str, **fields: Any) -> IncidentEvent:
    return IncidentEvent(incident=incident, actor=actor, kind=kind, **fields)


def _status_event(incident: Incident, actor: Any, to_status: str, note: str) -> IncidentEvent:
    return _event(
        incident,
        actor,
        EventKind.STATUS,
        from_status=incident.status,
        to_status=to_status,
        unit_id=incident.unit_id,
        note=note,
    )


def _check_version(incident: Incident, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != incident.version:
        raise Conflict(
            _("Phản ánh vừa được người khác cập nhật; vui lòng tải lại."),
            details={"current": current_state(incident.pk)},
        )


def incident_transition(
    *,
    actor: Any,
    incident: Incident,
    to_status: str,
    note: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Move `incident` to `to_status` (received, in_progress, resolved, closed, rejected, reopened).

    resolved needs a resolution text and at least one resolution photo already attached; on-time
    or late is decided then. rejected/reopened need a reason. Side effects: one STATUS event.
    """
    note = note.strip()
    _check_version(incident, expected_version)
    if to_status in DEDICATED:
        raise DomainError(
            _("Dùng thao tác «%(action)s» cho bước này.") % {"action": DEDICATED[to_status]},
            code="use_dedicated_action",
            details={"action": DEDICATED[to_status]},
        )
    check_move(actor=actor, incident=incident, to_status=to_status)
    if to_status in NEEDS_NOTE and not note:
        raise DomainError(_("Cần ghi rõ nội dung/lý do."), details={"note": ["required"]})
    changes: dict[str, Any] = {"status": to_status}
    now = timezone.now()
    if to_status == S.RESOLVED:
        if not incident.photos.filter(kind=PhotoKind.RESOLUTION).exists():
            raise DomainError(
                _("Cần ít nhất một ảnh kết quả xử lý."),
                code="resolution_photo_required",
                details={"photos": ["required"]},
            )
        changes |= {"resolved_at": now, "is_late": bool(incident.due_at and now > incident.due_at)}
    elif to_status == S.CLOSED:
        changes["closed_at"] = now
    elif to_status == S.REOPENED:
        changes |= {"resolved_at": None, "closed_at": None, "is_late": None}
    event = _status_event(incident, actor, to_status, note)
    return apply_change(
        incident=incident, expected_version=expected_version, changes=changes, events=[event]
    )
