"""Device registration for push notifications (delivery itself lives in push.py, later)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User

from .models import Device


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
