"""Residents who write from Zalo or Messenger: one `User` per chat identity, created on the
first message (no password, no phone until they give one), and the time of their last message,
which opens the platform's messaging window again.

`chat_identity_touch` is safe against a parallel first message (the unique constraint decides;
the loser reads the winner's row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ChatIdentity, User


def chat_identity_touch(
    *, channel: str, external_id: str, at: dt.datetime | None = None, language: str = ""
) -> ChatIdentity:
    """The identity (with its user) of `external_id` on `channel`, created with a new resident
    if unknown; its last inbound time moved forward to `at`."""
    at = at or timezone.now()
    identity = (
        ChatIdentity.objects.select_related("user")
        .filter(channel=channel, external_id=external_id)
        .first()
    )
    if identity is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=f"{channel}:{external_id}"[:150],
                    password=None,
                    language=language or "vi",
                )
                return ChatIdentity.objects.create(
                    user=user, channel=channel, external_id=external_id, last_inbound_at=at
                )
        except IntegrityError:  # a parallel first message created it
            identity = ChatIdentity.objects.select_related("user").get(
                channel=channel, external_id=external_id
            )
    if identity.last_inbound_at < at:
        ChatIdentity.objects.filter(pk=identity.pk, last_inbound_at__lt=at).update(
            last_inbound_at=at
        )
        identity.last_inbound_at = at
    return identity


def chat_identities_latest(user_ids: Iterable[int]) -> dict[int, ChatIdentity]:
    """The chat identity each of `user_ids` wrote from last (users without one left out), in
    one query — a status update's fan-out asks for all its recipients at once."""
    rows = (
        ChatIdentity.objects.filter(user_id__in=list(user_ids))
        .order_by("user_id", "-last_inbound_at")
        .distinct("user_id")
    )
    return {row.user_id: row for row in rows}


def chat_identity_latest(user_id: int) -> ChatIdentity | None:
    """The chat identity `user_id` wrote from last, if any."""
    return chat_identities_latest([user_id]).get(user_id)
