"""Throttles of the resident API: per user when signed in, per client IP before (429)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request

from backend.common.throttles import ClientRateThrottle


class MobileThrottle(ClientRateThrottle):
    scope = "default"

    def get_rate(self) -> str:
        rate: str = settings.MOBILE_THROTTLE_RATES[self.scope]
        return rate

    def get_cache_key(self, request: Request, view: Any) -> str:
        user = getattr(request, "user", None)
        ident = (
            f"u{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        )
        return self.cache_format % {"scope": self.scope, "ident": ident}


class OtpThrottle(MobileThrottle):
    scope = "otp"


class SignInThrottle(MobileThrottle):
    scope = "sign_in"


class SubmitThrottle(MobileThrottle):
    scope = "submit"


class SimilarThrottle(MobileThrottle):
    scope = "similar"
