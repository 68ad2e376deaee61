"""Operator statistics and the map of contacts (read side, for the contact centre's leaders).

Who sees what (`stats_scope`):
- city supervisors/admins: every operator;
- a unit's leader: the operators of their units (members with the operator role);
- an operator: their own figures (not the map);
- anyone else: nothing (the views answer 403).

Figures of [start, end) by when the contact started: contacts, closed contacts, average
handling time (end − start of closed contacts, seconds), and the count of each outcome; per
operator, and per shift (the shift whose local time window holds the start; a shift whose end
is before its start runs overnight).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone

from backend.units.models import Membership, Role
from backend.units.selectors import staff_scope

from .models import Contact, Outcome, Shift

MAP_LIMIT = 5000


@dataclass(frozen=True)
class StatsScope:
    everyone: bool = False
    operator_ids: frozenset[int] = frozenset()
    may_see_map: bool = False

    @property
    def allowed(self) -> bool:
        return self.everyone or bool(self.operator_ids)


def stats_scope(user: Any) -> StatsScope:
    scope = staff_scope(user)
    if scope.is_global:
        return StatsScope(everyone=True, may_see_map=True)
    led = [unit for unit, roles in scope.roles_by_unit.items() if Role.LEADER in roles]
    if led:
        ids = set(
            Membership.objects.filter(unit_id__in=led, role=Role.OPERATOR).values_list(
                "user_id", flat=True
            )
        )
        if Role.OPERATOR in scope.roles:
            ids.add(user.pk)
        return StatsScope(operator_ids=frozenset(ids), may_see_map=True)
    if Role.OPERATOR in scope.roles:
        return StatsScope(operator_ids=frozenset({user.pk}))
    return StatsScope()


def _contacts(scope: StatsScope, start: dt.datetime, end: dt.datetime) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(
        started_at__gte=start, started_at__lt=end, operator__isnull=False
    )
    if not scope.everyone:
        contacts = contacts.filter(operator_id__in=scope.operator_ids)
    return contacts


def _figures() -> dict[str, Any]:
    closed = Q(ended_at__isnull=False) & ~Q(outcome="")
    out: dict[str, Any] = {
        "contacts": Count("pk"),
        "closed": Count("pk", filter=closed),
        "handling": Avg(F("ended_at") - F("started_at"), filter=closed),
    }
    for outcome in Outcome:
        out[f"outcome_{outcome.value}"] = Count("pk", filter=Q(outcome=outcome))
    return out


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    handling: dt.timedelta | None = row.pop("handling")
    outcomes = {o.value: row.pop(f"outcome_{o.value}") for o in Outcome}
    return {
        **row,
        "average_handling_seconds": None if handling is None else round(handling.total_seconds()),
        "outcomes": outcomes,
    }


def by_operator(*, scope: StatsScope, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """One row per operator who took contacts in [start, end): {operator: {id, name}, …}."""
    rows = (
        _contacts(scope, start, end)
        .values("operator_id", "operator__username", "operator__first_name", "operator__last_name")
        .annotate(**_figures())
        .order_by("operator__username")
    )
    out = []
    for values in rows:
        row: dict[str, Any] = dict(values)
        first, last = row.pop("operator__first_name"), row.pop("operator__last_name")
        name = f"{last} {first}".strip() or row["operator__username"]
        operator = {"id": row.pop("operator_id"), "name": name}
        row.pop("operator__username")
        out.append({"operator": operator, **_finish(row)})
    return out


SHIFT_OF_CONTACT = """
SELECT c.id, s.id FROM contact_contact c
JOIN contact_shift s ON CASE WHEN s.starts <= s.ends
    THEN (c.started_at AT TIME ZONE %(tz)s)::time >= s.starts
         AND (c.started_at AT TIME ZONE %(tz)s)::time < s.ends
    ELSE (c.started_at AT TIME ZONE %(tz)s)::time >= s.starts
         OR (c.started_at AT TIME ZONE %(tz)s)::time < s.ends END
WHERE c.id = ANY(%(ids)s)
"""


def by_shift(*, scope: StatsScope, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """One row per shift (all shifts, empty ones too): {shift: {id, name}, …}."""
    contacts = _contacts(scope, start, end)
    ids = list(contacts.values_list("pk", flat=True))
    shift_of: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(SHIFT_OF_CONTACT, {"tz": timezone.get_current_timezone_name(), "ids": ids})
        for contact_id, shift_id in cursor.fetchall():
            shift_of.setdefault(shift_id, []).append(contact_id)
    out = []
    for shift in Shift.objects.order_by("starts"):
        members = shift_of.get(shift.pk, [])
        row = Contact.objects.filter(pk__in=members).aggregate(**_figures())
        out.append({"shift": {"id": shift.pk, "name": str(shift)}, **_finish(row)})
    return out


def contact_points(
    *, scope: StatsScope, start: dt.datetime, end: dt.datetime, hour: int | None = None
) -> list[dict[str, Any]]:
    """Where the reports created from calls are, with the local hour the call started."""
    rows = (
        _contacts(scope, start, end)
        .filter(outcome=Outcome.REPORT_CREATED, incident__isnull=False)
        .annotate(hour=ExtractHour("started_at", tzinfo=timezone.get_current_timezone()))
        .values("pk", "hour", "started_at", "operator_id", "incident__location", "channel")
        .order_by("-started_at")
    )
    if hour is not None:
        rows = rows.filter(hour=hour)
    return [
        {
            "id": r["pk"],
            "lon": r["incident__location"].x,
            "lat": r["incident__location"].y,
            "hour": r["hour"],
            "started_at": r["started_at"],
            "operator": r["operator_id"],
            "channel": r["channel"],
        }
        for r in rows[:MAP_LIMIT]
    ]
