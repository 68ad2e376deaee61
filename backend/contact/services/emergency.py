"""Alerts of the emergency lane: who is told, at once and then up the unit ladder.

- `emergency_alert_send`: for an emergency report, SMS and e-mail to the on-duty contact of the
  responsible unit (the duty roster entry covering now; none → the unit's leader) and to the
  city's duty officer (the same for settings.EMERGENCY_CITY_UNIT). `Notice` rows of kind
  `emergency`, then their send jobs.
- `emergency_escalate(now)`: an emergency still `new` (nobody received it) k ×
  EMERGENCY_ACK_MINUTES after it was raised is announced to the k-th unit above the responsible
  one (kind `emergency_up`), one level per period, each level once. Runs every minute.
Invariants as for every notice: unique rows per (report, kind, channel, address) created with
ON CONFLICT DO NOTHING, so a re-run job or sweep sends nothing twice; a unit with nobody to
tell gets a `skipped` row (visible in the admin).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from backend.incidents.models import Incident, Status
from backend.notifications.models import Channel, DeliveryStatus, Notice, NoticeKind
from backend.notifications.notices import NoticeDraft, notices_create, notices_queue
from backend.units.models import Unit

from ..models import DutyAssignment

MAX_LADDER = 5


def on_duty_contacts(unit: Unit, now: dt.datetime) -> list[tuple[str, str]]:
    """(channel, address) of whoever answers for `unit` at `now`: the roster, else the leader."""
    found: set[tuple[str, str]] = set()
    for duty in DutyAssignment.objects.filter(
        unit=unit, starts_at__lte=now, ends_at__gt=now
    ).select_related("user"):
        phone = duty.phone or duty.user.phone or ""
        email = duty.email or duty.user.email or ""
        found |= {(Channel.SMS, phone)} if phone else set()
        found |= {(Channel.EMAIL, email)} if email else set()
    if not found:
        found |= {(Channel.SMS, unit.leader_phone)} if unit.leader_phone else set()
        found |= {(Channel.EMAIL, unit.leader_email)} if unit.leader_email else set()
    return sorted(found)


def _texts(incident: Incident, *, escalated_minutes: int = 0) -> tuple[str, str]:
    values = {
        "reference": incident.reference,
        "category": incident.category.name,
        "unit": incident.unit.name if incident.unit else "",
        "address": incident.address or incident.ward.name,
        "due": formats.date_format(timezone.localtime(incident.due_at), "H:i d/m/Y")
        if incident.due_at
        else "—",
        "minutes": escalated_minutes,
    }
    if escalated_minutes:
        subject = _("[1022] KHẨN CẤP chưa tiếp nhận: %(reference)s") % values
        body = _(
            "[1022] KHẨN CẤP %(reference)s (%(category)s) chưa được tiếp nhận sau %(minutes)s phút."
        )
    else:
        subject = _("[1022] KHẨN CẤP: phản ánh %(reference)s") % values
        body = _("[1022] KHẨN CẤP %(reference)s (%(category)s) tại %(address)s, hạn %(due)s.")
    return subject, body % values


def _drafts(
    kind: str, incident: Incident, unit: Unit, now: dt.datetime, minutes: int = 0
) -> list[NoticeDraft]:
    subject, body = _texts(incident, escalated_minutes=minutes)
    contacts = on_duty_contacts(unit, now)
    if not contacts:
        return [
            NoticeDraft(
                kind=kind,
                unit_id=unit.pk,
                incident_id=incident.pk,
                channel=Channel.SMS,
                address="",
                body=body,
                status=DeliveryStatus.SKIPPED,
                last_error=f"no on-duty contact for {unit.code}",
            )
        ]
    return [
        NoticeDraft(
            kind=kind,
            unit_id=unit.pk,
            incident_id=incident.pk,
            channel=channel,
            address=address,
            subject=subject if channel == Channel.EMAIL else "",
            body=body,
        )
        for channel, address in contacts
    ]


def _incident(incident_id: int) -> Incident | None:
    return (
        Incident.objects.select_related("category", "ward", "unit")
        .defer("ward__geom")
        .filter(pk=incident_id, is_emergency=True)
        .first()
    )


def emergency_alert_send(*, incident_id: int, now: dt.datetime | None = None) -> int:
    """Create and queue the first alerts of emergency `incident_id`; how many were queued."""
    now = now or timezone.now()
    incident = _incident(incident_id)
    if incident is None:
        return 0
    targets = [incident.unit] if incident.unit else []
    city = Unit.objects.filter(code=settings.EMERGENCY_CITY_UNIT, is_active=True).first()
    if city is not None and city not in targets:
        targets.append(city)
    drafts = [d for unit in targets for d in _drafts(NoticeKind.EMERGENCY, incident, unit, now)]
    with transaction.atomic():
        return notices_queue(notices_create(drafts))


def ladder(unit: Unit | None) -> list[Unit]:
    """The units above `unit`, nearest first (a cycle in the admin's data ends the walk)."""
    out: list[Unit] = []
    node = unit.parent if unit else None
    while node is not None and node not in out and len(out) < MAX_LADDER:
        out.append(node)
        node = node.parent
    return out


@dataclass
class EscalationRun:
    incidents: int = 0
    queued: int = 0


def emergency_escalate(*, now: dt.datetime) -> EscalationRun:
    """Announce unreceived emergencies one unit further up per EMERGENCY_ACK_MINUTES."""
    period = dt.timedelta(minutes=settings.EMERGENCY_ACK_MINUTES)
    run = EscalationRun()
    waiting = (
        Incident.objects.filter(
            is_emergency=True, status=Status.NEW, emergency_at__lte=now - period
        )
        .select_related("category", "ward", "unit__parent")
        .defer("ward__geom")
        .order_by("emergency_at")
    )
    for incident in waiting:
        assert incident.emergency_at is not None
        levels = int((now - incident.emergency_at) / period)
        above = ladder(incident.unit)[:levels]
        done = set(
            Notice.objects.filter(Q(incident=incident, kind=NoticeKind.EMERGENCY_UP)).values_list(
                "unit_id", flat=True
            )
        )
        drafts: list[NoticeDraft] = []
        for level, unit in enumerate(above, start=1):
            if unit.pk not in done:
                minutes = level * settings.EMERGENCY_ACK_MINUTES
                drafts += _drafts(NoticeKind.EMERGENCY_UP, incident, unit, now, minutes)
        if drafts:
            run.incidents += 1
            with transaction.atomic():
                run.queued += notices_queue(notices_create(drafts))
    return run
