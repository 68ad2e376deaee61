"""The emergency lane: a report marked as an emergency (by an operator, or filed in a category
configured as urgent) is due in clock hours (`Category.emergency_hours`), not working days, and
its alert job is deferred in the same transaction: the contact centre's `emergency_alert` tells
the responsible unit's on-duty contact and the city's duty officer at once, and its sweep
escalates up the unit ladder while nobody receives the report (status still `new`).

The job is deferred by name (like the reporter's update), so this app does not import the one
that sends it. Who may mark an emergency is the caller's rule (the console: operators).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs

from backend.common.errors import Conflict
from backend.units.deadlines import emergency_due_at

from ..models import EventKind, Incident
from .changes import check_version, history_entry, incident_change

EMERGENCY_TASK = "emergency_alert"
EMERGENCY_QUEUE = "notifications"


def defer_emergency_alert(incident: Incident) -> None:
    jobs.configure_task(EMERGENCY_TASK, queue=EMERGENCY_QUEUE).defer(incident_id=incident.pk)


def incident_mark_emergency(
    *, actor: Any, incident: Incident, note: str = "", expected_version: int | None = None
) -> Incident:
    """Mark `incident` an emergency: deadline in hours from now, an internal history entry, the
    alert job. An incident no longer open, or already an emergency, → 409."""
    check_version(incident, expected_version)
    if not incident.is_open:
        raise Conflict(_("Phản ánh đã kết thúc xử lý."), code="incident_closed")
    if incident.is_emergency:
        raise Conflict(_("Phản ánh đã được báo khẩn cấp."), code="already_emergency")
    now = timezone.now()
    incident_change(
        incident,
        actor=actor,
        fields={
            "is_emergency": True,
            "emergency_at": now,
            "due_at": emergency_due_at(category=incident.category, start=now),
        },
        events=[
            history_entry(
                incident, actor, EventKind.NOTE, note=note.strip(), data={"emergency": True}
            )
        ],
        expected_version=expected_version,
        at=now,
    )
    defer_emergency_alert(incident)
    return incident
