"""Every throttle identifies an anonymous caller by `client_address`, never by a raw header."""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from .client_address import client_address


class ClientAddressIdent:
    """Mixin for DRF throttles: DRF's own get_ident trusts X-Forwarded-For from anyone."""

    def get_ident(self, request: Any) -> str:
        return client_address(request)


class ClientRateThrottle(ClientAddressIdent, SimpleRateThrottle):
    """The base of the project's throttles."""
