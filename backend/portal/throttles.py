"""Limits of the portal's API: per resident when signed in, per client address before (429)."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from backend.common.throttles import ResidentThrottle


class PortalThrottle(ResidentThrottle):
    rates_setting = "PORTAL_THROTTLE_RATES"
    key_prefix = "portal_"


class AddressThrottle(PortalThrottle):
    """Per client address whoever is signed in: one address cannot file for many accounts."""

    def get_cache_key(self, request: Request, view: Any) -> str:
        ident = self.get_ident(request)
        return self.cache_format % {"scope": f"portal_{self.scope}_addr", "ident": ident}


class CodeThrottle(AddressThrottle):
    scope = "code"


class SignInThrottle(AddressThrottle):
    scope = "sign_in"


class SubmitThrottle(PortalThrottle):
    scope = "submit"


class SubmitAddressThrottle(AddressThrottle):
    scope = "submit_address"


class LookupThrottle(AddressThrottle):
    scope = "lookup"
