"""Alerts to staff: who in the unit hears of a change, by which channels, and when.

Decided in the worker, not in the write: a new report's entry is handled by the reporter's job
that the change path defers anyway (`staff_alerts_of_public_entry`), and `incident_change`
defers one `staff_alert` job per change with internal entries staff hear of (an assignment, a
direction, an emergency marked); this module then decides.

- a new report → the operators of its unit;
- an assignment → the assignee;
- a direction → the handler (assignee) and the unit's leaders;
- an emergency (a report filed as one, or marked one) → the unit's operators and leaders and
  the assignee, kind `emergency`: never held by quiet hours.
The actor is never alerted of their own change.

Each person gets an in-app row (the bell's list; the open staff page also shows it as a browser
notification where they granted it) and one row per channel they chose (`AlertPreference`,
defaults when they have none): e-mail to their address, SMS to their phone. In their quiet
hours (local time) e-mail and SMS rows are `held` with `send_after` = the end of the quiet hours;
`staff_alerts_release` (every 5 minutes) sends them then.

Invariants: one row per (event, user, channel) — rows are inserted with ON CONFLICT DO NOTHING,
so a retried job creates nothing twice; only `pending` rows are sent, each locked (SKIP LOCKED)
while it is sent; a transient failure keeps it pending until NOTICE_MAX_ATTEMPTS, then `failed`.
Side effects: SMS through the one SMS door, e-mail through Django's mailer (`notices.deliver`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from backend.incidents.models import EventKind, IncidentEvent, Status
from backend.units.models import Membership, Role

from .models import AlertChannel, AlertKind, AlertPreference, AlertStatus, StaffAlert
from .notices import TRANSIENT, SendRun, deliver

DEFAULTS = AlertPreference()  # what a person without a saved preference gets


@dataclass(frozen=True)
class Plan:
    kind: str
    user_ids: frozenset[int]


def _members(unit_id: int | None, roles: Iterable[str]) -> set[int]:
    if unit_id is None:
        return set()
    return set(
        Membership.objects.filter(unit_id=unit_id, role__in=list(roles), user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def plan_for(event: IncidentEvent) -> Plan | None:
    """Who hears of `event`, and as what (None: nobody)."""
    incident = event.incident
    unit_id = incident.unit_id
    is_new = event.kind == EventKind.STATUS and event.to_status == Status.NEW
    marked = event.kind == EventKind.NOTE and bool((event.data or {}).get("emergency"))
    # filed as an emergency (an urgent field): marked at the filing instant; a report marked
    # later was an ordinary new report when filed, and its marking alerts on its own
    filed_urgent = incident.emergency_at is not None and incident.emergency_at <= event.created_at
    if marked or (is_new and filed_urgent):
        people = _members(unit_id, (Role.OPERATOR, Role.LEADER))
        if incident.assignee_id:
            people.add(incident.assignee_id)
        kind: str = AlertKind.EMERGENCY
    elif is_new:
        people, kind = _members(unit_id, (Role.OPERATOR,)), AlertKind.NEW_REPORT
    elif event.kind == EventKind.ASSIGNEE:
        to = (event.data or {}).get("to")
        people, kind = ({int(to)} if to else set()), AlertKind.ASSIGNED
    elif event.kind == EventKind.DIRECTION:
        people = _members(unit_id, (Role.LEADER,))
        if incident.assignee_id:
            people.add(incident.assignee_id)
        kind = AlertKind.DIRECTION
    else:
        return None
    people.discard(event.actor_id)
    return Plan(kind=kind, user_ids=frozenset(people)) if people else None


def quiet_until(pref: AlertPreference, at: dt.datetime) -> dt.datetime | None:
    """The end of `pref`'s quiet hours if `at` falls in them (local time), else None."""
    if not pref.quiet_hours or pref.quiet_start == pref.quiet_end:
        return None
    local = timezone.localtime(at)
    start, end, now = pref.quiet_start, pref.quiet_end, local.time()
    zone = local.tzinfo
    if start < end:  # e.g. 12:00–13:30 the same day
        if start <= now < end:
            return dt.datetime.combine(local.date(), end, tzinfo=zone)
        return None
    if now >= start:  # e.g. 21:00–07:00, evening part
        return dt.datetime.combine(local.date() + dt.timedelta(days=1), end, tzinfo=zone)
    if now < end:  # morning part
        return dt.datetime.combine(local.date(), end, tzinfo=zone)
    return None


def alert_text(kind: str, event: IncidentEvent) -> tuple[str, str]:
    """(subject, body) in the active language."""
    incident = event.incident
    what = {
        AlertKind.NEW_REPORT: _("Phản ánh mới"),
        AlertKind.ASSIGNED: _("Bạn được phân công xử lý"),
        AlertKind.DIRECTION: _("Chỉ đạo mới"),
        AlertKind.EMERGENCY: _("KHẨN CẤP"),
    }[AlertKind(kind)]
    subject = f"[1022] {what}: {incident.reference}"
    detail = event.note if event.kind == EventKind.DIRECTION else incident.description
    body = f"{subject} — {incident.category.name}. {incident.address}".strip()
    if detail:
        body += f"\n{detail[:300]}"
    return subject, body


def _rows(event: IncidentEvent, plan: Plan, at: dt.datetime) -> list[StaffAlert]:
    users = get_user_model().objects.filter(pk__in=plan.user_ids, is_active=True)
    prefs = {p.user_id: p for p in AlertPreference.objects.filter(user_id__in=plan.user_ids)}
    rows: list[StaffAlert] = []
    for user in users.order_by("pk"):
        pref = prefs.get(user.pk, DEFAULTS)
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            subject, body = alert_text(plan.kind, event)
        base: dict[str, Any] = {
            "event": event,
            "incident_id": event.incident_id,
            "user": user,
            "kind": plan.kind,
            "subject": subject,
            "body": body,
            "created_at": at,
        }
        rows.append(
            StaffAlert(channel=AlertChannel.IN_APP, status=AlertStatus.SENT, sent_at=at, **base)
        )
        held = None if plan.kind == AlertKind.EMERGENCY else quiet_until(pref, at)
        status = AlertStatus.HELD if held else AlertStatus.PENDING
        if pref.by_email and user.email:
            rows.append(
                StaffAlert(
                    channel=AlertChannel.EMAIL,
                    address=user.email,
                    status=status,
                    send_after=held,
                    **base,
                )
            )
        phone = getattr(user, "phone", "") or ""
        if pref.by_sms and phone:
            rows.append(
                StaffAlert(
                    channel=AlertChannel.SMS, address=phone, status=status, send_after=held, **base
                )
            )
    return rows


def staff_alerts_decide(*, event_ids: list[int], at: dt.datetime | None = None) -> int:
    """Create the alert rows of `event_ids` (once); the number of rows created."""
    at = at or timezone.now()
    events = IncidentEvent.objects.filter(pk__in=event_ids).select_related(
        "incident", "incident__category"
    )
    rows: list[StaffAlert] = []
    for event in events.order_by("pk"):
        plan = plan_for(event)
        if plan is not None:
            rows.extend(_rows(event, plan, at))
    if not rows:
        return 0
    before = StaffAlert.objects.filter(event_id__in=event_ids).count()
    StaffAlert.objects.bulk_create(rows, ignore_conflicts=True)
    return StaffAlert.objects.filter(event_id__in=event_ids).count() - before


def staff_alerts_send(
    *, event_ids: list[int] | None = None, ids: list[int] | None = None
) -> SendRun:
    """Send the pending e-mail/SMS alerts of `event_ids` (or with `ids`), one locked row at a
    time."""
    pending = StaffAlert.objects.filter(status=AlertStatus.PENDING).exclude(
        channel=AlertChannel.IN_APP
    )
    if event_ids is not None:
        pending = pending.filter(event_id__in=event_ids)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    run = SendRun()
    for alert_id in list(pending.order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            alert = (
                StaffAlert.objects.select_for_update(skip_locked=True)
                .filter(pk=alert_id, status=AlertStatus.PENDING)
                .first()
            )
            if alert is None:
                continue
            now = timezone.now()
            alert.attempts += 1
            try:
                deliver(
                    channel=alert.channel,
                    address=alert.address,
                    body=alert.body,
                    subject=alert.subject,
                )
            except TRANSIENT as exc:
                alert.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                if alert.attempts < settings.NOTICE_MAX_ATTEMPTS:
                    run.pending += 1
                else:
                    alert.status = AlertStatus.FAILED
                    run.failed += 1
            else:
                alert.status, alert.sent_at = AlertStatus.SENT, now
                run.sent += 1
            alert.save(update_fields=["attempts", "last_error", "status", "sent_at"])
    return run


def staff_alerts_of_public_entry(*, event_id: int) -> SendRun:
    """For the reporter's job: alert staff of its entry if it is one staff hear of (a new
    report), then send; nothing otherwise (one indexed look-up)."""
    new_report = IncidentEvent.objects.filter(
        pk=event_id, kind=EventKind.STATUS, to_status=Status.NEW
    ).exists()
    if not new_report:
        return SendRun()
    staff_alerts_decide(event_ids=[event_id])
    return staff_alerts_send(event_ids=[event_id])


def staff_alerts_release(*, at: dt.datetime | None = None) -> list[int]:
    """Held alerts whose quiet hours are over become pending; their ids (to send)."""
    at = at or timezone.now()
    with transaction.atomic():
        due = list(
            StaffAlert.objects.select_for_update(skip_locked=True)
            .filter(status=AlertStatus.HELD, send_after__lte=at)
            .values_list("pk", flat=True)
        )
        StaffAlert.objects.filter(pk__in=due).update(status=AlertStatus.PENDING)
    return due
