"""`Authorization: Bearer <access token>` for the phone app (tokens from accounts.services)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from .services import token_user


class BearerTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Mã truy cập không hợp lệ."))
        try:
            access = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Mã truy cập không hợp lệ.")) from None
        found = token_user(access=access)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Mã truy cập không hợp lệ hoặc đã hết hạn."))
        return found

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
