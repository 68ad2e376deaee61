"""Staff password sign-in: failures counted per username and per address, lockouts, audit rows.

Every attempt writes a `SignInEvent` (append-only). When the failures of one username (or from
one address) within STAFF_SIGN_IN_WINDOW_SECONDS reach their limit, a `SignInLockout` refuses
that username (address) for STAFF_SIGN_IN_LOCKOUT_SECONDS — even with the right password, or
guessing would go on. An admin can lift a lockout early; counting then starts afresh. The
counts come from the audit rows in PostgreSQL, so every web process sees the same numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import SignInEvent, SignInLockout

Outcome = SignInEvent.Outcome
Kind = SignInLockout.Kind
_FAILURES = (Outcome.FAILURE, Outcome.CODE_FAILURE)


def username_key(username: str) -> str:
    return username.strip().lower()[:150]


def _keys(*, username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [(Kind.USERNAME.value, username_key(username))]
    if address:
        keys.append((Kind.ADDRESS.value, address))
    return keys


def sign_in_lockout(*, username: str, address: str | None) -> SignInLockout | None:
    """The active lockout on this username or address, the one ending last; else None."""
    match = Q()
    for kind, value in _keys(username=username, address=address):
        match |= Q(kind=kind, value=value)
    active = SignInLockout.objects.filter(match, lifted_at__isnull=True, until__gt=timezone.now())
    return active.order_by("-until").first()


def sign_in_record(
    *,
    outcome: str,
    username: str,
    address: str | None,
    user: Any = None,
    second_factor: bool = False,
    user_agent: str = "",
) -> SignInLockout | None:
    """Write the audit row; after a failure, lock what reached its limit (returned, if any)."""
    with transaction.atomic():
        SignInEvent.objects.create(
            username=username_key(username),
            user=user if user is not None and user.pk else None,
            address=address or None,
            outcome=outcome,
            second_factor=second_factor,
            user_agent=user_agent[:300],
        )
        if outcome not in _FAILURES:
            return None
        return _lock_if_over_limit(username=username, address=address)


def _lock_if_over_limit(*, username: str, address: str | None) -> SignInLockout | None:
    now = timezone.now()
    window = dt.timedelta(seconds=settings.STAFF_SIGN_IN_WINDOW_SECONDS)
    limits = {
        Kind.USERNAME.value: settings.STAFF_SIGN_IN_MAX_FAILURES_PER_USERNAME,
        Kind.ADDRESS.value: settings.STAFF_SIGN_IN_MAX_FAILURES_PER_ADDRESS,
    }
    locked = None
    for kind, value in _keys(username=username, address=address):
        since = now - window
        last = SignInLockout.objects.filter(kind=kind, value=value).order_by("-locked_at").first()
        if last is not None:  # a lockout that ended or was lifted: count afresh after it
            since = max(since, min(last.lifted_at or last.until, now))
        field = "username" if kind == Kind.USERNAME else "address"
        failures = SignInEvent.objects.filter(
            **{field: value}, outcome__in=_FAILURES, at__gt=since
        ).count()
        if failures >= limits[kind]:
            locked = SignInLockout.objects.create(
                kind=kind,
                value=value,
                failures=failures,
                until=now + dt.timedelta(seconds=settings.STAFF_SIGN_IN_LOCKOUT_SECONDS),
            )
    return locked


def sign_in_lockout_lift(*, lockout: SignInLockout, by: Any) -> None:
    if lockout.lifted_at is None:
        lockout.lifted_at = timezone.now()
        lockout.lifted_by = by
        lockout.save(update_fields=["lifted_at", "lifted_by"])
