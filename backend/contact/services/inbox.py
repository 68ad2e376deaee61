"""The triage inbox: incomplete reports wait here until an operator completes or rejects them.

Invariants:
- `inbox_add` is the door for every channel's report that cannot be filed as it is (no usable
  place, no category) or that needs a check (`flag`); `source_key` (the channel's message id)
  makes a redelivered message one item.
- One operator works on an item: `inbox_claim` locks the row with `SELECT … FOR UPDATE SKIP
  LOCKED` and moves it from waiting to claimed; the other operator gets `Conflict` (409)
  `inbox_taken` naming who has it (or that someone is taking it right now), and nothing changes.
- Completing files the report through `incident_submit` — the one intake path, so it is routed
  exactly like an app report — with the item's channel and its id as the idempotency key (a
  retried completion files one report), then marks the item filed and links the report to the
  call that put the item here, if any.
- Rejecting needs a reason, which is sent to the reporter after commit (deferred job).
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from procrastinate.contrib.django import app as jobs

from backend.accounts.models import User
from backend.common.errors import Conflict, DomainError
from backend.incidents.models import Incident
from backend.incidents.services.submit import incident_submit
from backend.units.models import Category

from ..models import Contact, InboxItem, InboxStatus

REJECTION_TASK = "inbox_send_rejection"
REJECTION_QUEUE = "notifications"


class InboxItemNotFound(DomainError):
    status_code = 404
    code = "inbox_item_not_found"
    default_message = _("Không tìm thấy phản ánh trong hộp chờ.")


def inbox_add(
    *,
    reporter: User,
    channel: str,
    description: str,
    location: Point | None = None,
    category: Category | None = None,
    address: str = "",
    flag: str = "",
    source_key: str = "",
) -> tuple[InboxItem, bool]:
    """Put a report into the inbox; (item, created) — a redelivered `source_key` is one item."""
    item = InboxItem(
        reporter=reporter,
        channel=channel,
        description=description,
        location=location,
        category=category,
        address=address,
        flag=flag,
        source_key=source_key,
    )
    item.full_clean(
        exclude=["reporter", "category"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            item.save(force_insert=True)
    except IntegrityError:
        existing = InboxItem.objects.filter(channel=channel, source_key=source_key).first()
        if not source_key or existing is None:
            raise
        return existing, False
    return item, True


def _holder(item: InboxItem) -> dict[str, Any]:
    holder = item.claimed_by
    name = (holder.get_full_name() or holder.username) if holder else None
    return {"status": item.status, "claimed_by_id": item.claimed_by_id, "claimed_by": name}


def _taken(item: InboxItem) -> Conflict:
    if item.status in (InboxStatus.FILED, InboxStatus.REJECTED):
        return Conflict(
            _("Phản ánh này đã được xử lý xong."), code="inbox_closed", details=_holder(item)
        )
    return Conflict(
        _("Điện thoại viên khác đang hoàn thiện phản ánh này."),
        code="inbox_taken",
        details=_holder(item),
    )


def inbox_claim(*, item_id: int, operator: User) -> InboxItem:
    """`operator` takes the item (see the module docstring for the race)."""
    with transaction.atomic():
        item = (
            InboxItem.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=item_id)
            .first()
        )
        if item is not None and item.status == InboxStatus.WAITING:
            item.status, item.claimed_by, item.claimed_at = (
                InboxStatus.CLAIMED,
                operator,
                timezone.now(),
            )
            item.save(update_fields=["status", "claimed_by", "claimed_at"])
            return item
    current = InboxItem.objects.select_related("claimed_by").filter(pk=item_id).first()
    if current is None:
        raise InboxItemNotFound()
    if current.status == InboxStatus.CLAIMED and current.claimed_by_id == operator.pk:
        return current
    if item is None and current.status == InboxStatus.WAITING:  # locked: being claimed now
        raise Conflict(
            _("Điện thoại viên khác đang nhận phản ánh này."),
            code="inbox_taken",
            details=_holder(current),
        )
    raise _taken(current)


def _held(item_id: int, operator: User) -> InboxItem:
    """The item, locked, claimed by `operator` (claimed now if it was waiting)."""
    inbox_claim(item_id=item_id, operator=operator)
    item = (
        InboxItem.objects.select_for_update(of=("self",)).select_related("reporter").get(pk=item_id)
    )
    if item.status != InboxStatus.CLAIMED or item.claimed_by_id != operator.pk:
        raise _taken(item)
    return item


def inbox_complete(
    *,
    item_id: int,
    operator: User,
    category: Category,
    location: Point,
    description: str = "",
    address: str = "",
) -> Incident:
    """File the completed report through the intake path and close the item as filed."""
    inbox_claim(item_id=item_id, operator=operator)
    item = InboxItem.objects.select_related("reporter").get(pk=item_id)
    if item.reporter is None:
        raise DomainError(_("Phản ánh không có người gửi."), code="reporter_required")
    result = incident_submit(
        reporter=item.reporter,
        category=category,
        description=description.strip() or item.description,
        address=address.strip() or item.address,
        location=location,
        idempotency_key=f"inbox:{item.pk}",
        channel=item.channel,
        intake={"inbox_item": item.pk, "completed_by": operator.pk},
    )
    updated = InboxItem.objects.filter(
        pk=item.pk, status=InboxStatus.CLAIMED, claimed_by=operator
    ).update(status=InboxStatus.FILED, incident=result.incident, closed_at=timezone.now())
    if updated == 0 and not InboxItem.objects.filter(pk=item.pk, incident=result.incident).exists():
        raise _taken(InboxItem.objects.select_related("claimed_by").get(pk=item.pk))
    # a call that put it here now links the report it became
    Contact.objects.filter(inbox_item=item, incident__isnull=True).update(incident=result.incident)
    return result.incident


def inbox_reject(*, item_id: int, operator: User, reason: str) -> InboxItem:
    """Reject as out of scope; the reason goes back to the reporter after commit."""
    reason = reason.strip()
    if not reason:
        raise DomainError(
            _("Cần ghi rõ lý do."), code="reason_required", details={"reason": ["required"]}
        )
    with transaction.atomic():
        item = _held(item_id, operator)
        item.status, item.reason, item.closed_at = InboxStatus.REJECTED, reason, timezone.now()
        item.save(update_fields=["status", "reason", "closed_at"])
        jobs.configure_task(REJECTION_TASK, queue=REJECTION_QUEUE).defer(item_id=item.pk)
    return item
