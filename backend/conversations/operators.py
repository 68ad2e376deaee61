"""What an operator does with a conversation handed to the triage inbox: read it, answer in it.

`conversation_reply` queues the operator's text as a message of the conversation (sent like the
engine's replies: on the resident's channel while its window is open, else by SMS). It works on
a closed conversation too — the report may have gone to the inbox and the resident stopped
writing; their channel address is kept on the conversation."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.common.errors import DomainError

from .models import Conversation, ConversationMessage
from .outbound import reply_queue


class ConversationNotFound(DomainError):
    status_code = 404
    code = "conversation_not_found"
    default_message = _("Không tìm thấy cuộc trò chuyện.")


def conversation_get(conversation_id: int) -> Conversation:
    found = Conversation.objects.select_related("user").filter(pk=conversation_id).first()
    if found is None:
        raise ConversationNotFound()
    return found


def conversation_messages(conversation: Conversation) -> QuerySet[ConversationMessage]:
    return conversation.messages.select_related("author").order_by("created_at", "id")


def conversation_reply(*, conversation_id: int, operator: User, text: str) -> ConversationMessage:
    """Queue `operator`'s reply into conversation `conversation_id` (sent after commit)."""
    text = text.strip()
    if not text:
        raise DomainError(_("Nội dung trả lời trống."), code="empty_reply")
    with transaction.atomic():
        conversation = conversation_get(conversation_id)
        return reply_queue(conversation, text, author=operator)
