"""`api_key` (query string or form field) → the client application, and its rate limit."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from backend.accounts.api_keys import api_client_for_key
from backend.accounts.models import ApiClient
from backend.common.throttles import ClientRateThrottle


class ApiKeyAuthentication(BaseAuthentication):
    """Optional on reads, required on writes; a wrong or revoked key is refused everywhere."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        data: Any = request.data if request.method == "POST" else {}
        key = request.query_params.get("api_key") or data.get("api_key")
        if not key:
            return None
        client = api_client_for_key(str(key))
        if client is None:
            raise exceptions.PermissionDenied(_("api_key không hợp lệ hoặc đã bị thu hồi."))
        return (client.user, client)


class HasApiKey(BasePermission):
    message = _("Cần api_key để gửi phản ánh.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method != "POST" or isinstance(request.auth, ApiClient)


class ApiKeyThrottle(ClientRateThrottle):
    """Per key at the client's own rate; without a key per client IP (OPEN311_ANONYMOUS_RATE)."""

    scope = "open311"

    def get_rate(self) -> str:
        rate: str = settings.OPEN311_ANONYMOUS_RATE
        return rate

    def allow_request(self, request: Request, view: Any) -> bool:
        client = request.auth if isinstance(request.auth, ApiClient) else None
        if client is not None:
            self.rate = client.rate_limit
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        client = request.auth if isinstance(request.auth, ApiClient) else None
        ident = f"k{client.pk}" if client is not None else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
