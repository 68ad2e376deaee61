"""What a chat platform's answer means for the message we tried to send."""

from __future__ import annotations


class ChatError(Exception):
    """The platform did not take the message."""


class ChatRetry(ChatError):
    """Worth another attempt later: the platform is down, slow, rate-limiting, or our token had
    to be renewed; `retry_after` seconds if the platform said."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class WindowClosed(ChatError):
    """The user has not written for too long (or never): the platform refuses free replies;
    tell them another way (SMS to their phone)."""


class ChatRefused(ChatError):
    """A permanent refusal (blocked the account, bad request): trying again will not help."""
