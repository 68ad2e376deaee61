"""Limits of the portal's API: per resident when signed in, per client address before (429)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request

from backend.common.throttles import ClientRateThrottle


class PortalThrottle(ClientRateThrottle):
    scope = "default"

    def get_rate(self) -> str:
        rate: str = settings.PORTAL_THROTTLE_RATES[self.scope]
        return rate

    def get_cache_key(self, request: Request, view: Any) -> str:
        user = getattr(request, "user", None)
        pk = user.pk if user is not None and user.is_authenticated else None
        ident = f"u{pk}" if pk is not None else self.get_ident(request)
        return self.cache_format % {"scope": f"portal_{self.scope}", "ident": ident}


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
