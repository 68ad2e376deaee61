"""Throttles of the resident API: per user when signed in, per client IP before (429)."""

from __future__ import annotations

from backend.common.throttles import ResidentThrottle


class MobileThrottle(ResidentThrottle):
    rates_setting = "MOBILE_THROTTLE_RATES"


class OtpThrottle(MobileThrottle):
    scope = "otp"


class SignInThrottle(MobileThrottle):
    scope = "sign_in"


class SubmitThrottle(MobileThrottle):
    scope = "submit"


class SimilarThrottle(MobileThrottle):
    scope = "similar"
