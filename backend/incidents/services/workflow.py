"""Status workflow of an incident: who may move it where, with what, without lost updates.

Invariants:
- Every change is written by `changes.incident_change`: optimistic locking on `Incident.version`
  (409 with the current state), one appended history entry, map counts, the reporter's update.
- An illegal move → `Conflict` with code `illegal_transition` listing what is allowed from here;
  a legal move by a role that may not make it → `Forbidden` (403). Scope (which incidents a user
  may see at all) is checked by the caller through `incidents_visible_to` (404 outside it).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from backend.common.errors import Conflict, DomainError
from backend.units.models import Role
from backend.units.selectors import staff_scope

from ..models import EventKind, Incident, PhotoKind, Status
from .changes import check_version, incident_change

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


def _require_new_result_photo(incident: Incident) -> None:
    """A resolution needs a result photo; after a reopen, one taken since (new proof)."""
    reopened_at = (
        incident.events.filter(kind=EventKind.STATUS, to_status=S.REOPENED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    photos = incident.photos.filter(kind=PhotoKind.RESOLUTION)
    if reopened_at is not None:
        photos = photos.filter(created_at__gt=reopened_at)
    if not photos.exists():
        message = (
            _("Cần ảnh kết quả xử lý mới sau khi phản ánh được mở lại.")
            if reopened_at
            else _("Cần ít nhất một ảnh kết quả xử lý.")
        )
        raise DomainError(
            message, code="resolution_photo_required", details={"photos": ["required"]}
        )


def incident_transition(
    *,
    actor: Any,
    incident: Incident,
    to_status: str,
    note: str = "",
    note_public: bool | None = None,
    expected_version: int | None = None,
) -> Incident:
    """Move `incident` to `to_status` (received, in_progress, resolved, closed, rejected, reopened).

    resolved needs a resolution text and at least one resolution photo already attached; on-time
    or late is decided then. rejected/reopened need a reason. Side effects: one STATUS event.
    """
    note = note.strip()
    check_version(incident, expected_version)
    if to_status in DEDICATED:
        raise DomainError(
            _("Dùng thao tác «%(action)s» cho bước này.") % {"action": DEDICATED[to_status]},
            code="use_dedicated_action",
            details={"action": DEDICATED[to_status]},
        )
    check_move(actor=actor, incident=incident, to_status=to_status)
    if to_status in NEEDS_NOTE and not note:
        raise DomainError(_("Cần ghi rõ nội dung/lý do."), details={"note": ["required"]})
    changes: dict[str, Any] = {}
    now = timezone.now()
    if to_status == S.RESOLVED:
        _require_new_result_photo(incident)
        changes |= {"resolved_at": now, "is_late": bool(incident.due_at and now > incident.due_at)}
    elif to_status == S.CLOSED:
        changes["closed_at"] = now
    elif to_status == S.REOPENED:
        changes |= {"resolved_at": None, "closed_at": None, "is_late": None}
    return incident_change(
        incident,
        actor=actor,
        to_status=to_status,
        note=note,
        note_public=note_public,
        fields=changes,
        expected_version=expected_version,
        at=now,
    )
