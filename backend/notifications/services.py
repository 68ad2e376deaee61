"""Device registration for push, following reports, and sending failed deliveries again.

Delivery itself: deliveries.py (the job's work) and push.py (the FCM door)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from backend.accounts.models import User
from backend.incidents.models import Incident

from .models import Delivery, DeliveryStatus, Device, Follow
from .tasks import notify_incident_status_changed


def device_register(
    *, user: User, token: str, platform: str, app_version: str = "", language: str = "vi"
) -> Device:
    """Register `token` for `user`; a token already known moves to `user` (one phone, one owner).

    Race-safe: concurrent registrations of one token end with one row (unique token).
    """
    now = timezone.now()
    with transaction.atomic():
        device, _created = Device.objects.select_for_update().update_or_create(
            token=token,
            defaults={
                "user": user,
                "platform": platform,
                "app_version": app_version,
                "language": language,
                "is_active": True,  # FCM may have declared it dead; the app says it lives
                "deactivated_at": None,
                "deactivation_reason": "",
                "updated_at": now,
            },
            create_defaults={
                "user": user,
                "platform": platform,
                "app_version": app_version,
                "language": language,
                "created_at": now,
                "updated_at": now,
            },
        )
        device.full_clean()
    return device


def device_unregister(*, user: User, token: str) -> bool:
    """Forget `token` if it belongs to `user` (sign-out); True when a row was deleted."""
    deleted, _rows = Device.objects.filter(user=user, token=token).delete()
    return deleted > 0


def report_follow(*, user: User, incident: Incident) -> Follow:
    """`user` gets the status pushes of `incident` from now on (idempotent)."""
    follow, _created = Follow.objects.get_or_create(incident=incident, user=user)
    return follow


def report_unfollow(*, user: User, incident: Incident | int) -> bool:
    """Stop following `incident` (or its id: a report hidden since can still be unfollowed)."""
    deleted, _rows = Follow.objects.filter(incident=incident, user=user).delete()
    return deleted > 0


def deliveries_retry(*, deliveries: QuerySet[Delivery]) -> int:
    """Put failed deliveries (push, SMS, e-mail) back to pending with fresh attempts and defer one
    job per event, in one transaction (a rollback re-queues nothing). Returns how many were put
    back."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            deliveries.filter(status=DeliveryStatus.FAILED)
            .select_for_update(of=("self",))
            .values_list("pk", "event_id", "event__incident_id")
        )
        Delivery.objects.filter(pk__in=[pk for pk, _e, _i in rows]).update(
            status=DeliveryStatus.PENDING, attempts=0, updated_at=now
        )
        for event_id, incident_id in sorted({(e, i) for _pk, e, i in rows}):
            notify_incident_status_changed.defer(incident_id=incident_id, event_id=event_id)
    return len(rows)


def updates_defer_again(*, events: Iterable[tuple[int, int]]) -> int:
    """Defer the update job again for (incident id, event id) pairs whose pending deliveries have
    no job left to send them (recovery.py). Returns how many were deferred."""
    pairs = sorted(set(events))
    for incident_id, event_id in pairs:
        notify_incident_status_changed.defer(incident_id=incident_id, event_id=event_id)
    return len(pairs)
