"""The telephone system's webhook is verified here, before anything in it is read.

Headers: `X-CTI-Timestamp` (Unix seconds) and `X-CTI-Signature: sha256=<hex>` where hex is
HMAC-SHA256 over `<timestamp>.<raw body>` keyed with settings.CTI_SHARED_SECRET (the scheme
Stripe and Slack use: any PBX script can compute it). The comparison is constant-time; a
timestamp further than CTI_MAX_SKEW_SECONDS from now is refused, so a captured request cannot be
replayed later (a replay inside the window is harmless: a call id opens one contact).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from backend.common.errors import DomainError

TIMESTAMP_HEADER = "X-CTI-Timestamp"
SIGNATURE_HEADER = "X-CTI-Signature"


class BadSignature(DomainError):
    status_code = 403
    code = "bad_signature"
    default_message = _("Chữ ký của tổng đài không hợp lệ.")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    *, timestamp: str | None, given: str | None, body: bytes, now: float | None = None
) -> None:
    """Raise `BadSignature` (403) unless the request is signed with the shared secret, now."""
    secret = settings.CTI_SHARED_SECRET
    if not secret or not timestamp or not given:
        raise BadSignature()
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise BadSignature() from None
    if abs((now if now is not None else time.time()) - sent_at) > settings.CTI_MAX_SKEW_SECONDS:
        raise BadSignature(_("Yêu cầu đã quá hạn."), code="stale_signature")
    if not hmac.compare_digest(signature(secret, timestamp, body), given.strip()):
        raise BadSignature()
