"""Each platform's webhook is verified here, before anything in it is read or stored.

- Zalo: header `X-ZEvent-Signature: mac=<hex>` where hex = SHA-256 of
  app_id + raw body + timestamp + OA secret key (app_id and timestamp from the body); the
  timestamp (milliseconds) must be within ZALO_WEBHOOK_MAX_AGE_SECONDS of now.
- Messenger: header `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body keyed with
  the app secret.
- SMS gateway: `X-SMS-Timestamp` (Unix seconds) and `X-SMS-Signature: sha256=<hex>`,
  HMAC-SHA256 of `<timestamp>.<raw body>` with SMS_INBOUND_SECRET, within
  SMS_INBOUND_MAX_SKEW_SECONDS.
Comparisons are constant-time; a missing secret refuses everything.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from backend.common.errors import DomainError
from backend.common.signed_requests import Verdict, check_timestamped, timestamped_signature

ZALO_HEADER = "X-ZEvent-Signature"
MESSENGER_HEADER = "X-Hub-Signature-256"
SMS_TIMESTAMP_HEADER = "X-SMS-Timestamp"
SMS_SIGNATURE_HEADER = "X-SMS-Signature"


class BadSignature(DomainError):
    status_code = 403
    code = "bad_signature"
    default_message = _("Chữ ký của sự kiện không hợp lệ.")


def _stale() -> BadSignature:
    return BadSignature(_("Sự kiện đã quá hạn."), code="stale_signature")


def zalo_mac(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()


def zalo_verify(*, body: bytes, given: str | None, now: float | None = None) -> dict[str, Any]:
    """The event's JSON object, or `BadSignature` (403)."""
    secret = settings.ZALO_OA_SECRET_KEY
    if not secret or not given:
        raise BadSignature()
    try:
        event = json.loads(body)
        app_id, timestamp = str(event["app_id"]), str(event["timestamp"])
        sent_at = int(timestamp) / 1000
    except (ValueError, KeyError, TypeError):
        raise BadSignature() from None
    mac = given.strip().removeprefix("mac=")
    if not hmac.compare_digest(zalo_mac(app_id, body, timestamp, secret), mac):
        raise BadSignature()
    if abs((now if now is not None else time.time()) - sent_at) > (
        settings.ZALO_WEBHOOK_MAX_AGE_SECONDS
    ):
        raise _stale()
    if not isinstance(event, dict):
        raise BadSignature()
    return event


def messenger_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def messenger_verify(*, body: bytes, given: str | None) -> None:
    secret = settings.MESSENGER_APP_SECRET
    if not secret or not given:
        raise BadSignature()
    if not hmac.compare_digest(messenger_signature(body, secret), given.strip()):
        raise BadSignature()


sms_signature = timestamped_signature  # the gateway signs as common.signed_requests says


def sms_verify(
    *, body: bytes, timestamp: str | None, given: str | None, now: float | None = None
) -> None:
    verdict = check_timestamped(
        secret=settings.SMS_INBOUND_SECRET,
        timestamp=timestamp,
        given=given,
        body=body,
        max_skew=settings.SMS_INBOUND_MAX_SKEW_SECONDS,
        now=now,
    )
    if verdict is Verdict.BAD:
        raise BadSignature()
    if verdict is Verdict.STALE:
        raise _stale()
