"""The in-app side of staff alerts: a person's list (the bell), marking read, their preference.

Only the person's own `in_app` rows are ever read or changed here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .models import AlertChannel, AlertPreference, StaffAlert

INBOX_LIMIT = 50


def staff_alert_inbox(*, user: Any, after: int | None = None) -> QuerySet[StaffAlert]:
    """The user's in-app alerts, newest first; only those newer than id `after` if given."""
    rows = StaffAlert.objects.filter(user=user, channel=AlertChannel.IN_APP)
    if after is not None:
        rows = rows.filter(pk__gt=after)
    return rows.select_related("incident").order_by("-pk")[:INBOX_LIMIT]


def staff_alert_unread(*, user: Any) -> int:
    return StaffAlert.objects.filter(
        user=user, channel=AlertChannel.IN_APP, read_at__isnull=True
    ).count()


def staff_alerts_mark_read(
    *, user: Any, ids: list[int] | None, at: dt.datetime | None = None
) -> int:
    """Mark the user's unread in-app alerts (those with `ids`, or all) read; how many."""
    rows = StaffAlert.objects.filter(user=user, channel=AlertChannel.IN_APP, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=at or timezone.now())


def alert_preference(*, user: Any) -> AlertPreference:
    """The saved preference, or the defaults (unsaved)."""
    return AlertPreference.objects.filter(user=user).first() or AlertPreference(user=user)


PREFERENCE_FIELDS = ("by_email", "by_sms", "by_browser", "quiet_hours", "quiet_start", "quiet_end")


def alert_preference_save(*, user: Any, **values: Any) -> AlertPreference:
    """Save the user's preference (fields not given keep their value)."""
    pref = alert_preference(user=user)
    for name in PREFERENCE_FIELDS:
        if name in values:
            setattr(pref, name, values[name])
    pref.updated_at = timezone.now()
    pref.full_clean()
    pref.save()
    return pref
