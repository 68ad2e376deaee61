"""The one way an incident changes: `incident_change`.

Every writer — the app, Open311, staff actions, the resident's cancel and rating, merges and
every future intake channel — files and changes incidents through this function, so none can
forget a part of a change. In one transaction it:

- inserts a new incident (`incident.pk is None`), or updates an existing one iff its row is still
  at `expected_version` (`UPDATE … WHERE version = …`; 0 rows → `Conflict`, 409, with the current
  state, and nothing is written); every update bumps `version` and `updated_at`;
- appends one STATUS history entry (from → to, the unit) when `to_status` is given, then any
  other `events` (history is append-only: never edited). A status entry is public (the resident's
  timeline, Open311); its note goes on it only when the note is public — the default for the
  moves that answer the resident (`PUBLIC_NOTE_STATUSES`) — and otherwise into an internal NOTE
  entry beside it, so that no public reader can show a staff note by accident;
- moves the map's pre-aggregated counts (`grid`: the incidents table's triggers do it in the
  same statement, so no writer can forget them);
- defers the job that tells the reporter and followers (by task name, so the incidents app does
  not import the notifications app); procrastinate writes the job through the same connection,
  so a rollback leaves neither the change nor the job;
- has staff alerted when the change is a new report, an assignment, a direction or an
  emergency (`alerts_staff`): a new report's entry by the reporter's job above, the internal
  entries by one `STAFF_ALERT_TASK` job per change (who hears, how and when: the job decides).

Rules about who may make which change live in the callers (`workflow`, `handling`, `reporter`,
`submit`); this function only makes the change whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.contrib.django import app as jobs
from procrastinate.types import JSONValue

from backend.common.errors import Conflict

from ..models import EventKind, Incident, IncidentEvent, Status

# The notifications app's job for an update the reporter and followers hear of
# (backend.notifications.tasks); its arguments are (incident_id, event_id).
NOTIFY_TASK = "notify_incident_status_changed"
NOTIFY_QUEUE = "notifications"

# The notifications app's job that alerts staff (backend.notifications.staff_alerts): a new
# report, an assignment, a direction, an emergency; its arguments are (incident_id, event_ids).
STAFF_ALERT_TASK = "staff_alert"

# A note on a move to these answers the resident (why rejected, what was done, their own words);
# notes on the other moves (receive, assign, transfer, merge, reopen…) are internal by default.
PUBLIC_NOTE_STATUSES = frozenset({Status.REJECTED, Status.RESOLVED, Status.CANCELLED})


def current_state(incident_id: int) -> dict[str, Any]:
    """What a client needs after a 409 to show the newer state and retry."""
    row = (
        Incident.objects.filter(pk=incident_id)
        .values("status", "version", "unit_id", "assignee_id", "category_id", "updated_at")
        .first()
    )
    if row is None:
        return {}
    return {**row, "updated_at": row["updated_at"].isoformat()}


def stale(incident_id: int) -> Conflict:
    return Conflict(
        _("Phản ánh vừa được người khác cập nhật; vui lòng tải lại."),
        details={"current": current_state(incident_id)},
    )


def check_version(incident: Incident, expected_version: int | None) -> None:
    """Fail early (before rules that read related rows) when the client's copy is old."""
    if expected_version is not None and expected_version != incident.version:
        raise stale(incident.pk)


def history_entry(incident: Incident, actor: Any, kind: str, **fields: Any) -> IncidentEvent:
    """An unsaved history entry of `incident`, for `incident_change(events=…)`. Internal unless
    it is a reply or a rating (or `is_internal` says otherwise)."""
    fields.setdefault("is_internal", kind not in (EventKind.COMMENT, EventKind.RATING))
    return IncidentEvent(incident=incident, actor=actor, kind=kind, **fields)


def notifies_reporter(event: IncidentEvent) -> bool:
    """Which history entries the reporter and followers are told of: status changes and the
    unit's public replies; an internal entry never."""
    if event.is_internal:
        return False
    return event.kind in (EventKind.STATUS, EventKind.COMMENT)


def alerts_staff(event: IncidentEvent) -> bool:
    """Which history entries staff are alerted of (who, and how, is decided in the job)."""
    if event.kind == EventKind.STATUS:
        return event.to_status == Status.NEW
    if event.kind == EventKind.NOTE:
        return bool((event.data or {}).get("emergency"))
    return event.kind in (EventKind.ASSIGNEE, EventKind.DIRECTION)


def incident_change(
    incident: Incident,
    *,
    actor: Any,
    to_status: str | None = None,
    note: str = "",
    note_public: bool | None = None,
    status_data: Mapping[str, Any] | None = None,
    fields: Mapping[str, Any] | None = None,
    events: Iterable[IncidentEvent] = (),
    expected_version: int | None = None,
    at: dt.datetime | None = None,
) -> Incident:
    """Write one whole change of `incident` (see the module docstring) and return it updated.

    `to_status`: the new status (a STATUS entry is written even when it equals the current one,
    e.g. a re-assignment that stays `assigned`; pass None for no status entry). `note_public`:
    whether the note may reach the resident (None: the default of `to_status`). `fields`: other
    columns to set. `expected_version`: the version the client saw (None: the one in `incident`).
    For a new incident, `to_status` is its first status and `expected_version` is ignored.
    """
    now = at or timezone.now()
    changes = dict(fields or {})
    entries: list[IncidentEvent] = []
    if to_status is not None:
        public = to_status in PUBLIC_NOTE_STATUSES if note_public is None else note_public
        entries.append(
            IncidentEvent(
                incident=incident,
                actor=actor,
                kind=EventKind.STATUS,
                from_status="" if incident.pk is None else incident.status,
                to_status=to_status,
                unit_id=incident.unit_id,
                note=note if public else "",
                data=dict(status_data or {}),
                created_at=now,
            )
        )
        if note and not public:
            entries.append(
                history_entry(
                    incident,
                    actor,
                    EventKind.NOTE,
                    note=note,
                    is_internal=True,
                    data={"to_status": to_status},
                    created_at=now,
                )
            )
        changes["status"] = to_status
    entries.extend(events)
    # No savepoint of its own (two round trips less per change, four on the intake path with
    # incident_file's): it is the caller's transaction, or its own when called alone. A stale
    # version leaves the block before any write and is raised after it, so a caller's
    # transaction stays usable after a Conflict as before; any other error inside rolls back
    # to the caller's savepoint or transaction (no caller catches one half-way).
    with transaction.atomic(savepoint=False):
        written = _write(incident, changes, entries, expected_version, now)
    if not written:
        raise stale(incident.pk)
    return incident


def _write(
    incident: Incident,
    changes: dict[str, Any],
    entries: list[IncidentEvent],
    expected_version: int | None,
    now: dt.datetime,
) -> bool:
    """The change's statements; False (nothing written) when the row is not at the version."""
    if incident.pk is None:
        _insert(incident, changes)
    elif changes and not _update(incident, changes, expected_version, now):
        return False
    for entry in entries:
        entry.incident = incident
    created = IncidentEvent.objects.bulk_create(entries)
    for entry in created:
        if notifies_reporter(entry):
            jobs.configure_task(NOTIFY_TASK, queue=NOTIFY_QUEUE).defer(
                incident_id=incident.pk, event_id=entry.pk
            )
    # a new report's STATUS entry has the reporter's job already, which alerts staff too
    # (no second job on the intake path); other alerting entries are internal: one job
    alerting: list[JSONValue] = [
        entry.pk for entry in created if alerts_staff(entry) and not notifies_reporter(entry)
    ]
    if alerting:  # one job per change, however many entries alert staff
        jobs.configure_task(STAFF_ALERT_TASK, queue=NOTIFY_QUEUE).defer(
            incident_id=incident.pk, event_ids=alerting
        )
    return True


def _insert(incident: Incident, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(incident, name, value)
    incident.save(force_insert=True)


def _update(
    incident: Incident, changes: dict[str, Any], expected_version: int | None, now: dt.datetime
) -> bool:
    version = incident.version if expected_version is None else expected_version
    updated = Incident.objects.filter(pk=incident.pk, version=version).update(
        **changes, version=F("version") + 1, updated_at=now
    )
    if updated == 0:
        return False
    for name, value in changes.items():
        setattr(incident, name, value)
    incident.version = version + 1
    incident.updated_at = now
    return True
