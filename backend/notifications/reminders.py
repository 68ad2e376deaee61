"""The reminder sweep (every 15 minutes): deadlines coming, deadlines missed, escalation.

Levels, each sent once per report (unique `Notice` rows per report, level, channel, address):
- `reminder`: an open report due within REMINDER_DUE_WITHIN_HOURS → the assigned unit: the
  assignee if there is one, else the unit's handlers (their e-mail and phone);
- `overdue`: an open report past its deadline → the unit leader (phone and e-mail on the unit);
- `escalation`: still open REMINDER_ESCALATE_AFTER_HOURS after the deadline → the leader of the
  parent unit.
"Overdue" is the staff selector's definition (`selectors.staff.overdue`), not a copy of it.
Reports overdue for longer than REMINDER_LOOKBACK_DAYS are not alerted (first run, old backlog):
the weekly digest counts them. A level with nobody to tell is recorded as `skipped`.
Side effects: `Notice` rows and their send jobs, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from backend.incidents.models import Incident
from backend.incidents.selectors.staff import overdue
from backend.units.models import Membership, Role, Unit

from .models import Channel, DeliveryStatus, Notice, NoticeKind
from .notices import NoticeDraft, notices_create, notices_queue


@dataclass
class SweepRun:
    found: dict[str, int] = field(default_factory=dict)  # reports per level
    queued: int = 0  # notices created and deferred


def _without(kind: str, incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    done = Notice.objects.filter(incident=OuterRef("pk"), kind=kind)
    return incidents.filter(~Exists(done))


def due_soon(now: dt.datetime) -> QuerySet[Incident]:
    window = dt.timedelta(hours=settings.REMINDER_DUE_WITHIN_HOURS)
    return _without(
        NoticeKind.REMINDER,
        Incident.objects.open().filter(
            unit__isnull=False, due_at__gte=now, due_at__lt=now + window
        ),
    )


def newly_overdue(now: dt.datetime) -> QuerySet[Incident]:
    since = now - dt.timedelta(days=settings.REMINDER_LOOKBACK_DAYS)
    recent = Incident.objects.filter(unit__isnull=False, due_at__gte=since)
    return _without(NoticeKind.OVERDUE, overdue(recent, now=now))


def to_escalate(now: dt.datetime) -> QuerySet[Incident]:
    delay = dt.timedelta(hours=settings.REMINDER_ESCALATE_AFTER_HOURS)
    since = now - delay - dt.timedelta(days=settings.REMINDER_LOOKBACK_DAYS)
    recent = Incident.objects.filter(unit__isnull=False, due_at__gte=since)
    return _without(NoticeKind.ESCALATION, overdue(recent, now=now - delay))


def _contacts_of_leader(unit: Unit | None) -> list[tuple[str, str]]:
    if unit is None:
        return []
    pairs = [(Channel.SMS, unit.leader_phone), (Channel.EMAIL, unit.leader_email)]
    return [(channel, address) for channel, address in pairs if address]


def _user_contacts(users: Iterable[object]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for user in users:
        phone, email = getattr(user, "phone", ""), getattr(user, "email", "")
        found += [(Channel.SMS, phone)] if phone else []
        found += [(Channel.EMAIL, email)] if email else []
    return sorted(set(found))


def _handlers_by_unit(unit_ids: set[int]) -> dict[int, list[object]]:
    handlers: dict[int, list[object]] = defaultdict(list)
    for membership in Membership.objects.filter(
        unit_id__in=sorted(unit_ids), role=Role.HANDLER, user__is_active=True
    ).select_related("user"):
        handlers[membership.unit_id].append(membership.user)
    return handlers


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return formats.date_format(local, "H:i d/m/Y")


def _texts(kind: str, incident: Incident) -> tuple[str, str]:
    values = {
        "reference": incident.reference,
        "category": incident.category.name,
        "unit": incident.unit.name if incident.unit else "",
        "due": _when(incident.due_at),
        "hours": settings.REMINDER_ESCALATE_AFTER_HOURS,
    }
    if kind == NoticeKind.REMINDER:
        subject = _("[1022] Sắp đến hạn: phản ánh %(reference)s") % values
        body = _("[1022] Phản ánh %(reference)s (%(category)s) đến hạn lúc %(due)s.")
    elif kind == NoticeKind.OVERDUE:
        subject = _("[1022] Quá hạn: phản ánh %(reference)s") % values
        body = _("[1022] Phản ánh %(reference)s của %(unit)s đã quá hạn (hạn %(due)s).")
    else:
        subject = _("[1022] Báo cáo cấp trên: phản ánh %(reference)s") % values
        # short msgids: tools/fill_po.py only fills msgids that fit on one .po line
        body = " ".join(
            [
                _("[1022] Phản ánh %(reference)s của %(unit)s quá hạn hơn %(hours)s giờ"),
                _("(hạn %(due)s), đề nghị chỉ đạo xử lý."),
            ]
        )
    return subject, body % values


def _drafts(
    kind: str, incidents: list[Incident], handlers: dict[int, list[object]]
) -> list[NoticeDraft]:
    drafts: list[NoticeDraft] = []
    for incident in incidents:
        assert incident.unit is not None
        if kind == NoticeKind.REMINDER:
            addressee = incident.unit
            people = [incident.assignee] if incident.assignee else handlers[incident.unit.pk]
            contacts = _user_contacts(people)
        elif kind == NoticeKind.OVERDUE:
            addressee = incident.unit
            contacts = _contacts_of_leader(addressee)
        else:
            addressee = incident.unit.parent or incident.unit
            contacts = _contacts_of_leader(incident.unit.parent)
        subject, body = _texts(kind, incident)
        base = NoticeDraft(
            kind=kind,
            unit_id=addressee.pk,
            incident_id=incident.pk,
            channel=Channel.SMS,
            address="",
            body=body,
        )
        if not contacts:
            drafts.append(
                replace(base, status=DeliveryStatus.SKIPPED, last_error="no contact for this unit")
            )
        for channel, address in contacts:
            email = channel == Channel.EMAIL
            drafts.append(
                replace(base, channel=channel, address=address, subject=subject if email else "")
            )
    return drafts


def reminders_sweep(*, now: dt.datetime | None = None) -> SweepRun:
    """Create the notices every level calls for at `now` and defer their sending (one
    transaction: a rollback leaves neither rows nor jobs)."""
    now = now or timezone.now()
    run = SweepRun()
    limit = settings.REMINDER_SWEEP_LIMIT
    levels = [
        (NoticeKind.REMINDER, due_soon(now)),
        (NoticeKind.OVERDUE, newly_overdue(now)),
        (NoticeKind.ESCALATION, to_escalate(now)),
    ]
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        for kind, incidents in levels:
            rows = list(
                incidents.select_related("category", "unit__parent", "assignee").order_by(
                    "due_at", "id"
                )[:limit]
            )
            run.found[kind.value] = len(rows)
            unassigned = {i.unit_id for i in rows if i.unit_id and not i.assignee_id}
            handlers = _handlers_by_unit(unassigned) if kind == NoticeKind.REMINDER else {}
            ids = notices_create(_drafts(kind, rows, defaultdict(list, handlers)))
            run.queued += notices_queue(ids)
    return run
