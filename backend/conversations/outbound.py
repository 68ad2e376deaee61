"""Messages to residents in a conversation: queued as rows, sent by a job, each at most once.

- `reply_queue` writes a pending `ConversationMessage` and defers its send job in the caller's
  transaction (a rollback leaves neither).
- `message_send` sends one pending row under its lock (SKIP LOCKED: a concurrent run does
  nothing) and marks it in the same transaction. Zalo/Messenger: while the messaging window is
  open, on the platform; closed (by our clock or the platform's answer) or refused → an SMS to
  the resident's phone if they gave one, else `failed`. SMS conversations: the SMS gateway. A
  failure worth retrying (platform or gateway down, rate limit) keeps the row pending until
  CHAT_MAX_ATTEMPTS and raises `RetryLater`, which the queue retries with backoff.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from procrastinate.contrib.django import app

from backend.accounts.models import ChatIdentity, User
from backend.accounts.sms import SmsError, send_sms
from backend.notifications.chat import send_chat, window_open
from backend.notifications.chat_errors import ChatRefused, ChatRetry, WindowClosed
from backend.notifications.deliveries import RetryLater

from .models import Conversation, ConversationChannel, ConversationMessage, Direction, SendStatus

SEND_TASK = "conversation_send"
SEND_QUEUE = "conversations"


def reply_queue(
    conversation: Conversation,
    text: str,
    *,
    options: list[str] | None = None,
    author: User | None = None,
    client_key: str = "",
) -> ConversationMessage:
    message = ConversationMessage.objects.create(
        conversation=conversation,
        direction=Direction.OUT,
        text=text[:4000],
        options=options or [],
        author=author,
        status=SendStatus.PENDING,
        client_key=client_key,
    )
    app.configure_task(SEND_TASK, allow_unknown=False).defer(message_id=message.pk)
    return message


def _sms(message: ConversationMessage, phone: str) -> None:
    send_sms(to=phone, text=f"[1022] {message.text}")
    message.sent_via = ConversationChannel.SMS


def _window_open(conversation: Conversation) -> bool:
    identity = ChatIdentity.objects.filter(
        channel=conversation.channel, external_id=conversation.address
    ).first()
    return identity is not None and window_open(identity)


def reply_route(conversation: Conversation) -> str | None:
    """The channel a message to `conversation` would go out on now: its own (an SMS
    conversation, or a chat whose messaging window is open), "sms" (window closed, the resident
    gave a phone number), or None — no way to reach them until they write again."""
    if conversation.channel == ConversationChannel.SMS or _window_open(conversation):
        return conversation.channel
    return ConversationChannel.SMS if conversation.user.phone else None


def _deliver(message: ConversationMessage, conversation: Conversation) -> None:
    """Send on the conversation's channel, or by SMS when the window is closed; raises
    ChatRetry/SmsError to retry, WindowClosed/ChatRefused when there is no way."""
    user = conversation.user
    if conversation.channel == ConversationChannel.SMS:
        _sms(message, conversation.address)
        return
    if _window_open(conversation):
        try:
            message.provider_message_id = send_chat(
                channel=conversation.channel,
                external_id=conversation.address,
                text=message.text,
                quick_replies=message.options,
            )[:191]
            message.sent_via = conversation.channel
            return
        except (WindowClosed, ChatRefused):
            if not user.phone:
                raise
    if not user.phone:
        raise WindowClosed("messaging window closed and no phone number")
    _sms(message, user.phone)


def message_send(*, message_id: int) -> str:
    """Send pending message `message_id`; its status afterwards (raises RetryLater if pending)."""
    with transaction.atomic():
        message = (
            ConversationMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("conversation__user")
            .filter(pk=message_id, status=SendStatus.PENDING)
            .first()
        )
        if message is None:  # sent already, failed for good, or in flight elsewhere
            return ""
        message.attempts += 1
        retry = False
        try:
            _deliver(message, message.conversation)
        except (ChatRetry, SmsError, OSError) as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            retry = message.attempts < settings.CHAT_MAX_ATTEMPTS
            message.status = SendStatus.PENDING if retry else SendStatus.FAILED
        except (WindowClosed, ChatRefused) as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            message.status = SendStatus.FAILED
        else:
            message.status, message.sent_at = SendStatus.SENT, timezone.now()
        message.save(
            update_fields=[
                "attempts",
                "last_error",
                "status",
                "sent_at",
                "sent_via",
                "provider_message_id",
            ]
        )
    if retry:
        raise RetryLater(pending=1, retry_after=None)
    return message.status
