"""Which actions beside status moves a staff member may take on an incident now (for the UI's
forms; every service still checks the same roles itself)."""

from __future__ import annotations

from typing import Any

from ..models import Incident
from .workflow import MANAGE, STAFF, TRIAGE, roles_on


def allowed_actions(*, actor: Any, incident: Incident) -> list[str]:
    """`comment` and `answer_direction` (any staff role), `direct` (leaders, supervisors),
    `category` and `location` (triage roles, open incidents only)."""
    roles = roles_on(actor=actor, incident=incident)
    actions = []
    if roles & STAFF:
        actions += ["comment", "answer_direction"]
    if roles & MANAGE:
        actions.append("direct")
    if incident.is_open and roles & TRIAGE:
        actions += ["category", "location"]
    return actions
