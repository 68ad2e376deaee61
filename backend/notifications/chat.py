"""One door to the chat platforms for everything that tells a resident something (status
updates here, the conversation engine's replies): which identity to write to, whether its
messaging window is open, and the send itself (zalo.py, messenger.py)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from backend.accounts.models import ChatChannel, ChatIdentity

from . import messenger, zalo
from .chat_errors import ChatRefused


def window_open(identity: ChatIdentity, now: dt.datetime | None = None) -> bool:
    """May we still reply freely to `identity` (their last message is recent enough)?"""
    hours = (
        settings.ZALO_WINDOW_HOURS
        if identity.channel == ChatChannel.ZALO
        else settings.MESSENGER_WINDOW_HOURS
    )
    return (now or timezone.now()) - identity.last_inbound_at < dt.timedelta(hours=hours)


def send_chat(
    *, channel: str, external_id: str, text: str, quick_replies: list[str] | None = None
) -> str:
    """Send `text` on `channel` to `external_id`; the platform's message id. Raises ChatRetry,
    WindowClosed or ChatRefused (chat_errors)."""
    if channel == ChatChannel.ZALO:
        return zalo.send_text(user_id=external_id, text=text)
    if channel == ChatChannel.MESSENGER:
        return messenger.send_text(psid=external_id, text=text, quick_replies=quick_replies)
    raise ChatRefused(f"not a chat channel: {channel}")
