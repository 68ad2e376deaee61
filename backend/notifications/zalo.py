"""The one module that talks to the Zalo Official Account API (v3 customer-service messages,
v4 OAuth token refresh).

- `send_text(user_id, text)`: POST `{ZALO_API_URL}/v3.0/oa/message/cs` with the OA access token
  in the `access_token` header; Zalo answers HTTP 200 with `{"error": 0, "data": {"message_id"}}`
  or an error code in the body.
- The access token comes from the `ZaloToken` row and is renewed with the refresh token
  (`{ZALO_OAUTH_URL}/v4/oa/access_token`, form `refresh_token, app_id, grant_type`, header
  `secret_key`) when it expires within ZALO_TOKEN_REFRESH_MARGIN_SECONDS, or at once when Zalo
  calls it invalid or expired (-216, -220, -124); one refresh per send at most. The refresh runs
  under the row's lock: the refresh token is single-use, so two workers must not both spend it.
- Error codes: -216/-220/-124 token → refresh and retry once; -230/-232/-213 the user has not
  written within the window (or does not follow the OA) → `WindowClosed`; -32 rate limit and
  5xx/timeouts → `ChatRetry`; anything else → `ChatRefused`.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .chat_errors import ChatRefused, ChatRetry, WindowClosed
from .models import ZaloToken

TOKEN_ERRORS = frozenset({-216, -220, -124})
WINDOW_ERRORS = frozenset({-230, -232, -213})
RETRY_ERRORS = frozenset({-32, -200, -211})
RATE_LIMIT_WAIT_SECONDS = 60.0


def _post(url: str, *, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=settings.CHAT_HTTP_TIMEOUT_SECONDS) as answer:
            body = answer.read(1 << 20)
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            raise ChatRetry(f"Zalo answered HTTP {exc.code}") from exc
        raise ChatRefused(f"Zalo answered HTTP {exc.code}") from exc
    except OSError as exc:  # refused, reset, timed out
        raise ChatRetry(f"Zalo unreachable: {exc}") from exc
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise ChatRetry("Zalo answered something that is not JSON") from exc
    return parsed if isinstance(parsed, dict) else {}


def _refresh(row: ZaloToken) -> None:
    form = urllib.parse.urlencode(
        {
            "refresh_token": row.refresh_token,
            "app_id": settings.ZALO_APP_ID,
            "grant_type": "refresh_token",
        }
    ).encode()
    answer = _post(
        settings.ZALO_OAUTH_URL.rstrip("/") + "/v4/oa/access_token",
        data=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "secret_key": settings.ZALO_APP_SECRET_KEY,
        },
    )
    if not answer.get("access_token") or not answer.get("refresh_token"):
        raise ChatRetry(f"Zalo token refresh failed: {answer.get('error')} {answer.get('message')}")
    row.access_token = str(answer["access_token"])
    row.refresh_token = str(answer["refresh_token"])
    now = timezone.now()
    row.expires_at = now + dt.timedelta(seconds=int(answer.get("expires_in") or 3600))
    row.refreshed_at = now
    row.save()


def _seed() -> None:
    if settings.ZALO_REFRESH_TOKEN and not ZaloToken.objects.exists():
        ZaloToken.objects.create(
            access_token=settings.ZALO_ACCESS_TOKEN,
            refresh_token=settings.ZALO_REFRESH_TOKEN,
            # unknown age: refresh before the first use unless an access token was given
            expires_at=timezone.now() + dt.timedelta(hours=1 if settings.ZALO_ACCESS_TOKEN else -1),
        )


def access_token(*, stale: str = "") -> str:
    """A usable access token, refreshed first when it expires soon or equals `stale` (the one
    Zalo just refused)."""
    _seed()
    margin = dt.timedelta(seconds=settings.ZALO_TOKEN_REFRESH_MARGIN_SECONDS)
    row = ZaloToken.objects.order_by("pk").first()
    if row is None:
        raise ChatRefused("no Zalo OA token configured (ZALO_REFRESH_TOKEN)")
    if row.expires_at - margin > timezone.now() and row.access_token != stale:
        return row.access_token
    with transaction.atomic():
        row = ZaloToken.objects.select_for_update().get(pk=row.pk)
        # another worker may have refreshed while we waited for the lock
        if row.expires_at - margin <= timezone.now() or row.access_token == stale:
            _refresh(row)
        return row.access_token


def _send(token: str, user_id: str, text: str) -> dict[str, Any]:
    body = json.dumps({"recipient": {"user_id": user_id}, "message": {"text": text}})
    return _post(
        settings.ZALO_API_URL.rstrip("/") + "/v3.0/oa/message/cs",
        data=body.encode(),
        headers={"Content-Type": "application/json", "access_token": token},
    )


def send_text(*, user_id: str, text: str) -> str:
    """Send `text` to the Zalo user `user_id` as a customer-service message; Zalo's message id."""
    token = access_token()
    answer = _send(token, user_id, text)
    if int(answer.get("error", -1)) in TOKEN_ERRORS:
        token = access_token(stale=token)
        answer = _send(token, user_id, text)
    code = int(answer.get("error", -1))
    if code == 0:
        return str((answer.get("data") or {}).get("message_id", ""))
    message = f"Zalo error {code}: {answer.get('message', '')}"
    if code in WINDOW_ERRORS:
        raise WindowClosed(message)
    if code in RETRY_ERRORS or code in TOKEN_ERRORS:
        raise ChatRetry(message, retry_after=RATE_LIMIT_WAIT_SECONDS if code == -32 else None)
    raise ChatRefused(message)
