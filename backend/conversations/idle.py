"""Conversations left unfinished: closed politely after CONVERSATION_IDLE_HOURS without a
message. One waiting to be filed is left to its job; one handed to an operator is closed
without a message (the operator answers from the inbox)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from . import texts as t
from .engine import Dialogue
from .models import Conversation, ConversationState

SWEEP_LIMIT = 500


def conversations_close_idle(*, now: dt.datetime) -> int:
    """Close the conversations idle at `now`; how many."""
    before = now - dt.timedelta(hours=settings.CONVERSATION_IDLE_HOURS)
    closed = 0
    ids = list(
        Conversation.objects.filter(closed_at__isnull=True, updated_at__lt=before)
        .exclude(state=ConversationState.FILING)
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for conversation_id in ids:
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update(skip_locked=True)
                .select_related("user")
                .filter(pk=conversation_id, closed_at__isnull=True, updated_at__lt=before)
                .first()
            )
            if conversation is None:  # a message came in meanwhile, or handled elsewhere
                continue
            dialogue = Dialogue(conversation)
            if conversation.state != ConversationState.OPERATOR:
                dialogue.say(t.IDLE_CLOSED)
            dialogue.close("idle")
            conversation.save()
            closed += 1
    return closed
