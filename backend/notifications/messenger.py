"""The one module that talks to the Messenger Platform's Send API.

`send_text(psid, text, quick_replies)`: POST `{MESSENGER_GRAPH_URL}/me/messages?access_token=…`
with `messaging_type: RESPONSE` (a reply inside the 24-hour standard messaging window). Graph
errors come as `{"error": {"code", "error_subcode", "message"}}`:
- code 10 / subcode 2018278 (outside the allowed window), 551 (person unavailable) →
  `WindowClosed`;
- codes 1, 2, 4, 17, 32, 613 (temporary, throttled) and 5xx/timeouts → `ChatRetry`;
- anything else (190 bad token, 100 bad parameter, 200 permissions) → `ChatRefused`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

from .chat_errors import ChatRefused, ChatRetry, WindowClosed

RETRY_CODES = frozenset({1, 2, 4, 17, 32, 613})
WINDOW_SUBCODES = frozenset({2018278, 2018108, 1545041})
QUICK_REPLY_MAX = 13


def _error(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    error = parsed.get("error") if isinstance(parsed, dict) else None
    return error if isinstance(error, dict) else {}


def send_text(*, psid: str, text: str, quick_replies: list[str] | None = None) -> str:
    """Send `text` to the page-scoped user `psid`; the Graph message id."""
    message: dict[str, Any] = {"text": text}
    if quick_replies:
        message["quick_replies"] = [
            {"content_type": "text", "title": title[:20], "payload": title}
            for title in quick_replies[:QUICK_REPLY_MAX]
        ]
    body = json.dumps(
        {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message}
    ).encode()
    query = urllib.parse.urlencode({"access_token": settings.MESSENGER_PAGE_ACCESS_TOKEN})
    request = urllib.request.Request(
        f"{settings.MESSENGER_GRAPH_URL.rstrip('/')}/me/messages?{query}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.CHAT_HTTP_TIMEOUT_SECONDS) as answer:
            parsed = json.loads(answer.read(1 << 20) or b"{}")
            return str(parsed.get("message_id", "")) if isinstance(parsed, dict) else ""
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise ChatRetry(f"Messenger answered HTTP {exc.code}") from exc
        error = _error(exc.read(1 << 16))
        code, subcode = error.get("code"), error.get("error_subcode")
        text_error = f"Messenger error {code}/{subcode}: {error.get('message', '')}"
        if code == 551 or (code == 10 and subcode in WINDOW_SUBCODES):
            raise WindowClosed(text_error) from exc
        if code in RETRY_CODES or exc.code == 429:
            raise ChatRetry(text_error, retry_after=60.0 if code in (4, 32, 613) else None) from exc
        raise ChatRefused(text_error) from exc
    except (OSError, ValueError) as exc:
        raise ChatRetry(f"Messenger unreachable: {exc}") from exc
