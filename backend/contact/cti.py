"""The telephone system's webhook is verified here, before anything in it is read.

Headers: `X-CTI-Timestamp` (Unix seconds) and `X-CTI-Signature: sha256=<hex>` where hex is
HMAC-SHA256 over `<timestamp>.<raw body>` keyed with settings.CTI_SHARED_SECRET (the scheme
Stripe and Slack use: any PBX script can compute it). The comparison is constant-time; a
timestamp further than CTI_MAX_SKEW_SECONDS from now is refused, so a captured request cannot be
replayed later (a replay inside the window is harmless: a call id opens one contact).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from backend.common.errors import DomainError
from backend.common.signed_requests import Verdict, check_timestamped, timestamped_signature

TIMESTAMP_HEADER = "X-CTI-Timestamp"
SIGNATURE_HEADER = "X-CTI-Signature"


class BadSignature(DomainError):
    status_code = 403
    code = "bad_signature"
    default_message = _("Chữ ký của tổng đài không hợp lệ.")


signature = timestamped_signature  # the telephony signs as common.signed_requests says


def verify(
    *, timestamp: str | None, given: str | None, body: bytes, now: float | None = None
) -> None:
    """Raise `BadSignature` (403) unless the request is signed with the shared secret, now."""
    verdict = check_timestamped(
        secret=settings.CTI_SHARED_SECRET,
        timestamp=timestamp,
        given=given,
        body=body,
        max_skew=settings.CTI_MAX_SKEW_SECONDS,
        now=now,
    )
    if verdict is Verdict.STALE:
        raise BadSignature(_("Yêu cầu đã quá hạn."), code="stale_signature")
    if verdict is Verdict.BAD:
        raise BadSignature()
