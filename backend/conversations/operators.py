"""What an operator does with a conversation handed to the triage inbox: read it, answer in it.

`conversation_reply` queues the operator's text as a message of the conversation (sent like the
engine's replies: on the resident's channel while its window is open, else by SMS). It works on
a closed conversation too — the report may have gone to the inbox and the resident stopped
writing; their channel address is kept on the conversation. When there is no way to reach the
resident (the platform's messaging window closed and no phone number) it refuses with 409
`window_closed` and queues nothing, so the console can say so instead of a silent failure;
`reply_blocked` gives the same answer before the operator writes."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.common.errors import DomainError

from .models import Conversation, ConversationMessage
from .outbound import reply_queue, reply_route


class ConversationNotFound(DomainError):
    status_code = 404
    code = "conversation_not_found"
    default_message = _("Không tìm thấy cuộc trò chuyện.")


class ReplyWindowClosed(DomainError):
    status_code = 409
    code = "window_closed"
    default_message = _(
        "Không gửi được: người dân đã lâu không nhắn tin nên kênh %(channel)s không cho nhắn "
        "tiếp, và không có số điện thoại để gửi SMS. Khi người dân nhắn lại, bạn có thể trả lời."
    )


def reply_blocked(conversation: Conversation) -> str | None:
    """Why an answer cannot reach the resident now (None: it can, see `reply_route`)."""
    if reply_route(conversation) is not None:
        return None
    return str(ReplyWindowClosed.default_message) % {"channel": conversation.get_channel_display()}


def conversation_get(conversation_id: int, *, lock: bool = False) -> Conversation:
    conversations = Conversation.objects.select_related("user")
    if lock:  # inside a transaction: one reply at a time in a conversation
        conversations = conversations.select_for_update(of=("self",))
    found = conversations.filter(pk=conversation_id).first()
    if found is None:
        raise ConversationNotFound()
    return found


def conversation_messages(conversation: Conversation) -> QuerySet[ConversationMessage]:
    return conversation.messages.select_related("author").order_by("created_at", "id")


def conversation_reply(
    *, conversation_id: int, operator: User, text: str, client_key: str = ""
) -> ConversationMessage:
    """Queue `operator`'s reply into conversation `conversation_id` (sent after commit). The
    same `client_key` again (a resent request: the answer was lost) is that one message, not a
    second one to the resident."""
    text = text.strip()
    if not text:
        raise DomainError(_("Nội dung trả lời trống."), code="empty_reply")
    with transaction.atomic():
        conversation = conversation_get(conversation_id, lock=True)  # one key, one message
        if (
            client_key
            and (sent := conversation.messages.filter(client_key=client_key).first()) is not None
        ):
            return sent
        blocked = reply_blocked(conversation)
        if blocked is not None:
            raise ReplyWindowClosed(blocked)
        return reply_queue(conversation, text, author=operator, client_key=client_key)
