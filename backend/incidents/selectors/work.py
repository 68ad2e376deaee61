""" "My work" on the staff workspace: the three queues a staff member starts the day with."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from ..models import OPEN_STATUSES, EventKind, Incident, IncidentEvent

WORK_QUEUES = ("mine", "unit", "directions")


def unanswered_directions() -> QuerySet[IncidentEvent]:
    """Directions (chỉ đạo) of the outer incident that no note answers yet."""
    answers = (
        IncidentEvent.objects.filter(incident_id=OuterRef("incident_id"), kind=EventKind.NOTE)
        .alias(reply_to=KT("data__reply_to"))
        .filter(reply_to=Cast(OuterRef("pk"), CharField()))
    )
    return IncidentEvent.objects.filter(
        incident_id=OuterRef("pk"), kind=EventKind.DIRECTION
    ).filter(~Exists(answers))


def work_queue(incidents: QuerySet[Incident], *, user: Any, queue: str) -> QuerySet[Incident]:
    """`mine`: open and assigned to `user`; `unit`: open and nobody assigned yet (waiting for the
    unit to act); `directions`: open with a leader's direction not answered yet."""
    incidents = incidents.filter(status__in=OPEN_STATUSES)
    if queue == "mine":
        return incidents.filter(assignee_id=user.pk)
    if queue == "unit":
        return incidents.filter(assignee__isnull=True)
    if queue == "directions":
        return incidents.filter(Exists(unanswered_directions()))
    raise ValueError(queue)
