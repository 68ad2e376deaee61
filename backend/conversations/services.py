"""Taking in what the platforms deliver: store once, then handle in a job.

- `event_store` (called by the webhooks) inserts the raw event with ON CONFLICT DO NOTHING on
  (channel, message id) and, only when it is new, defers `HANDLE_TASK` in the same transaction:
  a platform's redelivery stores nothing and queues nothing. The job's lock is the sender, so one
  person's messages are handled one at a time, in order.
- `event_handle` (the job) reads the event, downloads its photos (outside any transaction),
  then in one transaction: marks it handled (a second run finds it handled and stops), finds
  the sender (`chat_identity_touch`, or the resident by phone for SMS), opens or continues their
  conversation (row lock), records the message and runs one step of the dialogue (engine.py).
  A conversation that reached `filing` is then filed (filing.py), outside that transaction.
- SMS in parts: each part is stored; the part that completes the set joins them in order and is
  handled as one message.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from procrastinate.contrib.django import app

from backend.accounts.chat_identities import chat_identity_touch
from backend.accounts.models import User
from backend.accounts.services import resident_for_phone

from . import inbound as parse
from . import texts as t
from .engine import Dialogue
from .filing import conversation_file
from .models import (
    Conversation,
    ConversationChannel,
    ConversationMessage,
    ConversationState,
    Direction,
    InboundEvent,
)
from .photos import Downloaded, PhotoUnusable, photo_download

logger = logging.getLogger(__name__)

HANDLE_TASK = "conversation_handle_event"
HANDLE_QUEUE = "conversations"

_INSERT = """
INSERT INTO {table} (channel, message_id, sender, payload, received_at)
VALUES (%s, %s, %s, %s::jsonb, %s)
ON CONFLICT (channel, message_id) DO NOTHING
RETURNING id
"""


def event_store(
    *, channel: str, message_id: str, sender: str, payload: dict[str, Any] | bytes
) -> bool:
    """Store one event and queue its handling; False when it was stored before (a retry).
    `payload`: the event, or the raw JSON body it came in (stored as sent, not re-encoded)."""
    raw = payload.decode() if isinstance(payload, bytes) else json.dumps(payload)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT.format(table=connection.ops.quote_name(InboundEvent._meta.db_table)),
                [channel, message_id, sender, raw, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            return False
        app.configure_task(
            HANDLE_TASK, allow_unknown=False, lock=f"conversation:{channel}:{sender}"
        ).defer(event_id=row[0])
    return True


def _inbound(event: InboundEvent) -> parse.Inbound | None:
    if event.channel == ConversationChannel.ZALO:
        return parse.zalo_inbound(event.payload)
    if event.channel == ConversationChannel.MESSENGER:
        return parse.messenger_inbound(event.payload)
    text = str(event.payload.get("text") or "").strip()
    return parse.Inbound(sender=event.sender, texts=[text] if text else [])


def _sms_parts(event: InboundEvent) -> list[InboundEvent] | None:
    """The parts of a long SMS if they are all here (in order), [event] for a single SMS, None
    while parts are missing."""
    concat = event.payload.get("concat")
    if not isinstance(concat, dict) or int(concat.get("total") or 1) <= 1:
        return [event]
    parts = list(
        InboundEvent.objects.filter(
            channel=ConversationChannel.SMS,
            sender=event.sender,
            payload__concat__ref=concat.get("ref"),
        )
    )
    if len({int(p.payload["concat"].get("part") or 0) for p in parts}) < int(concat["total"]):
        return None
    return sorted(parts, key=lambda p: int(p.payload["concat"].get("part") or 0))


def _user(channel: str, sender: str, at: dt.datetime, language: str) -> User:
    if channel == ConversationChannel.SMS:
        return resident_for_phone(phone=sender)
    return chat_identity_touch(channel=channel, external_id=sender, at=at, language=language).user


def _open_conversation(channel: str, sender: str, user: User, language: str) -> Conversation:
    found = (
        Conversation.objects.select_for_update()
        .select_related("user")
        .filter(channel=channel, address=sender, closed_at__isnull=True)
        .first()
    )
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Conversation.objects.create(
                channel=channel, address=sender, user=user, language=language
            )
    except IntegrityError:  # opened in parallel (the job lock makes this rare)
        return (
            Conversation.objects.select_for_update()
            .select_related("user")
            .get(channel=channel, address=sender, closed_at__isnull=True)
        )


def event_handle(*, event_id: int) -> str:
    """Handle stored event `event_id` once; what happened (for logs and tests)."""
    event = InboundEvent.objects.filter(pk=event_id).first()
    if event is None:
        return "missing"
    if event.handled_at is not None:
        return _file_if_confirmed(event) or "again"
    found = _inbound(event)
    if found is None or found.empty:
        InboundEvent.objects.filter(pk=event.pk).update(handled_at=timezone.now())
        logger.info("%s event %s ignored (not a message)", event.channel, event.message_id)
        return "ignored"
    parts = [event]
    if event.channel == ConversationChannel.SMS:
        joined = _sms_parts(event)
        if joined is None:
            return "waiting for parts"
        parts = joined
        text = "".join(str(p.payload.get("text") or "") for p in parts).strip()
        found.texts = [text] if text else []
    photos: list[Downloaded] = []
    failed = 0
    for url in found.images[:5]:
        try:
            photos.append(photo_download(url))
        except PhotoUnusable as exc:
            logger.info("%s event %s: photo unusable: %s", event.channel, event.message_id, exc)
            failed += 1
    text = "\n".join(found.texts)
    with transaction.atomic():
        claimed = InboundEvent.objects.filter(
            pk__in=[p.pk for p in parts], handled_at__isnull=True
        ).update(handled_at=timezone.now())
        if claimed < len(parts):  # another run took them
            return "again"
        language = t.language_of(text) if text else "vi"
        user = _user(event.channel, found.sender, event.received_at, language)
        conversation = _open_conversation(event.channel, found.sender, user, language)
        if text and conversation.state == ConversationState.DESCRIPTION and not conversation.data:
            conversation.language = language
            if user.language != language:
                User.objects.filter(pk=user.pk).update(language=language)
        ConversationMessage.objects.create(
            conversation=conversation,
            direction=Direction.IN,
            text=_describe(text, found, photos, failed),
        )
        Dialogue(conversation).take(
            texts=found.texts,
            photos=photos,
            photo_failed=failed,
            location=found.location,
            greeting=found.greeting,
        )
        conversation.updated_at = timezone.now()
        conversation.save()
    if conversation.state == ConversationState.FILING:
        return conversation_file(conversation_id=conversation.pk) or "handled"
    return "handled"


def _describe(text: str, found: parse.Inbound, photos: list[Downloaded], failed: int) -> str:
    parts = [text] if text else []
    if found.location is not None:
        parts.append(f"[vị trí {found.location[1]:.6f}, {found.location[0]:.6f}]")
    if photos or failed:
        parts.append(f"[{len(photos)} ảnh" + (f", {failed} không tải được]" if failed else "]"))
    if found.greeting:
        parts.append("[quan tâm]")
    return "\n".join(parts) or "-"


def _file_if_confirmed(event: InboundEvent) -> str:
    """A retried job whose first run confirmed but did not finish filing finishes it."""
    conversation = Conversation.objects.filter(
        channel=event.channel,
        address=event.sender,
        state=ConversationState.FILING,
    ).first()
    if conversation is None:
        return ""
    return conversation_file(conversation_id=conversation.pk)
